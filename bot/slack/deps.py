"""What listeners and inbox handlers need from the rest of the bot, passed in explicitly."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from bot.channels import Channels
from bot.clock import Clock
from bot.config import Channel, Config
from bot.inbox import Inbox
from bot.services.directory import Directory
from bot.store import Store


@dataclass
class Deps:
    """The configuration, store, inbox and clock, the resolved channels, and who the bot is in
    Slack."""

    config: Config
    store: Store
    clock: Clock
    inbox: Inbox | None = None
    bot_user_id: str | None = None
    channels: Channels = field(default_factory=lambda: Channels({}, ()))
    # Posts one message now through the scheduler's path (set once the poster exists).
    post_now: Callable[[Channel, str], Any] | None = None
    # Reads the configuration file again and applies it (set by the runtime); takes who asked,
    # returns an outcome with ``applied``, ``lines`` and ``problems``.
    reload: Callable[[str], Any] | None = None
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
        """The library's themes, id to display name."""
        return {key: b.name for key, b in self.config.library.themes.items()}
