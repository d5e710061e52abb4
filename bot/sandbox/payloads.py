"""The payloads Slack sends a bot, built for what a person does on the sandbox page: the same
shapes as Slack's own (see tests/fixtures/slack), so the bot cannot tell the difference."""

from __future__ import annotations

import time
import uuid
from typing import Any

TEAM = {"id": "T0TEAM", "domain": "leadbot-sandbox"}


def _user(user: str, name: str) -> dict[str, str]:
    return {"id": user, "username": name, "name": name, "team_id": TEAM["id"]}


def block_actions(*, user: str, name: str, action: dict[str, Any], trigger_id: str,
                  message: dict | None = None, channel: str | None = None,
                  view: dict | None = None, response_url: str | None = None,
                  ephemeral: bool = False) -> dict[str, Any]:
    """A click (or a pick) on an interactive element of a message or a view."""
    payload: dict[str, Any] = {
        "type": "block_actions", "user": _user(user, name), "api_app_id": "A0FAKE",
        "token": "sandbox-verification-token", "trigger_id": trigger_id, "team": TEAM,
        "enterprise": None, "is_enterprise_install": False,
        "actions": [{**action, "action_ts": f"{time.time():.6f}"}],
    }
    if view is not None:
        payload.update(view=view, container={"type": "view", "view_id": view["id"]})
    else:
        payload.update(
            channel={"id": channel, "name": channel},
            container={"type": "message", "message_ts": (message or {}).get("ts"),
                       "channel_id": channel, "is_ephemeral": ephemeral},
            message=message, response_url=response_url,
            state={"values": {}})
    return payload


def view_submission(*, user: str, name: str, view: dict, values: dict,
                    trigger_id: str) -> dict[str, Any]:
    """A submitted modal with its ``state.values``."""
    return {"type": "view_submission", "team": TEAM, "user": _user(user, name),
            "api_app_id": "A0FAKE", "token": "sandbox-verification-token",
            "trigger_id": trigger_id, "view": {**view, "state": {"values": values}},
            "response_urls": [], "is_enterprise_install": False, "enterprise": None}


def message_action(*, user: str, name: str, callback_id: str, channel: str, message: dict,
                   trigger_id: str, response_url: str) -> dict[str, Any]:
    """A message shortcut chosen from a message's "More actions" menu."""
    return {"type": "message_action", "token": "sandbox-verification-token",
            "action_ts": f"{time.time():.6f}", "team": TEAM, "user": _user(user, name),
            "channel": {"id": channel, "name": channel}, "is_enterprise_install": False,
            "enterprise": None, "callback_id": callback_id, "trigger_id": trigger_id,
            "response_url": response_url, "message_ts": message["ts"], "message": message}


def message_event(message: dict) -> dict[str, Any]:
    """``message`` for a person's new message (a thread reply when it has thread_ts)."""
    event = {"type": "message", "channel": message["channel"], "user": message["user"],
             "text": message["text"], "ts": message["ts"], "event_ts": message["ts"],
             "channel_type": "channel", "team": TEAM["id"],
             "client_msg_id": str(uuid.uuid4()), "blocks": []}
    if message.get("thread_ts"):
        event.update(thread_ts=message["thread_ts"], parent_user_id="U0SANDBOT")
    return event


def message_changed(channel: str, before: dict, after: dict, edited_ts: str) -> dict[str, Any]:
    """``message_changed`` for an edit."""
    return {"type": "message", "subtype": "message_changed", "hidden": True,
            "channel": channel, "channel_type": "channel", "ts": edited_ts,
            "event_ts": edited_ts,
            "message": {"type": "message", "user": after["user"], "text": after["text"],
                        "ts": after["ts"], "thread_ts": after.get("thread_ts"),
                        "edited": {"user": after["user"], "ts": edited_ts}},
            "previous_message": {"type": "message", "user": before["user"],
                                 "text": before["text"], "ts": before["ts"],
                                 "thread_ts": before.get("thread_ts")}}


def message_deleted(channel: str, before: dict, event_ts: str) -> dict[str, Any]:
    """``message_deleted`` for a deletion."""
    return {"type": "message", "subtype": "message_deleted", "hidden": True,
            "channel": channel, "channel_type": "channel", "ts": event_ts,
            "event_ts": event_ts, "deleted_ts": before["ts"],
            "previous_message": {"type": "message", "user": before["user"],
                                 "text": before["text"], "ts": before["ts"],
                                 "thread_ts": before.get("thread_ts")}}


def reaction_event(*, user: str, channel: str, message: dict, name: str, added: bool,
                   event_ts: str) -> dict[str, Any]:
    """``reaction_added`` (or ``reaction_removed``) on a message."""
    return {"type": "reaction_added" if added else "reaction_removed", "user": user,
            "item": {"type": "message", "channel": channel, "ts": message["ts"]},
            "reaction": name, "item_user": message.get("user"), "event_ts": event_ts}


def app_home_opened(user: str, view_id: str | None) -> dict[str, Any]:
    """``app_home_opened`` for the Home tab."""
    return {"type": "app_home_opened", "user": user, "channel": "D" + user[1:],
            "tab": "home", "event_ts": f"{time.time():.6f}",
            "view": {"id": view_id, "type": "home"} if view_id else None}


def state_values(view: dict, flat: dict[str, Any]) -> dict[str, Any]:
    """The page's form values (``"block_id/action_id": value``) in Slack's state.values shape,
    typed by the view's own input elements."""
    values: dict[str, Any] = {}
    for block in view.get("blocks", []):
        element = block.get("element") or {}
        if block.get("type") != "input" or not element.get("action_id"):
            continue
        key = f"{block['block_id']}/{element['action_id']}"
        raw = flat.get(key)
        kind = element["type"]
        options = {o["value"]: o for o in element.get("options", [])}
        if kind in ("plain_text_input", "email_text_input", "url_text_input", "number_input"):
            entry = {"type": kind, "value": raw if raw not in (None, "") else None}
        elif kind in ("static_select", "radio_buttons"):
            entry = {"type": kind, "selected_option": options.get(raw) if raw else None}
        elif kind == "checkboxes":
            picked = raw if isinstance(raw, list) else ([raw] if raw else [])
            entry = {"type": kind, "selected_options": [options[v] for v in picked
                                                        if v in options]}
        elif kind == "users_select":
            entry = {"type": kind, "selected_user": raw or None}
        elif kind == "datepicker":
            entry = {"type": kind, "selected_date": raw or None}
        elif kind == "timepicker":
            entry = {"type": kind, "selected_time": raw or None}
        else:
            entry = {"type": kind, "value": raw}
        values.setdefault(block["block_id"], {})[element["action_id"]] = entry
    return values
