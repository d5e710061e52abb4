"""What listeners need from the rest of the bot, passed in explicitly."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.config import Config
from bot.store import Store


@dataclass
class Services:
    """The configuration, store and clock the listeners call services with."""

    config: Config
    store: Store
    clock: Clock
