"""Cron expressions read as crontab reads them, in the channel's timezone, across DST."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.cron import (
    CronError,
    fire_days,
    fires_per_minute,
    occurrences,
    parse_cron,
    shortest_gap,
)

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


def test_one_trigger_per_expression_and_timezone():
    # 10,000 channels on a few schedules build a few triggers, not 10,000 (or 60,000)
    assert parse_cron("0 9 * * MON", LONDON) is parse_cron("0 9 * * MON", LONDON)
    assert parse_cron("0 9 * * MON", LONDON) is not parse_cron("0 9 * * MON", UTC)


WEEKS = [date(2026, 11, 23) + timedelta(days=i) for i in range(35)]  # from a Monday


@pytest.mark.parametrize(("expr", "gap"), [
    ("* * * * * *", timedelta(seconds=1)),
    ("*/2 * * * * *", timedelta(seconds=2)),
    ("1-59/2 * * * * *", timedelta(seconds=2)),      # :59 then :01 of the next minute
    ("0,30 * * * * *", timedelta(seconds=30)),
    ("*/4 * * * *", timedelta(minutes=4)),
    ("*/5 * * * *", timedelta(minutes=5)),
    ("0,59 0,23 * * *", timedelta(minutes=1)),       # 23:59, then 00:00 the next day
    ("0,59 0,23 * * MON", timedelta(minutes=59)),    # no next day to run into
    ("0 9,17 * * *", timedelta(hours=8)),
    ("0 9 * * 1-5", timedelta(days=1)),
    ("0 9 * * MON", None),                           # at most once a day
    ("0 9 1 * *", None),
])
def test_shortest_gap(expr, gap):
    assert shortest_gap(parse_cron(expr, UTC), WEEKS) == gap


@pytest.mark.parametrize("expr", ["0 9 * * *", "*/5 * * * *", "*/7 8-17 * * 1-5",
                                  "0,59 0,23 * * *", "30 8,9 * * *", "15,45 */3 * * *",
                                  "59 23 * * 0,1", "0 12 1,2 * *", "10-20/5 9 * * *"])
def test_shortest_gap_matches_the_fire_times(expr):
    days = [date(2026, 11, 29) + timedelta(days=i) for i in range(4)]  # Sun 29 Nov to Wed 2 Dec
    trigger = parse_cron(expr, UTC)
    times = occurrences(trigger, datetime(2026, 11, 29, tzinfo=UTC),
                        datetime(2026, 12, 3, tzinfo=UTC))
    gaps = [b - a for a, b in itertools.pairwise(times)]
    expected = min(gaps) if gaps and min(gaps) <= timedelta(days=1) else None
    assert shortest_gap(trigger, days) == expected


def test_fire_days_read_the_day_fields():
    assert [d.strftime("%a") for d in fire_days(parse_cron("0 9 * * 1-5", LONDON), WEEKS[:7])] \
        == ["Mon", "Tue", "Wed", "Thu", "Fri"]
    assert fire_days(parse_cron("0 9 1,15 * *", LONDON), WEEKS) == [date(2026, 12, 1),
                                                                   date(2026, 12, 15)]


def test_fires_per_minute_in_utc_across_dst():
    london = fires_per_minute(parse_cron("*/20 0 9 * * *", LONDON),
                              [date(2026, 3, 28), date(2026, 3, 29)])
    assert london == {datetime(2026, 3, 28, 9, 0, tzinfo=UTC): 3,   # GMT
                      datetime(2026, 3, 29, 8, 0, tzinfo=UTC): 3}   # BST from 29 March
    tokyo = fires_per_minute(parse_cron("0,30 9 * * MON", ZoneInfo("Asia/Tokyo")), WEEKS[:7])
    assert tokyo == {datetime(2026, 11, 23, 0, 0, tzinfo=UTC): 1,
                     datetime(2026, 11, 23, 0, 30, tzinfo=UTC): 1}
