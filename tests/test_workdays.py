"""Calendar awareness: working days, skip_dates, public holidays in each channel's own timezone,
the config keys that set them, and posts skipped (not posted) on those days."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FixedClock
from bot.config import load_config
from bot.runtime import web_client
from bot.services.posting import Poster
from bot.services.preview import preview
from bot.slack.outbound import SlackOutbound
from bot.workdays import Calendar
from bot.yamlfile import FileProblems

LONDON, TOKYO = ZoneInfo("Europe/London"), ZoneInfo("Asia/Tokyo")
# Monday 23 November 2026 is Labour Thanksgiving Day in Japan, an ordinary Monday in the US.
JP_HOLIDAY = date(2026, 11, 23)

TWO_TEAMS = """\
timezone: UTC
skip_dates: [2026-12-24]
channels:
  - channel: C0123TEAM
    timezone: Asia/Tokyo
    holidays: JP
    prompt: "0 8 * * MON"
  - channel: C0SECOND
    timezone: America/New_York
    holidays: us
    prompt: "0 8 * * MON"
    working_days: [mon, tue, wed, thu, fri, sat]
    skip_dates: ["2026-12-31"]
    follow_up_days: 0
"""


def test_why_off_names_the_reason():
    cal = Calendar(skip_dates=frozenset({date(2026, 12, 24)}), holidays="JP")
    assert cal.why_off(JP_HOLIDAY) == "public holiday in JP: Labor Thanksgiving Day"
    assert cal.why_off(date(2026, 12, 24)) == "2026-12-24 is in skip_dates"
    assert cal.why_off(date(2026, 11, 28)) == "Sat is not a working day"
    assert cal.why_off(date(2026, 11, 24)) is None
    assert Calendar(holidays="US").why_off(JP_HOLIDAY) is None


def test_working_days_arithmetic_skips_weekends_and_holidays():
    cal = Calendar(holidays="JP")
    assert cal.add_working_days(date(2026, 11, 20), 1) == date(2026, 11, 24)  # Fri -> Tue
    assert cal.add_working_days(date(2026, 11, 20), 3) == date(2026, 11, 26)  # Fri + 3
    assert Calendar().add_working_days(date(2026, 11, 23), 3) == date(2026, 11, 26)
    assert cal.add_working_days(date(2026, 11, 23), 0) == date(2026, 11, 23)


@pytest.mark.parametrize(("chosen", "due"), [
    (datetime(2026, 11, 23, 10, 30, tzinfo=UTC), datetime(2026, 11, 26, 10, 30, tzinfo=UTC)),
    (datetime(2026, 11, 23, 7, 0, tzinfo=UTC), datetime(2026, 11, 26, 9, 0, tzinfo=UTC)),
    (datetime(2026, 11, 23, 18, 0, tzinfo=UTC), datetime(2026, 11, 27, 9, 0, tzinfo=UTC)),
    (datetime(2026, 11, 26, 12, 0, tzinfo=UTC), datetime(2026, 12, 1, 12, 0, tzinfo=UTC)),
])
def test_follow_up_time_lands_in_working_hours(chosen, due):
    assert Calendar().follow_up_time(chosen, 3, LONDON) == due


def test_within_hours_uses_the_timezone():
    cal = Calendar(hours=(time(9), time(17)))
    at = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo, 01:00 in London
    assert cal.within_hours(at, TOKYO) and not cal.within_hours(at, LONDON)


def test_config_sets_calendars_per_channel(write_config):
    config = load_config(write_config(TWO_TEAMS))
    jp, us = config.channels
    assert jp.calendar.holidays == "JP" and us.calendar.holidays == "US"
    assert jp.calendar.working_days == frozenset(range(5))
    assert us.calendar.working_days == frozenset(range(6))
    assert jp.calendar.skip_dates == {date(2026, 12, 24)}
    assert us.calendar.skip_dates == {date(2026, 12, 24), date(2026, 12, 31)}
    assert (jp.follow_up_days, us.follow_up_days) == (3, 0)


@pytest.mark.parametrize(("line", "message"), [
    ("holidays: XX", "'XX' is not a country code"),
    ("working_days: [mon, someday]", "'someday' is not a weekday"),
    ("skip_dates: [2026-02-30]", ":2: skip_dates[0]: '2026-02-30' is not a valid date: day is "
                                 "out of range"),
    ("skip_dates: [\"next friday\"]", "'next friday' is not a date"),
    ("working_hours: \"18:00-09:00\"", "start before end"),
    ("follow_up_days: -1", "greater than or equal to 0"),
])
def test_bad_calendar_keys_are_named(write_config, line, message):
    with pytest.raises(FileProblems) as caught:
        load_config(write_config(f"timezone: UTC\n{line}\nchannels:\n  - channel: C0123TEAM\n"
                                 "    prompt: '0 9 * * MON'\n"))
    assert message in str(caught.value)


def test_preview_shows_skipped_days_and_why(write_config, store):
    config = load_config(write_config(TWO_TEAMS))
    posts = preview(config, store, datetime(2026, 11, 20, tzinfo=UTC), days=5)
    skipped = {p.channel: p.skipped for p in posts}
    assert skipped["C0123TEAM"] == "public holiday in JP: Labor Thanksgiving Day"
    assert skipped["C0SECOND"] is None


def test_holiday_skip_in_the_channels_own_timezone(fake, slack_settings, write_config, store):
    """08:00 Monday in Tokyo is still Sunday in UTC: the Japanese holiday must still count."""
    fake.add_channel("C0SECOND", "second")
    config = load_config(write_config(TWO_TEAMS))
    jp, us = config.channels
    clock = FixedClock(datetime(2026, 11, 23, 13, 0, tzinfo=UTC))
    poster = Poster(config, store, SlackOutbound(web_client(slack_settings, retries=False)), clock,
                    resolve=lambda ch: ch.channel)
    jp_at = datetime(2026, 11, 22, 23, 0, tzinfo=UTC)  # Mon 23 Nov 08:00 JST
    us_at = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)  # Mon 23 Nov 08:00 EST
    skipped = poster.post(jp, "prompt", jp_at)
    assert (skipped.status, skipped.error) == ("skipped",
                                               "public holiday in JP: Labor Thanksgiving Day")
    assert poster.post(us, "prompt", us_at).status == "posted"
    assert fake.messages("C0123TEAM") == [] and len(fake.messages("C0SECOND")) == 1
    [row] = [p for p in store.posts() if p["channel"] == "C0123TEAM"]
    assert (row["status"], row["error"]) == ("skipped", skipped.error)
    # post-now is an explicit request: it posts whatever the calendar says
    assert poster.post(jp, "prompt", jp_at.replace(minute=1), manual=True).status == "posted"


@pytest.mark.parametrize(("line", "message"), [
    ("min_group_size: 0", "min_group_size: input should be greater than or equal to 1"),
    ("retention_days: -5", "retention_days: input should be greater than or equal to 0"),
    ("quiet_after: three", ":2: quiet_after: expected a whole number, got 'three'"),
    ("quiet_after: 51", "quiet_after: input should be less than or equal to 50"),
])
def test_bad_privacy_keys_are_named(write_config, line, message):
    with pytest.raises(FileProblems) as caught:
        load_config(write_config(f"timezone: UTC\n{line}\nchannels:\n  - channel: C0123TEAM\n"
                                 "    prompt: '0 9 * * MON'\n"))
    assert message in str(caught.value)


def test_privacy_keys_default_and_override_per_channel(write_config):
    config = load_config(write_config(
        "timezone: UTC\nretention_days: 0\nmin_group_size: 5\nchannels:\n"
        "  - channel: C0123TEAM\n    prompt: '0 9 * * MON'\n    min_group_size: 2\n"
        "  - channel: C0SECOND\n    prompt: '0 9 * * MON'\n"))
    assert (config.retention_days, config.quiet_after) == (0, 3)
    assert [c.min_group_size for c in config.channels] == [2, 5]
