"""Working days, skipped dates and public holidays: which days the bot stays quiet on, and when
a follow-up may be sent. Pure: every answer depends only on the arguments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_WORKING_DAYS = frozenset(range(5))  # Monday to Friday
DEFAULT_HOURS = (time(9, 0), time(17, 0))


@cache
def supported_countries() -> frozenset[str]:
    """Country codes the ``holidays`` package knows (``US``, ``GB``, ``GBR``, ``UK``...)."""
    # The package's registry names every country without importing any of them (its
    # list_supported_countries() imports all ~250 country modules: 10-40 MB).
    from holidays.registry import EntityLoader

    return frozenset(EntityLoader.get_country_codes(include_aliases=True))


@cache
def _holidays(country: str, year: int) -> dict[date, str]:
    return dict(_country_class(country)(years=year).items())


def _country_class(code: str) -> type:
    """The ``holidays`` class for one country, importing that country's module only.

    ``holidays.countries`` imports every country as it loads, so while the one module is
    imported an empty package stands in for it; then the modules loaded under it are taken
    out of ``sys.modules`` again, so a later ``import holidays.countries`` (by anyone) loads
    the real package whole, as if this had not happened.
    """
    import importlib
    import sys
    import types

    from holidays.registry import COUNTRIES, IMPORT_LOCK

    module = next((name for name, codes in COUNTRIES.items() if code in codes[1:]), None)
    if module is None:
        raise NotImplementedError(f"Country {code} not available")
    package = "holidays.countries"
    with IMPORT_LOCK:  # the package's own lock for its lazy imports
        if package in sys.modules:
            return getattr(importlib.import_module(f"{package}.{module}"), code)
        import holidays

        stand_in = types.ModuleType(package)
        stand_in.__path__ = [str(Path(holidays.__file__).parent / "countries")]
        sys.modules[package] = stand_in
        try:
            return getattr(importlib.import_module(f"{package}.{module}"), code)
        finally:
            for name in [n for n in sys.modules if n == package or n.startswith(f"{package}.")]:
                del sys.modules[name]
            if getattr(holidays, "countries", None) is stand_in:
                del holidays.countries


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
