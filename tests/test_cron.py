"""Cron expressions read as crontab reads them, in the channel's timezone, across DST."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.cron import CronError, occurrences, parse_cron

LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(("expr", "weekdays"), [
    ("0 9 * * 1-5", [0, 1, 2, 3, 4]),       # crontab: 1 = Monday
    ("0 9 * * 0", [6]),                     # 0 = Sunday
    ("0 9 * * 7", [6]),                     # 7 = Sunday too
    ("0 9 * * MON,WED", [0, 2]),
    ("0 9 * * sat-sun", [5, 6]),
    ("0 9 * * */2", [1, 3, 5, 6]),          # Sun, Tue, Thu, Sat
    ("0 9 * * 1-5/2", [0, 2, 4]),
    ("0 9 * * *", [0, 1, 2, 3, 4, 5, 6]),
])
def test_day_of_week_is_crontab_numbering(expr, weekdays):
    trigger = parse_cron(expr, LONDON)
    times = occurrences(trigger, datetime(2026, 11, 2, tzinfo=UTC),
                        datetime(2026, 11, 9, tzinfo=UTC))
    assert sorted({t.weekday() for t in times}) == weekdays
    assert all(t.hour == 9 and t.minute == 0 for t in times)


def test_local_time_is_kept_across_dst():
    trigger = parse_cron("0 9 * * *", LONDON)
    times = occurrences(trigger, datetime(2026, 3, 27, tzinfo=UTC),
                        datetime(2026, 3, 31, tzinfo=UTC))
    assert [t.astimezone(UTC).hour for t in times] == [9, 9, 8, 8]  # BST starts 29 March
    assert all(t.hour == 9 for t in times)


@pytest.mark.parametrize(("expr", "fragment"), [
    ("0 9 * *", "has 4 fields"),
    ("0 0 9 * * * *", "has 7 fields"),
    ("61 0 9 * * *", "bad second"),
    ("60 9 * * *", "bad minute"),
    ("0 24 * * *", "bad hour"),
    ("0 9 32 * *", "bad day of month"),
    ("0 9 * 13 *", "bad month"),
    ("0 9 * * FOO", "'foo' is not a day of week"),
    ("0 9 * * 5-1", "must go forward"),
    ("0 9 * * 1/0", "positive number"),
    ("0 9 * * 1,,2", "empty item"),
    ("0 9 15 * FRI", "restricts both"),
])
def test_bad_expressions(expr, fragment):
    with pytest.raises(CronError) as info:
        parse_cron(expr, LONDON)
    assert fragment in str(info.value)


def test_naive_datetimes_refused():
    trigger = parse_cron("0 9 * * *", LONDON)
    with pytest.raises(ValueError):
        occurrences(trigger, datetime(2026, 1, 1), datetime(2026, 1, 2, tzinfo=UTC))  # noqa: DTZ001


def test_six_fields_put_seconds_first():
    trigger = parse_cron("*/20 0 9 * * MON", LONDON)
    times = occurrences(trigger, datetime(2026, 11, 23, tzinfo=UTC),
                        datetime(2026, 11, 24, tzinfo=UTC))
    assert [t.strftime("%a %H:%M:%S") for t in times] == [
        "Mon 09:00:00", "Mon 09:00:20", "Mon 09:00:40"]
