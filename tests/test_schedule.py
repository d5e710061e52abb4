"""Occurrences, missed-run grace and catch-up, with a fixed clock and a real database."""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from bot.channels import Channels
from bot.clock import FixedClock
from bot.config import load_config
from bot.cron import parse_cron
from bot.schedule import Scheduler, latest_occurrence, plan_catch_up
from tests.e2e import BotThread, bot_env

CONFIG = """\
timezone: Europe/London
missed_run_grace: 60
channels:
  - channel: C0123TEAM
    prompt: "0 9 * * *"
    nudges: "0 14 * * *"
"""
IDS = {"C0123TEAM": "C0123TEAM"}


def _channels(config, ids=IDS) -> Channels:
    """The configured channels, resolved as ``ids`` says."""
    return Channels(ids, config.channels)


def test_latest_occurrence():
    trigger = parse_cron("0 9 * * MON", datetime.now(UTC).tzinfo)
    now = datetime(2026, 11, 23, 9, 0, 3, tzinfo=UTC)
    assert latest_occurrence(trigger, now, timedelta(hours=1)) == datetime(
        2026, 11, 23, 9, 0, tzinfo=UTC)
    assert latest_occurrence(trigger, now + timedelta(hours=2), timedelta(hours=1)) is None


def test_first_start_has_no_backlog(write_config, store):
    config = load_config(write_config(CONFIG))
    now = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
    assert plan_catch_up(config, store, now, _channels(config)) == []
    assert store.posts() == []


def test_missed_inside_grace_is_due_older_are_skipped(write_config, store):
    config = load_config(write_config(CONFIG))
    first = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    store.schedule_since("C0123TEAM", "prompt", first)
    store.schedule_since("C0123TEAM", "nudge", first)
    # The bot was down from Friday 20th 08:00 to Monday 23rd 09:30 (UTC = London in November).
    now = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    due = plan_catch_up(config, store, now, _channels(config))
    assert [(d.kind, d.occurrence) for d in due] == [
        ("prompt", datetime(2026, 11, 23, 9, 0, tzinfo=UTC))]
    skipped = [(p["kind"], p["occurrence"]) for p in store.posts() if p["status"] == "skipped"]
    assert sorted(skipped) == sorted([
        ("prompt", "2026-11-20T09:00:00Z"), ("prompt", "2026-11-21T09:00:00Z"),
        ("prompt", "2026-11-22T09:00:00Z"),
        ("nudge", "2026-11-20T14:00:00Z"), ("nudge", "2026-11-21T14:00:00Z"),
        ("nudge", "2026-11-22T14:00:00Z")])
    assert all("missed while the bot was not running" in p["error"] for p in store.posts())
    # A second start finds nothing new to skip, and the due one is still due until claimed.
    assert [d.kind for d in plan_catch_up(config, store, now, _channels(config))] == ["prompt"]
    assert len(store.posts()) == 6


def test_nothing_missed_after_a_posted_occurrence(write_config, store):
    config = load_config(write_config(CONFIG))
    since = datetime(2026, 11, 1, tzinfo=UTC)
    store.schedule_since("C0123TEAM", "prompt", since)
    store.schedule_since("C0123TEAM", "nudge", since)
    at = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    store.claim_post("C0123TEAM", "prompt", at, at)
    store.claim_post("C0123TEAM", "nudge", at - timedelta(hours=19), at)
    assert plan_catch_up(config, store, at + timedelta(seconds=5), _channels(config)) == []


def test_manual_posts_do_not_hide_missed_runs(write_config, store):
    config = load_config(write_config(CONFIG))
    since = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    store.schedule_since("C0123TEAM", "prompt", since)
    store.schedule_since("C0123TEAM", "nudge", since)
    store.claim_post("C0123TEAM", "prompt", datetime(2026, 11, 23, 9, 10, tzinfo=UTC),
                     datetime(2026, 11, 23, 9, 10, tzinfo=UTC), manual=True)
    due = plan_catch_up(config, store, datetime(2026, 11, 23, 9, 20, tzinfo=UTC), _channels(config))
    assert [(d.kind, d.occurrence.hour) for d in due] == [("prompt", 9)]


class _StuckPoster:
    """A poster whose posts wait until released: every run overlaps the next."""

    def __init__(self):
        self.release = threading.Event()

    def post(self, channel, kind, occurrence):
        self.release.wait(timeout=30)

    def recover(self, *args):
        pass


class _Skips(logging.Filter):
    """Counts APScheduler's warnings about skipped runs, before a later filter holds any back."""

    def __init__(self):
        super().__init__()
        self.count = 0

    def filter(self, record: logging.LogRecord) -> bool:
        self.count += "maximum number of running instances" in record.getMessage()
        return True


@contextlib.contextmanager
def _counting_skips():
    """A ``_Skips`` on APScheduler's logger, ahead of the bot's own filter (added at start)."""
    skips, logger = _Skips(), logging.getLogger("apscheduler.scheduler")
    logger.addFilter(skips)
    try:
        yield skips
    finally:
        logger.removeFilter(skips)


def test_a_schedule_faster_than_its_posts_does_not_flood_the_log(write_config, store, caplog):
    channels = "".join(f"  - channel: C{i:06d}\n    prompt: '* * * * * *'\n" for i in range(20))
    config = load_config(write_config("timezone: UTC\nconcurrency: 2\nchannels:\n" + channels))
    clock = FixedClock(datetime.now(UTC))
    poster = _StuckPoster()
    scheduler = Scheduler(config, store, poster, clock, Channels(
        {c.channel: c.channel for c in config.channels}, config.channels))
    caplog.set_level(logging.WARNING, logger="apscheduler")

    def skipped() -> list[str]:
        return [r.getMessage() for r in caplog.records
                if "maximum number of running instances" in r.getMessage()]

    def wait_for(count: int) -> None:
        deadline = time.monotonic() + 10
        while len(skipped()) < count and time.monotonic() < deadline:
            time.sleep(0.05)

    with _counting_skips() as skips:
        scheduler.start()
        try:
            wait_for(1)
            # 20 more runs skipped each second, each still running: a second's worth
            deadline = time.monotonic() + 10
            while skips.count < 21 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert len(skipped()) == 1
            clock.advance(timedelta(minutes=1))
            wait_for(2)
        finally:
            poster.release.set()
            scheduler.shutdown()
    first, second = skipped()
    assert "more like it" not in first
    held = int(re.search(r"\(and (\d+) more like it in the last minute, not logged\)",
                         second).group(1))
    assert held >= 20  # a second's worth at least
    assert not logging.getLogger("apscheduler.scheduler").filters  # removed at shutdown


@pytest.mark.e2e
def test_leadbot_run_with_a_schedule_every_second_logs_one_line_a_minute(fake, tmp_path):
    """30 channels posting every second, posts slower than that: before, ~30 warnings a second."""
    channels = "".join(f"  - channel: C{i:06d}\n    prompt: '* * * * * *'\n" for i in range(30))
    for i in range(30):
        fake.add_channel(f"C{i:06d}", f"team-{i}")
    env = bot_env(fake, tmp_path, "timezone: UTC\nadmins: [U0123ADMIN]\nconcurrency: 2\n"
                                  "working_days: [mon, tue, wed, thu, fri, sat, sun]\n"
                                  "working_hours: 00:00-24:00\nchannels:\n" + channels)
    with _counting_skips() as skips:
        bot = BotThread(env, tmp_path, "socket")
        try:
            bot.wait_for_line("Socket Mode connected")
            fake.latency = 0.5  # 2 workers, 4 posts a second for 30 due each second
            bot.wait_for_line("maximum number of running instances")
            fake.wait_for(lambda: skips.count > 30, timeout=15)  # a second's worth, held back
        finally:
            fake.latency = 0
            stopped = bot.stop()
    assert stopped, bot.output
    flooded = [line for line in bot.lines if "maximum number of running instances" in line]
    assert len(flooded) == 1, "\n".join(flooded[:5])
