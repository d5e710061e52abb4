"""What each person controls: pausing leadbot's DMs, which DMs they get, their quiet hours.

Settings are not answers: exports leave them out, and forgetting a person deletes them.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.clock import Clock, to_iso
from bot.store import Store

PAUSES = {"1w": timedelta(weeks=1), "2w": timedelta(weeks=2)}
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class InvalidSetting(ValueError):
    """A setting value that cannot be used; the message says why, for the person."""


def change(store: Store, clock: Clock, user: str, name: str, value: str | None,
           tz: ZoneInfo) -> dict:
    """Apply one change from the settings controls; return all the person's settings.

    ``name`` is pause (``1w`` / ``2w``), pause_until (a date, paused to the end of it in the
    person's time zone), resume, follow_up_dms / sighting_dms / sightings_in_digest (``on`` /
    ``off``),
    quiet_start / quiet_end (``HH:MM``) or quiet_clear.
    """
    now = clock.now()
    if name == "pause":
        if value not in PAUSES:
            raise InvalidSetting("Pick one week or two weeks.")
        return store.save_person_settings(user, now, paused_until=to_iso(now + PAUSES[value]))
    if name == "pause_until":
        try:
            day = date.fromisoformat(value or "")
        except ValueError:
            raise InvalidSetting("Pick a date from the calendar.") from None
        until = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
        if until <= now:
            raise InvalidSetting("That date has passed: pick a day from today on.")
        if until - now > timedelta(days=366):
            raise InvalidSetting("Pause for at most a year.")
        return store.save_person_settings(user, now, paused_until=to_iso(until))
    if name == "resume":
        return store.save_person_settings(user, now, paused_until=None)
    if name in ("follow_up_dms", "sighting_dms", "sightings_in_digest"):
        if value not in ("on", "off"):
            raise InvalidSetting("Choose on or off.")
        return store.save_person_settings(user, now, **{name: value == "on"})
    if name in ("quiet_start", "quiet_end"):
        if not value or not _TIME.match(value):
            raise InvalidSetting("Pick a time like 18:00.")
        settings = store.person_settings(user)
        other = "quiet_end" if name == "quiet_start" else "quiet_start"
        changes = {name: value}
        if not settings[other]:  # the first end set: give the other a sensible default
            changes[other] = "09:00" if other == "quiet_end" else "18:00"
        return store.save_person_settings(user, now, **changes)
    if name == "quiet_clear":
        return store.save_person_settings(user, now, quiet_start=None, quiet_end=None)
    raise InvalidSetting(f"Unknown setting {name!r}.")


def of(store: Store, user: str) -> dict:
    """``user``'s settings (the defaults where they chose none)."""
    return store.person_settings(user)
