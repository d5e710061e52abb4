"""Occurrences, missed-run grace and catch-up, with a fixed clock and a real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.config import load_config
from bot.cron import parse_cron
from bot.schedule import latest_occurrence, plan_catch_up

CONFIG = """\
timezone: Europe/London
missed_run_grace: 60
channels:
  - channel: C0123TEAM
    prompt: "0 9 * * *"
    nudges: "0 14 * * *"
"""
IDS = {"C0123TEAM": "C0123TEAM"}


def test_latest_occurrence():
    trigger = parse_cron("0 9 * * MON", datetime.now(UTC).tzinfo)
    now = datetime(2026, 11, 23, 9, 0, 3, tzinfo=UTC)
    assert latest_occurrence(trigger, now, timedelta(hours=1)) == datetime(
        2026, 11, 23, 9, 0, tzinfo=UTC)
    assert latest_occurrence(trigger, now + timedelta(hours=2), timedelta(hours=1)) is None


def test_first_start_has_no_backlog(write_config, store):
    config = load_config(write_config(CONFIG))
    now = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
    assert plan_catch_up(config, store, now, IDS) == []
    assert store.posts() == []


def test_missed_inside_grace_is_due_older_are_skipped(write_config, store):
    config = load_config(write_config(CONFIG))
    first = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    store.schedule_since("C0123TEAM", "prompt", first)
    store.schedule_since("C0123TEAM", "nudge", first)
    # The bot was down from Friday 20th 08:00 to Monday 23rd 09:30 (UTC = London in November).
    now = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    due = plan_catch_up(config, store, now, IDS)
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
    assert [d.kind for d in plan_catch_up(config, store, now, IDS)] == ["prompt"]
    assert len(store.posts()) == 6


def test_nothing_missed_after_a_posted_occurrence(write_config, store):
    config = load_config(write_config(CONFIG))
    since = datetime(2026, 11, 1, tzinfo=UTC)
    store.schedule_since("C0123TEAM", "prompt", since)
    store.schedule_since("C0123TEAM", "nudge", since)
    at = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    store.claim_post("C0123TEAM", "prompt", at, at)
    store.claim_post("C0123TEAM", "nudge", at - timedelta(hours=19), at)
    assert plan_catch_up(config, store, at + timedelta(seconds=5), IDS) == []


def test_manual_posts_do_not_hide_missed_runs(write_config, store):
    config = load_config(write_config(CONFIG))
    since = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    store.schedule_since("C0123TEAM", "prompt", since)
    store.schedule_since("C0123TEAM", "nudge", since)
    store.claim_post("C0123TEAM", "prompt", datetime(2026, 11, 23, 9, 10, tzinfo=UTC),
                     datetime(2026, 11, 23, 9, 10, tzinfo=UTC), manual=True)
    due = plan_catch_up(config, store, datetime(2026, 11, 23, 9, 20, tzinfo=UTC), IDS)
    assert [(d.kind, d.occurrence.hour) for d in due] == [("prompt", 9)]
