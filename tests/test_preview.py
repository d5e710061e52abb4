"""leadbot preview: next posts in local time, from the real rotation, across DST."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.config import load_config
from bot.library import pick_next, rotation_order
from bot.services.preview import preview

CONFIG = """\
timezone: Europe/London
working_days: [mon, tue, wed, thu, fri, sat, sun]
channels:
  - channel: C0123TEAM
    prompt: "0 9 * * MON"
    nudges: "0 14 * * *"
    themes: [go-to-gemba]
"""


def test_preview_keeps_local_time_across_dst(write_config, store):
    config = load_config(write_config(CONFIG))
    now = datetime(2026, 3, 27, 0, 0, tzinfo=UTC)  # clocks go forward Sunday 29 March
    posts = preview(config, store, now, days=4)
    prompts = [p for p in posts if p.kind == "prompt"]
    assert [p.at.strftime("%a %H:%M %Z") for p in prompts] == ["Mon 09:00 BST"]
    assert prompts[0].at.astimezone(UTC).hour == 8
    nudges = [p for p in posts if p.kind == "nudge"]
    assert [p.at.strftime("%d %H:%M %Z") for p in nudges] == [
        "27 14:00 GMT", "28 14:00 GMT", "29 14:00 BST", "30 14:00 BST"]
    assert [p.at.astimezone(UTC).hour for p in nudges] == [14, 14, 13, 13]
    assert "When you see good leadership, follow it if you wish." in prompts[0].text


def test_preview_follows_the_stored_rotation_and_writes_nothing(write_config, store):
    config = load_config(write_config(CONFIG))
    order = rotation_order(config.library, ("go-to-gemba",), "C0123TEAM")
    at = datetime(2026, 11, 1, tzinfo=UTC)
    store.record_rotation("C0123TEAM", 0, order[0].id, None, at)
    store.record_rotation("C0123TEAM", 0, order[1].id, None, at)
    now = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
    posts = preview(config, store, now, days=5)
    ids = [p.nudge_id for p in posts if p.kind == "nudge"]
    # the 3 unused of 5, then a new cycle from the start
    assert ids == [order[2].id, order[3].id, order[4].id, order[0].id, order[1].id]
    assert store.rotation_state("C0123TEAM") == (0, {order[0].id, order[1].id})
    assert pick_next(order, 0, {order[0].id, order[1].id}).nudge.id == ids[0]


def test_nudge_text_carries_its_theme(write_config, store):
    config = load_config(write_config(CONFIG))
    posts = preview(config, store, datetime(2026, 11, 25, tzinfo=UTC), days=1)
    nudge = next(p for p in posts if p.kind == "nudge")
    assert nudge.text.startswith("Go where the work happens: ")


def test_preview_of_a_hash_name_uses_the_resolved_channel(write_config, store):
    config = load_config(write_config(CONFIG.replace("C0123TEAM", "'#team'")))
    at = datetime(2026, 11, 1, tzinfo=UTC)
    store.save_channel_ref("#team", "C0RESOLVED", "team", at)
    order = rotation_order(config.library, ("go-to-gemba",), "C0RESOLVED")
    store.record_rotation("C0RESOLVED", 0, order[0].id, None, at)
    posts = preview(config, store, datetime(2026, 11, 25, 15, 0, tzinfo=UTC), days=1)
    assert [p.nudge_id for p in posts if p.kind == "nudge"] == [order[1].id]
