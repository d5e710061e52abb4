"""Each person's settings and the gate every DM goes through."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FixedClock
from bot.messages.settings import settings_blocks
from bot.sandbox.workspace.blockkit import check_blocks
from bot.services import person_settings
from bot.services.dms import decide, quiet_end
from bot.services.person_settings import InvalidSetting

LONDON, TOKYO = ZoneInfo("Europe/London"), ZoneInfo("Asia/Tokyo")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # Wednesday


def test_defaults_without_saving_anything(store):
    assert store.person_settings("U1") == {
        "user": "U1", "paused_until": None, "follow_up_dms": True, "sighting_dms": True,
        "quiet_start": None, "quiet_end": None, "sightings_in_digest": True}
    assert decide(store.person_settings("U1"), "follow_up", NOW, LONDON).action == "send"


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("pause", "1w", {"paused_until": "2026-12-02T12:00:00Z"}),
    ("pause_until", "2026-12-01", {"paused_until": "2026-12-02T00:00:00Z"}),
    ("follow_up_dms", "off", {"follow_up_dms": False}),
    ("sighting_dms", "off", {"sighting_dms": False}),
    ("sightings_in_digest", "off", {"sightings_in_digest": False}),
    ("quiet_start", "20:00", {"quiet_start": "20:00", "quiet_end": "09:00"}),
    ("quiet_end", "07:30", {"quiet_start": "18:00", "quiet_end": "07:30"}),
])
def test_changes(store, name, value, expected):
    saved = person_settings.change(store, FixedClock(NOW), "U1", name, value, LONDON)
    assert {k: saved[k] for k in expected} == expected
    assert store.person_settings("U1") == saved


@pytest.mark.parametrize(("name", "value", "message"), [
    ("pause", "3w", "one week or two"),
    ("pause_until", "2026-11-24", "has passed"),
    ("pause_until", "soon", "Pick a date"),
    ("pause_until", "2028-01-01", "at most a year"),
    ("follow_up_dms", "maybe", "on or off"),
    ("quiet_start", "25:00", "like 18:00"),
    ("bogus", "x", "Unknown setting"),
])
def test_bad_values_change_nothing(store, name, value, message):
    with pytest.raises(InvalidSetting, match=message):
        person_settings.change(store, FixedClock(NOW), "U1", name, value, LONDON)
    assert store.person_settings("U1")["paused_until"] is None


def test_resume_and_clear(store):
    clock = FixedClock(NOW)
    person_settings.change(store, clock, "U1", "pause", "2w", LONDON)
    person_settings.change(store, clock, "U1", "quiet_start", "18:00", LONDON)
    person_settings.change(store, clock, "U1", "resume", None, LONDON)
    cleared = person_settings.change(store, clock, "U1", "quiet_clear", None, LONDON)
    assert (cleared["paused_until"], cleared["quiet_start"], cleared["quiet_end"]) == (
        None, None, None)


def test_the_gate():
    paused = {"paused_until": "2026-12-01T00:00:00Z"}
    assert decide(paused, "follow_up", NOW, LONDON).action == "drop"
    waiting = decide(paused, "sighting", NOW, LONDON)
    assert (waiting.action, waiting.until) == ("wait", datetime(2026, 12, 1, tzinfo=UTC))
    assert decide(paused, "sighting", datetime(2026, 12, 1, tzinfo=UTC), LONDON).action == "send"
    assert decide({"follow_up_dms": False}, "follow_up", NOW, LONDON).action == "drop"
    assert decide({"follow_up_dms": False}, "sighting", NOW, LONDON).action == "send"
    assert decide({"sighting_dms": False}, "sighting", NOW, LONDON).reason == \
        "sighting DMs are turned off"


@pytest.mark.parametrize(("start", "end", "at", "until"), [
    ("18:00", "09:00", datetime(2026, 11, 25, 20, 0, tzinfo=UTC), "2026-11-26 09:00"),
    ("18:00", "09:00", datetime(2026, 11, 26, 7, 0, tzinfo=UTC), "2026-11-26 09:00"),
    ("18:00", "09:00", datetime(2026, 11, 25, 12, 0, tzinfo=UTC), None),
    ("12:00", "14:00", datetime(2026, 11, 25, 13, 0, tzinfo=UTC), "2026-11-25 14:00"),
    ("12:00", "14:00", datetime(2026, 11, 25, 14, 0, tzinfo=UTC), None),
])
def test_quiet_hours_span_midnight(start, end, at, until):
    found = quiet_end({"quiet_start": start, "quiet_end": end}, at, LONDON)
    assert (found.strftime("%Y-%m-%d %H:%M") if found else None) == until


def test_quiet_hours_are_in_the_persons_zone():
    settings = {"quiet_start": "22:00", "quiet_end": "07:00"}
    at = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)  # 23:00 in Tokyo, 14:00 in London
    assert quiet_end(settings, at, LONDON) is None
    assert quiet_end(settings, at, TOKYO) == datetime(2026, 11, 26, 7, 0, tzinfo=TOKYO)


def test_settings_blocks_are_valid_and_labelled(store):
    for settings in (store.person_settings("U1"),
                     {**store.person_settings("U1"), "paused_until": "2026-12-01T00:00:00Z",
                      "quiet_start": "18:00", "quiet_end": "09:00", "sighting_dms": False}):
        blocks = settings_blocks(settings, NOW, LONDON)
        assert check_blocks(blocks) == []
        buttons = [e for b in blocks for e in [*b.get("elements", []), b.get("accessory") or {}]
                   if e.get("type") == "button"]
        assert buttons and all(b.get("accessibility_label") for b in buttons)
    text = str(settings_blocks({**store.person_settings("U1"),
                                "paused_until": "2026-12-01T00:00:00Z"}, NOW, LONDON))
    assert "Paused" in text and "Resume now" in text


def test_quiet_hour_pickers_show_a_time_only_when_quiet_hours_are_set(store):
    def pickers(settings):
        quiet = next(b for b in settings_blocks(settings, NOW, LONDON)
                     if b.get("block_id") == "leadbot_settings_quiet")
        return [e.get("initial_time") for e in quiet["elements"] if e["type"] == "timepicker"]

    none = store.person_settings("U1")
    assert pickers(none) == [None, None]  # not 18:00-09:00 beside "none"
    assert "Quiet hours* for DMs: none" in str(settings_blocks(none, NOW, LONDON))
    assert pickers({**none, "quiet_start": "20:00", "quiet_end": "07:30"}) == ["20:00", "07:30"]
