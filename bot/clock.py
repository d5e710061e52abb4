"""The injected clock: domain code asks a Clock for the time, never the system directly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Anything that tells the current time as an aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """Return the current time in UTC."""
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to (tests, previews)."""

    def __init__(self, at: datetime):
        if at.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._at = at.astimezone(UTC)

    def now(self) -> datetime:
        """Return the frozen time."""
        return self._at

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward by ``delta``."""
        self._at += delta

    def set(self, at: datetime) -> None:
        """Jump to ``at``."""
        if at.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._at = at.astimezone(UTC)


class OffsetClock:
    """The real clock moved forward by an offset: the sandbox's "make time pass" buttons."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        """The current time plus the offset, in UTC."""
        return datetime.now(UTC) + self.offset

    def advance_to(self, at: datetime) -> None:
        """Move forward so that now() is ``at`` (never backwards)."""
        self.offset = max(self.offset, at - datetime.now(UTC))


def to_iso(at: datetime) -> str:
    """ISO 8601 in UTC with a Z suffix, the one format the store and exports use."""
    if at.tzinfo is None:
        raise ValueError("naive datetime")
    return at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def from_iso(text: str) -> datetime:
    """Parse what ``to_iso`` wrote (or any ISO 8601 string with an offset) into aware UTC."""
    at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if at.tzinfo is None:
        raise ValueError(f"timestamp without timezone: {text!r}")
    return at.astimezone(UTC)
