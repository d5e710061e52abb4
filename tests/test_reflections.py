"""Reflections and /leadbot's admin services on a real database: reading /reflect, checking and
storing reflections, the modals the bot opened, personal numbers, forgetting, channel status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import __version__
from bot.channels import Channels
from bot.config import load_config
from bot.services import admin
from bot.services import reflections as r
from bot.services.reflections import Draft, InvalidReflection, Request

AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday
THEMES = {"go-to-gemba", "respect-for-people"}
CONFIG = """\
timezone: Europe/London
admins: [U0123ADMIN]
channels:
  - channel: C0123TEAM
    timezone: America/Chicago
    prompt: "0 9 * * MON"
    nudges: "0 14 * * TUE,THU"
  - channel: "#platform-team"
    prompt: "30 9 * * 1"
"""
IDS = {"C0123TEAM": "C0123TEAM", "#platform-team": "C0PLATFORM"}


def _channels(config, ids=IDS) -> Channels:
    """The configured channels, resolved as ``ids`` says."""
    return Channels(ids, config.channels)


def posted(store, ts: str, at: datetime = AT, channel: str = "C1", kind: str = "prompt") -> int:
    post_id = store.claim_post(channel, kind, at, at)
    store.mark_posted(post_id, ts=ts, text="refrain", at=at + timedelta(seconds=5))
    return post_id


@pytest.mark.parametrize(("text", "expected"), [
    ("", Request("open")), ("  \n ", Request("open")), ("history", Request("history")),
    (" STATS ", Request("stats")), ("forget", Request("forget")), ("help", Request("help")),
    ("histroy", Request("unknown", "histroy")),
    ("follow: backed Ann's retro", Request("quick", "backed Ann's retro", "follow")),
    ("Took:the standup", Request("quick", "the standup", "take")),
    ("passed : let it go", Request("quick", "let it go", "pass")),
    ("take:", Request("quick", "", "take")),
    ("I asked for a demo", Request("quick", "I asked for a demo")),
    ("history of the team", Request("quick", "history of the team")),
])
def test_parse_request(text, expected):
    assert r.parse_request(text) == expected


def test_clean_text_drops_control_characters_keeps_lines_and_tabs():
    assert r.clean_text(" \x07ring\x00 \r\nline\ttab \x1b") == "ring \nline\ttab"


def test_check_text():
    assert r.check_text("  done\x00 ") == "done"
    assert r.check_text("x" * r.TEXT_MAX) == "x" * 3000
    for empty in (None, "", "   ", "\x00\x07"):
        with pytest.raises(InvalidReflection) as info:
            r.check_text(empty)
        assert info.value.field == "text" and "few words" in str(info.value)
    with pytest.raises(InvalidReflection) as info:
        r.check_text("x" * 3001)
    assert "3,001 characters" in str(info.value) and "3,000" in str(info.value)


def test_draft_checked():
    good = Draft(" took it\r\n", "take", "go-to-gemba", 1).checked(THEMES)
    assert good == Draft("took it", "take", "go-to-gemba", True)
    assert Draft("plain").checked(set()) == Draft("plain", None, None, False)
    for draft, field in [(Draft("x", "maybe"), "choice"), (Draft("x", None, "gone"), "theme"),
                         (Draft(" ", "take"), "text")]:
        with pytest.raises(InvalidReflection) as info:
            draft.checked(THEMES)
        assert info.value.field == field


def test_save_stores_the_checked_draft_with_its_source(store, clock):
    rid = r.save(store, clock, "U1", Draft("  stepped in\x00 ", "take", "go-to-gemba", True),
                 themes=THEMES, channel="C1", source="quick")
    row = store.reflection(rid)
    assert (row["user"], row["text"], row["choice"], row["theme"], row["shared"]) == (
        "U1", "stepped in", "take", "go-to-gemba", 1)
    assert (row["channel"], row["source"], row["at"], row["updated_at"]) == (
        "C1", "quick", "2026-11-25T12:00:00Z", None)
    plain = store.reflection(r.save(store, clock, "U1", Draft("form"), themes=THEMES))
    assert (plain["source"], plain["channel"], plain["shared"]) == ("modal", None, 0)
    with pytest.raises(InvalidReflection):
        r.save(store, clock, "U1", Draft("x", theme="gone"), themes=THEMES)
    assert len(store.reflections_of("U1")) == 2


def test_amend_only_the_owners_reflection(store, clock):
    rid = r.save(store, clock, "U1", Draft("quick one"), themes=THEMES, source="quick")
    clock.advance(timedelta(minutes=3))
    fuller = Draft("quick one, and what I learned", "pass", "respect-for-people", True)
    assert not r.amend(store, clock, "U2", rid, fuller, themes=THEMES)
    assert store.reflection(rid)["text"] == "quick one"
    assert r.amend(store, clock, "U1", rid, fuller, themes=THEMES)
    row = store.reflection(rid)
    assert (row["text"], row["choice"], row["theme"], row["shared"]) == (
        "quick one, and what I learned", "pass", "respect-for-people", 1)
    assert (row["at"], row["updated_at"], row["source"]) == (
        "2026-11-25T12:00:00Z", "2026-11-25T12:03:00Z", "quick")
    assert not r.amend(store, clock, "U1", rid + 1, fuller, themes=THEMES)
    assert not store.update_reflection(rid, "U2", text="hijack", choice=None, theme=None,
                                       shared=False, at=AT)
    assert store.reflection(rid)["text"] == "quick one, and what I learned"


def test_reflections_of_newest_first_with_limit(store):
    for text, at in [("first", AT), ("second", AT + timedelta(days=1)),
                     ("third", AT + timedelta(days=1)), ("oldest", AT - timedelta(days=1))]:
        store.record_reflection(user="U1", text=text, at=at)
    store.record_reflection(user="U2", text="not mine", at=AT + timedelta(days=2))
    assert [x["text"] for x in store.reflections_of("U1")] == [
        "third", "second", "first", "oldest"]
    assert [x["text"] for x in store.reflections_of("U1", 2)] == ["third", "second"]
    assert store.reflections_of("U3") == []


def test_choices_of_latest_choice_per_prompt_newest_first(store):
    p1, p2 = posted(store, "1.1"), posted(store, "2.2", AT + timedelta(days=7))
    store.record_choice(p1, "U1", "follow", AT + timedelta(minutes=1))
    store.record_choice(p1, "U1", "take", AT + timedelta(minutes=2))
    store.record_choice(p2, "U1", "pass", AT + timedelta(days=7, minutes=1))
    store.record_choice(p1, "U2", "pass", AT + timedelta(days=8))
    rows = store.choices_of("U1")
    assert [(x["post_id"], x["choice"], x["ts"], x["channel"]) for x in rows] == [
        (p2, "pass", "2.2", "C1"), (p1, "take", "1.1", "C1")]
    assert [x["post_id"] for x in store.choices_of("U1", 1)] == [p2]


def test_answer_times_leave_out_deleted_replies(store):
    p1 = posted(store, "1.1")
    store.record_choice(p1, "U1", "take", AT + timedelta(hours=1))
    store.record_reply(channel="C1", thread_ts="1.1", ts="1.2", user="U1", text="kept",
                       at=AT + timedelta(hours=2))
    store.record_reply(channel="C1", thread_ts="1.1", ts="1.3", user="U1", text="gone",
                       at=AT + timedelta(hours=3))
    store.delete_reply(channel="C1", thread_ts="1.1", ts="1.3", user="U1",
                       at=AT + timedelta(hours=4))
    store.record_reflection(user="U1", text="x", at=AT + timedelta(hours=5))
    store.record_reflection(user="U2", text="y", at=AT + timedelta(hours=6))
    assert sorted(store.answer_times("U1")) == [
        "2026-11-23T10:00:00Z", "2026-11-23T11:00:00Z", "2026-11-23T14:00:00Z"]


def test_modals_are_closed_once_and_pruned(store):
    store.record_modal("V1", "U1", "reflect", AT, channel="C1", reflection_id=7)
    store.record_modal("V2", "U1", "reflect", AT + timedelta(hours=3))
    row = store.modal("V1")
    assert (row["user"], row["purpose"], row["channel"], row["reflection_id"]) == (
        "U1", "reflect", "C1", 7)
    assert (row["opened_at"], row["submitted_at"]) == ("2026-11-23T09:00:00Z", None)
    assert store.modal("V9") is None
    assert store.close_modal("V1", AT + timedelta(minutes=5))
    assert not store.close_modal("V1", AT + timedelta(minutes=6))  # a repeated submission
    assert not store.close_modal("V9", AT)
    assert store.modal("V1")["submitted_at"] == "2026-11-23T09:05:00Z"
    assert store.prune_modals(AT + timedelta(hours=1)) == 1
    assert store.modal("V1") is None and store.modal("V2")["user"] == "U1"


def test_held_about_and_forget_user_delete_modals_of_that_person_only(store):
    p1 = posted(store, "1.1")
    store.record_choice(p1, "U1", "take", AT)
    store.record_reply(channel="C1", thread_ts="1.1", ts="1.2", user="U1", text="hi", at=AT)
    store.record_reflection(user="U1", text="mine", at=AT)
    store.record_reflection(user="U2", text="theirs", at=AT)
    store.record_modal("V1", "U1", "reflect", AT)
    store.record_modal("V2", "U2", "reflect", AT)
    assert store.held_about("U1") == {"choices": 1, "replies": 1, "reactions": 0,
                                      "reflections": 1, "follow_ups": 0, "sightings": 0,
                                      "sightings about them": 0}
    assert store.forget_user("U1") == {"choices": 1, "replies": 1, "reactions": 0,
                                       "reflections": 1, "modals": 1, "follow_ups": 0,
                                       "person_settings": 0, "outbox": 0}
    assert store.modal("V1") is None and store.modal("V2")["user"] == "U2"
    assert store.held_about("U1") == {"choices": 0, "replies": 0, "reactions": 0,
                                      "reflections": 0, "follow_ups": 0, "sightings": 0,
                                      "sightings about them": 0}
    assert store.held_about("U2")["reflections"] == 1


def test_weekly_streak():
    tz, now = ZoneInfo("UTC"), datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # Wednesday
    this, last, before = now, now - timedelta(weeks=1), now - timedelta(weeks=2)
    assert r.weekly_streak([this, last, before, last], tz, now) == 3
    assert r.weekly_streak([last, before], tz, now) == 2  # this week not started yet
    assert r.weekly_streak([this, before], tz, now) == 1
    assert r.weekly_streak([before], tz, now) == 0
    assert r.weekly_streak([], tz, now) == 0
    # Sunday 23:30 UTC is already Monday in Paris: the weeks (and the streak) differ
    times = [datetime(2026, 11, 22, 23, 30, tzinfo=UTC), datetime(2026, 11, 15, 12, tzinfo=UTC)]
    assert r.weekly_streak(times, tz, now) == 2
    assert r.weekly_streak(times, ZoneInfo("Europe/Paris"), now) == 1


def test_personal_stats(store):
    p1, p2, p3 = (posted(store, f"{i}.1", AT + timedelta(hours=i)) for i in (1, 2, 3))
    store.record_choice(p1, "U1", "follow", AT + timedelta(hours=4))
    store.record_choice(p1, "U1", "take", AT + timedelta(hours=5))
    store.record_choice(p2, "U1", "pass", AT + timedelta(hours=6))
    store.record_choice(p3, "U1", "take", AT + timedelta(hours=7))
    store.record_choice(p3, "U2", "follow", AT + timedelta(hours=7))
    for choice, theme, at in [("take", "go-to-gemba", AT), ("take", "go-to-gemba", AT),
                              ("pass", "respect-for-people", AT), (None, None, AT),
                              ("follow", None, AT - timedelta(weeks=1))]:
        store.record_reflection(user="U1", text="t", at=at, choice=choice, theme=theme)
    store.record_reflection(user="U2", text="t", at=AT, choice="pass", theme="go-to-gemba")
    stats = r.personal_stats(store, "U1", ZoneInfo("Europe/London"), AT + timedelta(days=2))
    assert stats.choices == {"follow": 0, "take": 2, "pass": 1}
    assert stats.reflections == 5
    assert stats.reflection_choices == {"follow": 1, "take": 2, "pass": 1}
    assert stats.themes == [("go-to-gemba", 2), ("respect-for-people", 1)]
    assert stats.streak == 2
    nobody = r.personal_stats(store, "U9", ZoneInfo("Europe/London"), AT)
    assert (nobody.choices, nobody.reflections, nobody.themes, nobody.streak) == (
        {"follow": 0, "take": 0, "pass": 0}, 0, [], 0)


@pytest.fixture
def config(write_config):
    return load_config(write_config(CONFIG))


def test_is_admin(config):
    assert (admin.is_admin(config, "U0123ADMIN"), admin.is_admin(config, "U0000BOB")) == (
        True, False)


@pytest.mark.parametrize(("arg", "expected"), [
    ("<#C0123TEAM|team>", "C0123TEAM"), ("<#C0123TEAM>", "C0123TEAM"),
    ("C0123TEAM", "C0123TEAM"), (" C0123TEAM ", "C0123TEAM"),
    ("#platform-team", "#platform-team"), ("<#C0PLATFORM|platform-team>", "#platform-team"),
    ("C0PLATFORM", "#platform-team"), ("#team", None), ("C0OTHER", None),
    ("<#C0OTHER|other>", None), ("<#C0123TEAM", None), ("", None),
])
def test_find_channel(config, arg, expected):
    found = admin.find_channel(config, _channels(config), arg)
    assert (found.channel if found else None) == expected


def test_next_run_in_the_channels_timezone(config):
    team, platform = config.channels
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    prompt = admin.next_run(team, "prompt", now)
    assert (prompt.isoformat(), str(prompt.tzinfo)) == (
        "2026-11-30T09:00:00-06:00", "America/Chicago")
    assert admin.next_run(team, "nudge", now).isoformat() == "2026-11-26T14:00:00-06:00"
    assert admin.next_run(team, "digest", now) is None
    assert admin.next_run(platform, "prompt", now).isoformat() == "2026-11-30T09:30:00+00:00"


def test_status(config, store):
    posted(store, "1.1", AT, "C0123TEAM")
    failed = store.claim_post("C0123TEAM", "nudge", AT + timedelta(days=1), AT + timedelta(days=1))
    store.mark_failed(failed, "channel_not_found")
    store.claim_post("C0123TEAM", "prompt", AT + timedelta(days=7), AT + timedelta(days=7))
    store.mark_failed(store.claim_post("C0OTHER", "prompt", AT, AT), "elsewhere")
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    headline, rows = admin.status(config, store, _channels(config, {"C0123TEAM": "C0123TEAM"}),
                                 now, 4)
    assert headline == (f"leadbot {__version__}: 1 of 2 configured channels reachable; "
                        "4 answers waiting to be recorded.")
    team, platform = rows
    assert (team.ref, team.channel_id, team.failed) == ("C0123TEAM", "C0123TEAM", 1)
    assert (team.last_post["id"], team.last_post["status"]) == (failed, "failed")
    assert list(team.next_runs) == ["prompt", "nudge"]
    assert (platform.ref, platform.channel_id, platform.last_post, platform.failed) == (
        "#platform-team", None, None, 0)
    assert admin.status(config, store, _channels(config), now)[0].startswith(
        f"leadbot {__version__}: 2 of 2")
