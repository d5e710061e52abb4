"""Slack payloads, in the real shapes from Slack's docs and the SDKs' own fixtures
(tests/fixtures/slack/SOURCES.md), turned into plain values; everything else ignored but acked."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import pytest

from bot.clock import FixedClock
from bot.inbox import Inbox
from bot.slack.deps import Deps
from bot.slack.listeners.answers import on_event
from bot.slack.parse import parse_click, parse_event
from tests.conftest import REPO

FIXTURES = REPO / "tests" / "fixtures" / "slack"
BOT = "UBOT"


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def body(event: dict, event_id: str = "Ev0001") -> dict:
    envelope = load("envelope_event_callback.json")
    envelope["event"] = event
    envelope["event_id"] = event_id
    return envelope


@pytest.mark.parametrize(("name", "kind"), [
    ("event_message_thread_reply.json", "reply"),
    ("event_message_thread_broadcast.json", "reply"),
    ("event_message_top_level.json", None),
    ("event_message_bot_message.json", None),
    ("event_message_app_bot.json", None),
    ("event_message_channel_join.json", None),
    ("event_message_file_share.json", None),  # top-level file share
    ("event_message_changed.json", None),      # not in a thread
    ("event_message_changed_docs.json", None),
    ("event_message_deleted.json", "delete"),
    ("event_reaction_added.json", "reaction"),
    ("event_reaction_removed.json", "reaction"),
    ("event_member_joined_channel.json", None),
    ("event_app_mention.json", None),
    ("event_app_home_opened.json", None),
])
def test_real_event_shapes(name, kind):
    work = parse_event(body(load(name)), BOT)
    assert (work[1] if work else None) == kind
    if work:
        assert work[0] == "event:Ev0001"


def test_thread_reply_values():
    event = load("event_message_thread_reply.json")
    _key, _kind, payload, user = parse_event(body(event), BOT)
    assert payload == {"channel": event["channel"], "thread_ts": event["thread_ts"],
                       "ts": event["ts"], "user": event["user"], "text": event["text"]}
    assert user == event["user"]


def test_edit_of_a_thread_reply_takes_missing_fields_from_the_previous_message():
    event = load("event_message_changed.json")
    event["previous_message"]["thread_ts"] = "1665102000.000100"
    _, kind, payload, _ = parse_event(body(event), BOT)
    assert kind == "edit"
    assert payload["ts"] == event["previous_message"]["ts"]
    assert payload["text"] == "updated message"
    assert payload["edited_ts"] == "1665102362.000000"


def test_edit_without_edited_is_not_an_edit():
    event = load("event_message_changed.json")
    event["previous_message"]["thread_ts"] = "1665102000.000100"
    del event["message"]["edited"]  # an unfurl or a reply count changing
    assert parse_event(body(event), BOT) is None


def test_delete_values():
    event = load("event_message_deleted.json")
    _, _, payload, _ = parse_event(body(event), BOT)
    assert payload["ts"] == event["deleted_ts"] and payload["user"] == "U111"
    assert payload["thread_ts"] is None


def test_own_messages_and_reactions_are_ignored():
    event = load("event_message_thread_reply.json")
    event["user"] = BOT
    assert parse_event(body(event), BOT) is None
    reaction = load("event_reaction_added.json")
    reaction["user"] = BOT
    assert parse_event(body(reaction), BOT) is None


def test_socket_mode_envelope_payload_is_the_same_body():
    envelope = load("socket_mode_events_api_envelope.json")
    assert envelope["retry_attempt"] == 1  # a redelivery
    payload = envelope["payload"]
    payload["event"] = load("event_message_thread_reply.json")
    key, kind, _, _ = parse_event(payload, BOT)
    assert (key, kind) == (f"event:{payload['event_id']}", "reply")


@pytest.mark.parametrize("name", ["interactive_block_actions.json",
                                  "interactive_block_actions_bolt_python.json"])
def test_real_block_actions_that_are_not_ours_are_ignored(name):
    assert parse_click(load(name)) is None


def test_our_click_in_a_real_block_actions_shape():
    payload = load("interactive_block_actions.json")
    payload["actions"][0].update(action_id="leadbot_choice_take", value="take")
    _key, kind, values, user = parse_click(payload)
    assert kind == "click" and values["choice"] == "take"
    assert values["channel"] == payload["channel"]["id"]
    assert values["message_ts"] == payload["container"]["message_ts"]
    assert user == payload["user"]["id"]


def _mutations(value, path=()):
    """Every copy of ``value`` with one key removed or one value replaced by None."""
    if isinstance(value, dict):
        for key in list(value):
            for variant in ("drop", "none"):
                yield (*path, key, variant)
            yield from _mutations(value[key], (*path, key))


def _apply(value, mutation):
    value = copy.deepcopy(value)
    *path, key, variant = mutation
    target = value
    for part in path:
        target = target[part]
    if variant == "drop":
        del target[key]
    else:
        target[key] = None
    return value


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("event_*.json")))
def test_malformed_events_are_still_acked(tmp_path, store, name):
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    deps = Deps(config=None, store=store, clock=clock, inbox=Inbox(tmp_path / "i.db"),
                bot_user_id=BOT)
    event = load(name)
    event.setdefault("thread_ts", "1.0")
    acks = []
    for n, mutation in enumerate(_mutations(event)):
        on_event(lambda: acks.append(1), body(_apply(event, mutation), f"E{n}"), deps)
    assert len(acks) == len(list(_mutations(event)))


def test_plain_from_slack_turns_escaped_command_text_into_words():
    from bot.slack.parse import plain_from_slack

    text = ("take: thanked <@U0000BOB|bob> in <#C0123TEAM|team> for R&amp;D &lt;3 "
            "<https://example.com/a3|the A3> <!here> <@U0000ADA>")
    assert plain_from_slack(text) == ("take: thanked @bob in #team for R&D <3 "
                                      "the A3 (https://example.com/a3) @here @U0000ADA")


@pytest.mark.parametrize("ts", ["abc", "", "1.2.3", None, 17, "1800000000.000200x"])
def test_an_event_whose_timestamp_is_not_slacks_is_refused_before_the_inbox(ts):
    # it could never be stored: refused (and logged by the listener), never retried
    event = {"type": "message", "channel": "C1", "user": "U1", "text": "hi", "ts": ts,
             "thread_ts": "1800000000.000100"}
    with pytest.raises(ValueError):
        parse_event({"event": event, "event_id": "Ev1"}, "UBOT")


def test_a_lone_surrogate_in_a_reply_is_cleaned_not_fatal():
    event = {"type": "message", "channel": "C1", "user": "U1", "text": "half \ud83d done",
             "ts": "1800000000.000200", "thread_ts": "1800000000.000100"}
    _, kind, payload, _ = parse_event({"event": event, "event_id": "Ev1"}, "UBOT")
    assert (kind, payload["text"]) == ("reply", "half \ufffd done")
    payload["text"].encode("utf-8")  # storable
