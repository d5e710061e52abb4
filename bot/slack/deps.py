"""What listeners and inbox handlers need from the rest of the bot, passed in explicitly."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.config import Channel, Config
from bot.inbox import Inbox
from bot.services.directory import Directory
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
    # Posts one message now through the scheduler's path (set once the poster exists).
    post_now: Callable[[Channel, str], Any] | None = None
    # Who a Slack user is (users.info, cached); None where no Slack is at hand (tests, CLI).
    directory: Directory | None = None
    # Who is in each channel, cached for the Home tab: {channel_id: (fetched_monotonic, ids)}
    members: dict[str, tuple[float, frozenset[str]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def user_tz(self, user: str) -> ZoneInfo:
        """The person's own Slack time zone, else the configuration's."""
        found = self.directory.tz(user) if self.directory is not None else None
        return found or self.config.timezone

    def themes(self) -> dict[str, str]:
        """The library's behaviour themes, id to display name."""
        return {key: b.name for key, b in self.config.library.behaviors.items()}

    def default_channel(self) -> str | None:
        """The team's channel when leadbot has exactly one (where a reflection or sighting
        written outside any channel belongs), else None."""
        return next(iter(self.channel_ids.values())) if len(self.channel_ids) == 1 else None

    def channel_config(self, channel_id: str) -> Channel | None:
        """The configured channel that resolved to ``channel_id``."""
        for channel in self.config.channels:
            if self.channel_ids.get(channel.channel, channel.channel) == channel_id:
                return channel
        return None
