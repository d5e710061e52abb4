"""Standard 5-field cron expressions, read the way crontab(5) reads them, as APScheduler triggers.

APScheduler 3.x numbers weekdays from Monday=0, crontab from Sunday=0; we expand the
day-of-week field ourselves into weekday names so ``1-5`` means Monday to Friday, as an admin
who knows cron expects.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.cron.fields import MAX_VALUES, MIN_VALUES

_FIELD_LABELS = {
    "second": "second (0-59)",
    "minute": "minute (0-59)",
    "hour": "hour (0-23)",
    "day": "day of month (1-31)",
    "month": "month (1-12 or JAN-DEC)",
    "day_of_week": "day of week (0-7 or SUN-SAT)",
}
_DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
_MONTH_NAMES = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                "dec"]


class CronError(ValueError):
    """A cron expression that cannot be used, with a message that says why."""


def _day_number(token: str) -> int:
    token = token.lower()
    if token in _DAY_NAMES:
        return _DAY_NAMES.index(token)
    if token.isdigit() and 0 <= int(token) <= 7:
        return int(token) % 7 if token != "7" else 7
    raise CronError(f"'{token}' is not a day of week (use 0-7 or SUN-SAT)")


def _expand_day_of_week(field: str) -> str:
    """Turn a crontab day-of-week field into APScheduler weekday names."""
    days: set[int] = set()
    for part in field.split(","):
        if not part:
            raise CronError("day of week has an empty item")
        rng, _, step_text = part.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) == 0:
                raise CronError(f"'{part}': the step after '/' must be a positive number")
            step = int(step_text)
        if rng == "*":
            lo, hi = 0, 6
        elif "-" in rng:
            a, _, b = rng.partition("-")
            lo, hi = _day_number(a), _day_number(b)
            if lo == 7:
                lo = 0
            if hi == 0 and lo > 0:
                hi = 7  # SAT-SUN: Sunday closes the week
            if hi < lo:
                raise CronError(f"'{rng}': a day range must go forward (e.g. MON-FRI)")
        else:
            lo = hi = _day_number(rng)
            if step_text:
                hi = 6
        days.update(d % 7 for d in range(lo, hi + 1, step))
    if days == set(range(7)):
        return "*"
    # APScheduler's own names are unambiguous, whatever its numbering.
    return ",".join(_DAY_NAMES[d] for d in sorted(days))


def parse_cron(expr: str, timezone: tzinfo) -> CronTrigger:
    """A trigger for ``expr`` (5 fields, or 6 with seconds first) in ``timezone``.

    Raises CronError naming the field that is wrong. Triggers are immutable, so one is built
    per expression and timezone however many channels share it.
    """
    if not isinstance(expr, str):
        raise CronError("expected a cron expression in quotes, e.g. \"0 9 * * MON\"")
    return _trigger(expr, timezone)


@lru_cache(maxsize=4096)
def _trigger(expr: str, timezone: tzinfo) -> CronTrigger:
    values = expr.split()
    if len(values) not in (5, 6):
        raise CronError(
            f"'{expr}' has {len(values)} field{'s' if len(values) != 1 else ''}; expected 5: "
            "minute hour day-of-month month day-of-week, e.g. \"0 9 * * MON\" (or 6, with "
            "seconds first)"
        )
    second = values.pop(0) if len(values) == 6 else "0"
    minute, hour, day, month, dow = values
    if day != "*" and dow != "*":
        raise CronError(
            f"'{expr}' restricts both day of month and day of week; cron would run on either, "
            "which is rarely meant: keep one and set the other to *"
        )
    try:
        dow_names = _expand_day_of_week(dow)
    except CronError as exc:
        raise CronError(f"'{expr}': {exc}") from None
    kwargs = dict(second=second, minute=minute, hour=hour, day=day, month=month,
                  day_of_week=dow_names)
    try:
        return CronTrigger(**kwargs, timezone=timezone)
    except ValueError:
        pass  # find the field to name
    for name in ("second", "minute", "hour", "day", "month"):
        try:
            CronTrigger(**{name: kwargs[name]}, timezone=timezone)
        except ValueError as exc:
            raise CronError(f"'{expr}': bad {_FIELD_LABELS[name]}: {exc}") from None
    raise CronError(f"'{expr}' is not a cron expression")  # pragma: no cover - a field failed


def occurrences(trigger: CronTrigger, start: datetime, end: datetime) -> list[datetime]:
    """Every fire time in [start, end), as aware datetimes in the trigger's timezone."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("occurrences needs aware datetimes")
    out: list[datetime] = []
    previous = None
    now = start
    while True:
        nxt = trigger.get_next_fire_time(previous, now)
        if nxt is None or nxt >= end:
            return out
        out.append(nxt)
        previous = nxt
        now = nxt


# How often a schedule may fire, and how many posts may fall due in one minute, are questions
# about a schedule's shape, answered from its fields rather than by asking APScheduler for every
# fire time: a schedule firing every second has 86,400 a day.

_DAY_FIELDS = ("year", "month", "day", "week", "day_of_week")


def _values(trigger: CronTrigger, name: str) -> list[int]:
    """The values the second, minute or hour field of ``trigger`` allows, in order."""
    field = next(f for f in trigger.fields if f.name == name)
    allowed: set[int] = set()
    for expression in field.expressions:
        first = getattr(expression, "first", MIN_VALUES[name])
        last = getattr(expression, "last", None)
        allowed.update(range(first, (MAX_VALUES[name] if last is None else last) + 1,
                             expression.step or 1))
    return sorted(allowed)


def fire_days(trigger: CronTrigger, days: Sequence[date]) -> list[date]:
    """The dates among ``days`` on which ``trigger`` fires (on its local calendar)."""
    fields = tuple((f.name, str(f)) for f in trigger.fields if f.name in _DAY_FIELDS)
    return list(_fire_days(fields, tuple(days)))


@lru_cache(maxsize=256)
def _fire_days(fields: tuple[tuple[str, str], ...], days: tuple[date, ...]) -> tuple[date, ...]:
    # keyed by the day fields alone: a config holds many times of day but few kinds of day
    probe = CronTrigger(**dict(fields))
    return tuple(day for day in days
                 if all(f.get_next_value(day) == f.get_value(day) for f in probe.fields
                        if f.name in _DAY_FIELDS))


def shortest_gap(trigger: CronTrigger, days: Sequence[date]) -> timedelta | None:
    """The shortest time between two consecutive fire times on ``days``, or None if it fires
    at most once. Reckoned on the local wall clock: a DST change is not counted."""
    seconds, minutes, hours = (_values(trigger, n) for n in ("second", "minute", "hour"))
    first = hours[0] * 3600 + minutes[0] * 60 + seconds[0]
    last = hours[-1] * 3600 + minutes[-1] * 60 + seconds[-1]
    gaps = []
    if len(seconds) > 1:
        gaps.append(_smallest_step(seconds))
    if len(minutes) > 1:
        gaps.append(_smallest_step(minutes) * 60 + seconds[0] - seconds[-1])
    if len(hours) > 1:
        gaps.append(_smallest_step(hours) * 3600 + (minutes[0] * 60 + seconds[0])
                    - (minutes[-1] * 60 + seconds[-1]))
    active = fire_days(trigger, days)
    if not active:
        return None
    if any(b - a == timedelta(days=1) for a, b in itertools.pairwise(active)):
        gaps.append(86400 + first - last)
    return timedelta(seconds=min(gaps)) if gaps else None


def _smallest_step(values: list[int]) -> int:
    return min(b - a for a, b in itertools.pairwise(values))


def fires_per_minute(trigger: CronTrigger, days: Sequence[date]) -> dict[datetime, int]:
    """How many times ``trigger`` fires in each minute of ``days``, keyed by the minute in UTC."""
    per_minute = len(_values(trigger, "second"))
    times = [time(h, m) for h in _values(trigger, "hour") for m in _values(trigger, "minute")]
    zone = trigger.timezone
    out: dict[datetime, int] = {}
    for day in fire_days(trigger, days):
        for at in times:
            out[datetime.combine(day, at, tzinfo=zone).astimezone(UTC)] = per_minute
    return out
