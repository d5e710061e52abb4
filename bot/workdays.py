"""Working days, skipped dates and public holidays: which days the bot stays quiet on, and when
a follow-up may be sent. Pure: every answer depends only on the arguments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_WORKING_DAYS = frozenset(range(5))  # Monday to Friday
DEFAULT_HOURS = (time(9, 0), time(17, 0))


@cache
def supported_countries() -> frozenset[str]:
    """Country codes the ``holidays`` package knows (``US``, ``GB``, ``JP``...)."""
    import holidays  # a large package: imported when a calendar is first used

    return frozenset(holidays.list_supported_countries())


@cache
def _holidays(country: str, year: int) -> dict[date, str]:
    import holidays

    return dict(holidays.country_holidays(country, years=year).items())


def holiday_name(country: str | None, day: date) -> str | None:
    """The name of the public holiday on ``day`` in ``country``, if it is one."""
    if not country:
        return None
    return _holidays(country, day.year).get(day)


@dataclass(frozen=True)
class Calendar:
    """A channel's working days, dates to skip, holiday country and working hours."""

    working_days: frozenset[int] = DEFAULT_WORKING_DAYS  # 0 = Monday
    skip_dates: frozenset[date] = frozenset()
    holidays: str | None = None
    hours: tuple[time, time] = DEFAULT_HOURS

    def why_off(self, day: date) -> str | None:
        """Why nothing is posted on ``day`` (a date in the channel's timezone), or None."""
        if day in self.skip_dates:
            return f"{day.isoformat()} is in skip_dates"
        name = holiday_name(self.holidays, day)
        if name:
            return f"public holiday in {self.holidays}: {name}"
        if day.weekday() not in self.working_days:
            return f"{WEEKDAYS[day.weekday()].capitalize()} is not a working day"
        return None

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is a working day that is neither skipped nor a holiday."""
        return self.why_off(day) is None

    def next_working_day(self, day: date) -> date:
        """``day`` if it is a working day, else the next one (searching at most two years)."""
        for offset in range(750):
            candidate = day + timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        raise ValueError("no working day in the next two years: check working_days")

    def add_working_days(self, day: date, count: int) -> date:
        """The date ``count`` working days after ``day``."""
        for _ in range(count):
            day = self.next_working_day(day + timedelta(days=1))
        return day

    def within_hours(self, at: datetime, tz: ZoneInfo) -> bool:
        """Whether ``at`` falls in working hours on a working day, in ``tz``."""
        local = at.astimezone(tz)
        return (self.is_working_day(local.date())
                and self.hours[0] <= local.time() < self.hours[1])

    def next_working_moment(self, at: datetime, tz: ZoneInfo) -> datetime:
        """``at`` if it is inside working hours, else the next start of working hours."""
        local = at.astimezone(tz)
        day = local.date()
        if self.is_working_day(day):
            if local.time() < self.hours[0]:
                return _at(day, self.hours[0], tz)
            if local.time() < self.hours[1]:
                return at
        return _at(self.next_working_day(day + timedelta(days=1)), self.hours[0], tz)

    def follow_up_time(self, chosen_at: datetime, days: int, tz: ZoneInfo) -> datetime:
        """When to ask how it went: ``days`` working days after ``chosen_at`` (in ``tz``), at
        the same time of day, moved into working hours."""
        local = chosen_at.astimezone(tz)
        target = self.add_working_days(local.date(), days)
        return self.next_working_moment(_at(target, local.time(), tz), tz)


def _at(day: date, clock_time: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, clock_time.replace(tzinfo=None), tzinfo=tz)
