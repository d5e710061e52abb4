"""Standard 5-field cron expressions, read the way crontab(5) reads them, as APScheduler triggers.

APScheduler 3.x numbers weekdays from Monday=0, crontab from Sunday=0; we expand the
day-of-week field ourselves into weekday names so ``1-5`` means Monday to Friday, as an admin
who knows cron expects.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from apscheduler.triggers.cron import CronTrigger

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

    Raises CronError naming the field that is wrong.
    """
    if not isinstance(expr, str):
        raise CronError("expected a cron expression in quotes, e.g. \"0 9 * * MON\"")
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
    for name in ("second", "minute", "hour", "day", "month"):
        try:
            CronTrigger(**{name: kwargs[name]}, timezone=timezone)
        except ValueError as exc:
            raise CronError(f"'{expr}': bad {_FIELD_LABELS[name]}: {exc}") from None
    try:
        return CronTrigger(**kwargs, timezone=timezone)
    except ValueError as exc:  # pragma: no cover - fields were checked one by one above
        raise CronError(f"'{expr}': {exc}") from None


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
