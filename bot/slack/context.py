"""What listeners and inbox handlers need from the rest of the bot, passed in explicitly."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.clock import Clock
from bot.config import Channel, Config
from bot.inbox import Inbox
from bot.store import Store


@dataclass
class Services:
    """The configuration, store, inbox and clock, and who the bot is in Slack."""

    config: Config
    store: Store
    clock: Clock
    inbox: Inbox | None = None
    bot_user_id: str | None = None
    channel_ids: dict[str, str] = field(default_factory=dict)

    def channel_config(self, channel_id: str) -> Channel | None:
        """The configured channel that resolved to ``channel_id``."""
        for channel in self.config.channels:
            if self.channel_ids.get(channel.channel, channel.channel) == channel_id:
                return channel
        return None
