"""Who a Slack user is (bot? deactivated? which time zone?), from Slack, cached a while.

Kept in memory only: nothing about a person is written to disk from here.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.services.ports import Slack, SlackFailure

TTL = 3600.0  # seconds: people rarely change time zone, and a stale hour does little harm


@dataclass(frozen=True)
class Person:
    """What leadbot needs to know about a Slack user."""

    id: str
    name: str
    tz: ZoneInfo | None
    is_bot: bool
    deleted: bool


class Directory:
    """Slack's users, with a time-limited cache; None for a user Slack does not know."""

    def __init__(self, slack: Slack, ttl: float = TTL, monotonic=time.monotonic):
        self.slack = slack
        self.ttl = ttl
        self._monotonic = monotonic
        self._cache: dict[str, tuple[float, Person | None]] = {}
        self._lock = threading.Lock()

    def get(self, user_id: str) -> Person | None:
        """The person, or None if Slack has no such user (other failures are raised)."""
        now = self._monotonic()
        with self._lock:
            cached = self._cache.get(user_id)
        if cached and now - cached[0] < self.ttl:
            return cached[1]
        data = self.slack.user(user_id)
        if data is None:
            person = None
        else:
            person = Person(id=data["id"], name=data.get("name") or data["id"],
                            tz=_zone(data.get("tz")),
                            is_bot=bool(data.get("is_bot")) or data["id"] == "USLACKBOT",
                            deleted=bool(data.get("deleted")))
        with self._lock:
            self._cache[user_id] = (now, person)
        return person

    def tz(self, user_id: str) -> ZoneInfo | None:
        """The person's own Slack time zone, or None (unknown user, no zone, Slack down)."""
        try:
            person = self.get(user_id)
        except SlackFailure:
            return None
        return person.tz if person else None

    def forget(self, user_id: str) -> None:
        """Drop what is cached about one person."""
        with self._lock:
            self._cache.pop(user_id, None)


def _zone(name: str | None) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None
