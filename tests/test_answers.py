"""Answers at the service level, on a real database: replies, edits, deletions, reactions,
clicks; each safe to apply twice and in any order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FixedClock
from bot.services import answers
from bot.services.answers import Click, Delete, Edit, Reaction, Reply
from bot.services.people import forget_person

AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
POST_TS = "1795424400.000100"


@pytest.fixture
def post(store):
    post_id = store.claim_post("C1", "prompt", AT, AT)
    store.mark_posted(post_id, ts=POST_TS, text="refrain", at=AT, blocks=[{"type": "divider"}])
    return post_id


def reply(ts="1795424500.000200", thread=POST_TS, user="U1", text="I'll take it"):
    return Reply(channel="C1", thread_ts=thread, ts=ts, user=user, text=text)


def test_reply_recorded_once(store, post):
    assert answers.record_reply(store, reply())
    assert not answers.record_reply(store, reply())  # redelivery, or a second path
    (row,) = store.export_rows("reply")
    assert (row["user"], row["text"], row["thread_ts"]) == ("U1", "I'll take it", POST_TS)
    assert row["at"] == "2026-11-23T09:01:40Z"  # when the person wrote it


def test_replies_in_other_threads_are_ignored(store, post):
    assert not answers.record_reply(store, reply(thread="1795000000.000001"))
    assert store.export_rows("reply") == []


def test_edit_updates_text_and_keeps_edit_time(store, post):
    answers.record_reply(store, reply())
    edit = Edit(channel="C1", thread_ts=POST_TS, ts="1795424500.000200", user="U1",
                text="I'll take it, Friday", edited_ts="1795424600.000000")
    assert answers.apply_edit(store, edit) == "updated"
    (row,) = store.export_rows("reply")
    assert row["text"] == "I'll take it, Friday"
    assert row["edited_at"] == "2026-11-23T09:03:20Z"
    older = Edit(**{**edit.__dict__, "text": "older", "edited_ts": "1795424550.000000"})
    assert answers.apply_edit(store, older) == "stale"
    assert store.export_rows("reply")[0]["text"] == "I'll take it, Friday"


def test_edit_before_message(store, post):
    edit = Edit(channel="C1", thread_ts=POST_TS, ts="1795424500.000200", user="U1",
                text="edited first", edited_ts="1795424600.000000")
    assert answers.apply_edit(store, edit) == "stored"
    assert not answers.record_reply(store, reply())  # the original arrives late
    assert store.export_rows("reply")[0]["text"] == "edited first"


def test_delete_removes_the_words(store, post):
    answers.record_reply(store, reply(text="secret words"))
    delete = Delete(channel="C1", ts="1795424500.000200", thread_ts=POST_TS, user="U1",
                    event_ts="1795424700.000100")
    assert answers.apply_delete(store, delete) == "deleted"
    assert answers.apply_delete(store, delete) == "already"
    row = store.reply("C1", "1795424500.000200")
    assert row["text"] is None and row["deleted_at"] == "2026-11-23T09:05:00Z"
    assert store.export_rows("reply") == []
    assert "secret words" not in str(store.db.execute("SELECT * FROM replies").fetchall())
    edit = Edit(channel="C1", thread_ts=POST_TS, ts="1795424500.000200", user="U1",
                text="back again?", edited_ts="1795424800.000000")
    assert answers.apply_edit(store, edit) == "deleted"
    assert store.reply("C1", "1795424500.000200")["text"] is None


def test_delete_before_message_leaves_a_tombstone(store, post):
    delete = Delete(channel="C1", ts="1795424500.000200", thread_ts=POST_TS, user="U1",
                    event_ts="1795424700.000100")
    assert answers.apply_delete(store, delete) == "tombstone"
    assert not answers.record_reply(store, reply(text="late copy"))
    assert store.reply("C1", "1795424500.000200")["text"] is None


def test_delete_without_thread_info(store, post):
    answers.record_reply(store, reply())
    delete = Delete(channel="C1", ts="1795424500.000200", thread_ts=None, user=None,
                    event_ts="1795424700.000100")
    assert answers.apply_delete(store, delete) == "deleted"
    other = Delete(channel="C1", ts="1795000000.000009", thread_ts=None, user=None,
                   event_ts="1795424700.000100")
    assert answers.apply_delete(store, other) == "ignored"


def test_reactions(store, post):
    add = Reaction(channel="C1", ts=POST_TS, user="U2", reaction="muscle", added=True,
                   event_ts="1795424900.000100")
    assert answers.record_reaction(store, add)
    assert not answers.record_reaction(store, add)
    (row,) = store.export_rows("reaction")
    assert (row["user"], row["text"], row.get("removed_at")) == ("U2", "muscle", None)
    remove = Reaction(**{**add.__dict__, "added": False, "event_ts": "1795425000.000100"})
    assert answers.record_reaction(store, remove)
    assert store.export_rows("reaction")[0]["removed_at"] == "2026-11-23T09:10:00Z"
    elsewhere = Reaction(**{**add.__dict__, "ts": "1795000000.000009"})
    assert not answers.record_reaction(store, elsewhere)


def test_clicks_latest_wins_history_kept(store, post):
    clock = FixedClock(AT + timedelta(minutes=1))

    def click(user, choice):
        clock.advance(timedelta(seconds=1))
        return answers.record_click(store, clock, Click("C1", POST_TS, user, choice, "1.1"))

    first = click("U1", "follow")
    assert (first.previous, first.counts["follow"]) == (None, ["U1"])
    again = click("U1", "follow")
    assert again.previous == "follow"
    changed = click("U1", "take")
    assert changed.previous == "follow"
    click("U2", "pass")
    click("U3", "take")
    counts = click("U4", "take").counts
    assert {k: len(v) for k, v in counts.items()} == {"follow": 0, "take": 3, "pass": 1}
    rows = store.export_rows("choice")
    assert [(r["user"], r["choice"], r["current"]) for r in rows if r["user"] == "U1"] == [
        ("U1", "follow", False), ("U1", "take", True)]


def test_click_on_unknown_message(store, post):
    outcome = answers.record_click(store, FixedClock(AT), Click("C1", "1.000", "U1", "take", ""))
    assert not outcome.known_post
    assert store.export_rows("choice") == []


def test_forget_deletes_one_person_only(store, post, tmp_path):
    from bot.inbox import Inbox

    clock = FixedClock(AT)
    answers.record_reply(store, reply(user="U1"))
    answers.record_reply(store, reply(ts="1795424501.000300", user="U2", text="mine"))
    answers.record_click(store, clock, Click("C1", POST_TS, "U1", "take", "1"))
    answers.record_click(store, clock, Click("C1", POST_TS, "U2", "pass", "2"))
    answers.record_reaction(store, Reaction("C1", POST_TS, "U1", "eyes", True, "1795424900.1"))
    store.record_reflection(user="U1", text="private thought", at=AT)
    inbox = Inbox(tmp_path / "inbox.db")
    inbox.put("event:E1", "reply", {"text": "pending words"}, AT, user="U1")
    inbox.put("event:E2", "reply", {"text": "other"}, AT, user="U2")
    report = forget_person(store, inbox, "U1", clock)
    assert report == {"choices": 1, "replies": 1, "reactions": 1, "reflections": 1,
                      "follow-ups": 0, "settings": 0, "messages waiting": 0, "sightings": 0,
                      "sightings about them": 0, "sent messages quoting them": 0,
                      "pending answers": 1}
    left = [r["user"] for kind in ("reply", "choice", "reaction", "reflection")
            for r in store.export_rows(kind)]
    assert left == ["U2", "U2"]
    assert inbox.pending() == 1
    inbox.close()


def test_forget_removes_sightings_given_and_received_only(store, tmp_path):
    store.record_sighting(seer="U1", about="U2", text="given", at=AT)
    store.record_sighting(seer="U2", about="U1", text="received", at=AT)
    store.record_sighting(seer="U2", about="U3", text="not about U1", at=AT)
    store.save_person_settings("U1", AT, sighting_dms=False)
    report = forget_person(store, None, "U1", FixedClock(AT))
    assert (report["sightings"], report["sightings about them"], report["settings"]) == (
        1, 1, 1)
    assert [r["text"] for r in store.export_rows("sighting")] == ["not about U1"]
    assert store.person_settings("U1")["sighting_dms"] is True  # back to defaults
