"""What a reload changes, without Slack: diff() between two configurations or snapshots, its
words, the scheduler touching only the jobs that changed, and the recorded snapshot."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.channels import Channels
from bot.config import load_config
from bot.schedule import Scheduler
from bot.services.reload import ConfigDiff, ScheduleChange, describe, diff, snapshot

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday
BASE = """\
timezone: Europe/London
admins: [U0123ADMIN]
channels:
  - channel: C0123TEAM
    prompt: "0 9 * * MON"
    nudges: "0 9 * * WED"
  - channel: "#old-team"
    prompt: "0 10 * * TUE"
"""


@pytest.fixture
def load(write_config):
    def make(text: str, name: str = "leadbot.yaml"):
        return load_config(write_config(text, name))

    return make


def test_same_configuration_is_no_change(load):
    config = load(BASE)
    change = diff(config, load(BASE, "again.yaml"))
    assert change.empty
    assert describe(change, NOW) == ["no change"]


def test_channels_added_removed_and_schedules_with_next_runs(load):
    old = load(BASE)
    new = load(BASE.replace("0 9 * * MON", "30 8 * * THU").replace(
        '  - channel: "#old-team"\n    prompt: "0 10 * * TUE"\n',
        '  - channel: "#new-team"\n    timezone: Asia/Tokyo\n    digest: "0 17 * * FRI"\n'),
        "new.yaml")
    change = diff(old, new)
    assert change.added == ("#new-team",) and change.removed == ("#old-team",)
    assert set(change.schedules) == {
        ScheduleChange("C0123TEAM", "prompt", "0 9 * * MON", "Europe/London",
                       "30 8 * * THU", "Europe/London"),
        ScheduleChange("#new-team", "digest", None, None, "0 17 * * FRI", "Asia/Tokyo"),
        ScheduleChange("#old-team", "prompt", "0 10 * * TUE", "Europe/London", None, None)}
    lines = describe(change, NOW)
    assert lines[:2] == ["channels added: #new-team", "channels removed: #old-team"]
    assert ("schedule C0123TEAM prompt: 0 9 * * MON (Europe/London) -> 30 8 * * THU "
            "(Europe/London); next run Thu 26 Nov 2026 08:30 GMT") in lines
    assert ("schedule #new-team digest: (none) -> 0 17 * * FRI (Asia/Tokyo); next run "
            "Fri 27 Nov 2026 17:00 JST") in lines
    assert "schedule #old-team prompt: 0 10 * * TUE (Europe/London) -> (none)" in lines


def test_a_channel_timezone_change_moves_its_schedules(load):
    new = load(BASE.replace("  - channel: C0123TEAM\n",
                            "  - channel: C0123TEAM\n    timezone: America/New_York\n"), "n.yaml")
    change = diff(load(BASE), new)
    assert [(s.channel, s.kind, s.new_tz) for s in change.schedules] == [
        ("C0123TEAM", "prompt", "America/New_York"), ("C0123TEAM", "nudge", "America/New_York")]


def test_themes_and_settings(load):
    old = load(BASE)
    new = load(BASE.replace("admins: [U0123ADMIN]", "admins: [U0123ADMIN, U0456OTHER]")
               .replace('    prompt: "0 10 * * TUE"\n',
                        '    prompt: "0 10 * * TUE"\n    themes: [go-to-gemba]\n'), "n.yaml")
    change = diff(old, new)
    assert not change.schedules and not change.added
    assert ("", "admins", ["U0123ADMIN"], ["U0123ADMIN", "U0456OTHER"]) in change.settings
    assert ("#old-team", "themes", None, ["go-to-gemba"]) in change.settings
    assert "#old-team themes: (none) -> go-to-gemba" in describe(change, NOW)


def test_library_themes_added_and_removed(load):
    old = snapshot(load(BASE))
    new = json.loads(json.dumps(old))
    new["themes"]["kaizen"] = "Kaizen"
    del new["themes"]["go-to-gemba"]
    change = diff(old, new)
    assert change.themes_added == ("kaizen",) and change.themes_removed == ("go-to-gemba",)
    assert describe(change, NOW)[-2:] == ["themes added: kaizen", "themes removed: go-to-gemba"]


def test_nothing_recorded_shows_everything_added(load):
    config = load(BASE)
    change = diff(None, snapshot(config))
    assert change.added == ("C0123TEAM", "#old-team")
    assert len(change.schedules) == 3 and not change.settings
    assert len(change.themes_added) == len(config.library.themes)


def test_snapshot_survives_json_and_compares_equal(load):
    config = load(BASE)
    assert diff(json.loads(json.dumps(snapshot(config))), config) == ConfigDiff()


class _Clock:
    def __init__(self, now: datetime):
        self.value = now

    def now(self) -> datetime:
        return self.value


def test_reschedule_touches_only_changed_jobs(load, store):
    old = load(BASE.replace('"0 9 * * MON"', '"0 9 * * *"'))
    channels = Channels({"C0123TEAM": "C0123TEAM", "#old-team": "C0OLD"}, old.channels)
    clock = _Clock(datetime.now(UTC))
    scheduler = Scheduler(old, store, poster=None, clock=clock, channels=channels)
    scheduler.start()
    try:
        jobs = {j.id: j.next_run_time for j in scheduler.scheduler.get_jobs()}
        assert {"C0123TEAM:prompt", "C0123TEAM:nudge", "C0OLD:prompt"} <= set(jobs)
        new = load(BASE.replace('"0 9 * * MON"', '"0 9 * * *"')
                   .replace("0 9 * * WED", "0 7 * * WED")
                   .replace('  - channel: "#old-team"\n    prompt: "0 10 * * TUE"\n',
                            '  - channel: "#new-team"\n    prompt: "0 11 * * *"\n'), "n.yaml")
        channels.update({"C0123TEAM": "C0123TEAM", "#new-team": "C0NEW"}, new.channels)
        counts = scheduler.reschedule(new)
        assert counts == {"added": 1, "changed": 1, "removed": 1, "kept": 1}
        after = {j.id: j for j in scheduler.scheduler.get_jobs()}
        assert "C0OLD:prompt" not in after and "C0NEW:prompt" in after
        assert after["C0123TEAM:prompt"].next_run_time == jobs["C0123TEAM:prompt"]
        assert after["C0123TEAM:nudge"].next_run_time.hour == 7
        assert scheduler.config is new
        assert store.schedule_since("C0NEW", "prompt", clock.now() + timedelta(days=1))
    finally:
        scheduler.shutdown()


def test_applied_config_is_recorded_and_replaced(load, store):
    assert store.applied_config() is None
    first = snapshot(load(BASE))
    store.record_applied_config(first, NOW)
    store.record_applied_config({**first, "concurrency": 2}, NOW + timedelta(hours=1))
    when, recorded = store.applied_config()
    assert when.startswith("2026-11-25T13:00") and recorded["concurrency"] == 2


def test_library_edits_nudges_and_theme_names(load):
    old = snapshot(load(BASE))
    new = json.loads(json.dumps(old))
    new["nudges"] = [*old["nudges"][1:], "new-nudge"]
    new["themes"]["go-to-gemba"] = "Go and see"
    new["library_digest"] = "edited"
    lines = describe(diff(old, new), NOW)
    assert lines == ["nudges added: new-nudge", f"nudges removed: {old['nudges'][0]}",
                     f"theme go-to-gemba name: {old['themes']['go-to-gemba']} -> Go and see",
                     "library: its words changed"]
