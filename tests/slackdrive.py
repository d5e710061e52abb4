"""Drive a running bot the way Slack would, over Socket Mode or signed HTTP, with payloads built
from the real shapes in tests/fixtures/slack."""

from __future__ import annotations

import copy
import itertools
import json
import time
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "slack"
_ids = itertools.count(1)


def fixture(name: str) -> dict:
    """A fresh copy of one fixture."""
    return copy.deepcopy(json.loads((FIXTURES / name).read_text()))


def thread_reply(channel: str, thread_ts: str, ts: str, user: str, text: str) -> dict:
    """A person's reply in a thread (the SDK fixture's shape, moved to a channel)."""
    event = fixture("event_message_thread_reply.json")
    event.update(channel=channel, channel_type="channel", thread_ts=thread_ts, ts=ts,
                 event_ts=ts, user=user, text=text, parent_user_id="UBOT")
    return event


def top_level(channel: str, ts: str, user: str, text: str) -> dict:
    """A message in the channel, not in a thread."""
    event = fixture("event_message_top_level.json")
    event.update(channel=channel, ts=ts, event_ts=ts, user=user, text=text)
    return event


def bot_reply(channel: str, thread_ts: str, ts: str) -> dict:
    """Another app's bot replying in the thread."""
    event = fixture("event_message_app_bot.json")
    event.update(channel=channel, thread_ts=thread_ts, ts=ts, event_ts=ts)
    return event


def edited(channel: str, thread_ts: str, ts: str, user: str, text: str,
           edited_ts: str) -> dict:
    """``message_changed`` for a thread reply (the bolt-python fixture's shape)."""
    event = fixture("event_message_changed.json")
    event.update(channel=channel, ts=edited_ts, event_ts=edited_ts)
    event["message"].update(text=text, user=user, ts=ts, thread_ts=thread_ts,
                            edited={"user": user, "ts": edited_ts})
    event["previous_message"].update(user=user, ts=ts, thread_ts=thread_ts)
    return event


def deleted(channel: str, thread_ts: str, ts: str, user: str, event_ts: str) -> dict:
    """``message_deleted`` for a thread reply (the bolt-python fixture's shape)."""
    event = fixture("event_message_deleted.json")
    event.update(channel=channel, deleted_ts=ts, ts=event_ts, event_ts=event_ts)
    event["previous_message"].update(user=user, ts=ts, thread_ts=thread_ts)
    return event


def reaction(channel: str, ts: str, user: str, name: str, added: bool, event_ts: str) -> dict:
    """``reaction_added`` / ``reaction_removed`` on a message."""
    event = fixture("event_reaction_added.json" if added else "event_reaction_removed.json")
    event.update(user=user, reaction=name, event_ts=event_ts, item_user="UBOT")
    event["item"].update(channel=channel, ts=ts)
    return event


def click(fake, message: dict, user: str, choice: str) -> dict:
    """A block_actions payload for a choice button (the real captured shape)."""
    payload = fixture("interactive_block_actions.json")
    payload.update(user={"id": user, "username": user.lower(), "name": user.lower(),
                         "team_id": "T0TEAM"},
                   team={"id": "T0TEAM", "domain": "fake"}, api_app_id="A0FAKE",
                   trigger_id=fake.issue_trigger_id(), message=message,
                   channel={"id": message["channel"], "name": "team"},
                   container={"type": "message", "message_ts": message["ts"],
                              "channel_id": message["channel"], "is_ephemeral": False},
                   response_url=f"{fake.base_url}/response/{next(_ids)}", enterprise=None,
                   is_enterprise_install=False, token="fake-verification-token")
    payload["actions"] = [{"type": "button", "block_id": "leadbot_choice",
                           "action_id": f"leadbot_choice_{choice}", "value": choice,
                           "text": {"type": "plain_text", "text": choice, "emoji": True},
                           "action_ts": f"{time.time():.6f}"}]
    return payload


def button(fake, user: str, action_id: str, value: str, *, message: dict | None = None,
           view: dict | None = None) -> dict:
    """A block_actions payload for any button, on a message or on a view (the Home tab)."""
    payload = fixture("interactive_block_actions.json")
    payload.update(user={"id": user, "username": user.lower(), "name": user.lower(),
                         "team_id": "T0TEAM"},
                   team={"id": "T0TEAM", "domain": "fake"}, api_app_id="A0FAKE",
                   trigger_id=fake.issue_trigger_id(), enterprise=None,
                   is_enterprise_install=False, token="fake-verification-token")
    for key in ("message", "channel", "container", "response_url", "state"):
        payload.pop(key, None)
    if message is not None:
        payload.update(message=message, channel={"id": message["channel"], "name": "team"},
                       container={"type": "message", "message_ts": message["ts"],
                                  "channel_id": message["channel"],
                                  "is_ephemeral": bool(message.get("is_ephemeral"))})
    if view is not None:
        payload.update(view=view, container={"type": "view", "view_id": view["id"]})
    payload["actions"] = [{"type": "button", "block_id": "b", "action_id": action_id,
                           "value": value, "text": {"type": "plain_text", "text": value},
                           "action_ts": f"{time.time():.6f}"}]
    return payload


def submission(view: dict, user: str, values: dict, trigger_id: str | None = None) -> dict:
    """A view_submission (bolt-python's fixture) of ``view`` with ``state.values``; each one
    with its own trigger_id, as Slack sends them (the same one again is a replay)."""
    payload = fixture("interactive_view_submission.json")
    payload.update(user={"id": user, "username": user.lower(), "name": user.lower(),
                         "team_id": "T0TEAM"},
                   team={"id": "T0TEAM", "domain": "fake"}, api_app_id="A0FAKE",
                   token="fake-verification-token",
                   trigger_id=trigger_id or f"{next(_ids)}.{time.time_ns()}.submission")
    payload["view"] = {**copy.deepcopy(view), "state": {"values": values}}
    return payload


def reflect_values(text: str | None, choice: str | None = None, theme: str | None = None,
                   shared: bool = False) -> dict:
    """``state.values`` of the reflection form as Slack fills them."""
    option = {"text": {"type": "plain_text", "text": "x", "emoji": True}}
    return {
        "reflect_text": {"text": {"type": "plain_text_input", "value": text}},
        "reflect_choice": {"choice": {"type": "radio_buttons", "selected_option":
                                      {**option, "value": choice} if choice else None}},
        "reflect_theme": {"theme": {"type": "static_select", "selected_option":
                                    {**option, "value": theme} if theme else None}},
        "reflect_share": {"share": {"type": "checkboxes", "selected_options":
                                    [{**option, "value": "share"}] if shared else []}},
    }


def home_opened(user: str, tab: str = "home") -> dict:
    """``app_home_opened`` (the docs' example) for ``user``."""
    event = fixture("event_app_home_opened.json")
    event.update(user=user, tab=tab, event_ts=f"{time.time():.6f}")
    return event


ANSWER_WAIT = 5  # seconds for an answer the bot gives after its ack


class Transport:
    """Socket Mode or signed HTTP delivery to the bot, returning how long the ack took."""

    def __init__(self, fake, mode: str, url: str | None = None):
        self.fake, self.mode, self.url = fake, mode, url

    def event(self, event: dict, event_id: str | None = None, retry: int = 0) -> float:
        """Deliver one event; return the seconds until the bot's ack (HTTP 200)."""
        event_id = event_id or f"Ev{next(_ids):08d}"
        started = time.monotonic()
        if self.mode == "http":
            status, text = self.fake.deliver_event(
                self.url, event, event_id=event_id, retry_num=retry or None,
                retry_reason="http_timeout" if retry else None)
            assert status == 200, (status, text)
        else:
            envelope = self.fake.event_envelope(event, event_id)
            eid = self.fake.send_socket("events_api", envelope, retry_attempt=retry,
                                        retry_reason="timeout" if retry else "")
            self.fake.wait_for_ack(eid, timeout=3)
        return time.monotonic() - started

    def command(self, command: str, text: str, user: str, channel: str) -> dict:
        """Run a slash command; return the bot's answer to the person, which must be something
        Slack would show: the ack's body, or, when the ack is empty (work done after it), what
        the bot then posts to the command's response_url ({} if it opens a form instead)."""
        response_url = self.fake.new_response_url("commands")
        opened = len(self.fake.calls_to("views.open"))
        answer = self._command(command, text, user, channel, response_url)
        assert not self.fake.ack_errors, self.fake.ack_errors
        if answer:
            return answer

        def later() -> dict | None:
            posted = [r for r in self.fake.responses if r["url"] == response_url]
            if posted:
                return posted[0]["body"]
            return {"opened": True} if len(self.fake.calls_to("views.open")) > opened else None

        found = self.fake.wait_for(later, timeout=ANSWER_WAIT)
        return {} if found.get("opened") is True and len(found) == 1 else found

    def _command(self, command: str, text: str, user: str, channel: str,
                 response_url: str) -> dict:
        if self.mode == "http":
            status, body = self.fake.deliver_command(self.url, command, text, user, channel,
                                                     response_url=response_url)
            assert status == 200, (status, body)
            if not body.strip():
                return {}
            # Slack takes a plain-text body as {"text": body}, and so do we
            return json.loads(body) if body.lstrip().startswith("{") else {"text": body}
        payload = self.fake.command_payload(command, text, user, channel,
                                            response_url=response_url)
        eid = self.fake.send_socket("slash_commands", payload)
        return self.fake.wait_for_ack(eid, timeout=3).get("payload") or {}

    def interact(self, payload: dict[str, Any]) -> dict:
        """Deliver an interaction; return the bot's answer (response_action, ...), which must
        be something Slack would show. A form answered "Saving..." is saved after the ack:
        then the answer is the view the bot puts in its place (views.update)."""
        seen = len(self.fake.calls_to("views.update"))
        answer = self._interact(payload)
        assert not self.fake.ack_errors, self.fake.ack_errors
        view_id = (payload.get("view") or {}).get("id")
        if not (answer.get("response_action") == "update"
                and "Saving" in json.dumps(answer.get("view"))):
            return answer

        def updated() -> dict | None:
            for call in self.fake.calls_to("views.update")[seen:]:
                if call.args.get("view_id") == view_id:
                    view = call.args["view"]
                    return json.loads(view) if isinstance(view, str) else view
            return None

        return {"response_action": "update", "view": self.fake.wait_for(updated, ANSWER_WAIT)}

    def _interact(self, payload: dict[str, Any]) -> dict:
        if self.mode == "http":
            status, body = self.fake.deliver_interaction(self.url, payload)
            assert status == 200, (status, body)
            return json.loads(body) if body.strip() else {}
        # what Slack adds to every interaction (response_url for message buttons...)
        eid = self.fake.send_socket("interactive", self.fake.interaction_payload(payload))
        return self.fake.wait_for_ack(eid, timeout=3).get("payload") or {}

    def interaction(self, payload: dict[str, Any]) -> float:
        """Deliver a block_actions payload; return the seconds until the ack."""
        started = time.monotonic()
        if self.mode == "http":
            status, text = self.fake.deliver_interaction(self.url, payload)
            assert status == 200, (status, text)
        else:
            eid = self.fake.send_socket("interactive", payload)
            self.fake.wait_for_ack(eid, timeout=3)
        return time.monotonic() - started
