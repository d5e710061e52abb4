"""Turn Slack payloads into the plain values the services take; None for what we ignore."""

from __future__ import annotations

import re
from typing import Any

from bot.messages import ids
from bot.services.answers import Click, Delete, Edit, Reaction, Reply
from bot.services.reflections import Draft

# Message subtypes that are a person writing (a reply also sent to the channel, a file with a
# comment, /me). Everything else (joins, bot messages, topic changes...) is not an answer.
PERSON_SUBTYPES = {None, "thread_broadcast", "file_share", "me_message"}

def asdict(value: object) -> dict[str, Any]:
    """A flat dataclass's fields as a dict (dataclasses.asdict deep-copies, which is slower)."""
    return dict(vars(value))


Work = tuple[str, str, dict[str, Any], str | None]  # (key, kind, payload, user)


def _is_reply(message: dict, bot_user_id: str | None) -> bool:
    if message.get("bot_id") or message.get("subtype") == "bot_message":
        return False
    if not message.get("user") or message.get("user") == bot_user_id:
        return False
    thread_ts = message.get("thread_ts")
    return bool(thread_ts) and thread_ts != message.get("ts")


def parse_event(body: dict, bot_user_id: str | None) -> Work | None:
    """An Events API body (HTTP or Socket Mode payload) as inbox work, or None to ignore it."""
    event = body.get("event") or {}
    key = f"event:{body.get('event_id') or event.get('event_ts') or event.get('ts')}"
    kind = event.get("type")
    if kind == "message":
        return _parse_message(key, event, bot_user_id)
    if kind in ("reaction_added", "reaction_removed"):
        item = event.get("item") or {}
        user = event.get("user")
        if item.get("type") != "message" or not user or user == bot_user_id:
            return None
        reaction = Reaction(channel=item["channel"], ts=slack_ts(item["ts"]), user=user,
                            reaction=event.get("reaction", ""),
                            added=kind == "reaction_added", event_ts=event["event_ts"])
        return key, "reaction", asdict(reaction), user
    return None


TS = re.compile(r"^\d{1,12}(\.\d{1,9})?$")


def slack_ts(value: Any) -> str:
    """A message timestamp as Slack writes them ("1764000000.000100"); ValueError otherwise,
    so an event that could never be stored is refused before it reaches the inbox."""
    if not isinstance(value, str) or not TS.match(value):
        raise ValueError(f"not a Slack timestamp: {str(value)[:40]!r}")
    return value


def clean_text(text: Any) -> str:
    """Words as SQLite can store them: a lone surrogate (invalid in UTF-8) becomes U+FFFD."""
    if not isinstance(text, str):
        return ""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _parse_message(key: str, event: dict, bot_user_id: str | None) -> Work | None:
    subtype = event.get("subtype")
    channel = event.get("channel")
    if subtype in PERSON_SUBTYPES:
        if not _is_reply(event, bot_user_id):
            return None
        reply = Reply(channel=channel, thread_ts=slack_ts(event["thread_ts"]),
                      ts=slack_ts(event["ts"]), user=event["user"],
                      text=clean_text(event.get("text")))
        return key, "reply", asdict(reply), reply.user
    if subtype == "message_changed":
        message = dict(event.get("message") or {})
        previous = event.get("previous_message") or {}
        # Slack leaves some fields out of "message"; the previous version has them.
        for name in ("ts", "thread_ts", "user"):
            message.setdefault(name, previous.get(name))
        # Only real edits: unfurls and reply-count updates change a message without "edited".
        if not message.get("edited") or not _is_reply(message, bot_user_id):
            return None
        edit = Edit(channel=channel, thread_ts=slack_ts(message["thread_ts"]),
                    ts=slack_ts(message["ts"]), user=message["user"],
                    text=clean_text(message.get("text")),
                    edited_ts=slack_ts(message["edited"].get("ts") or event["ts"]))
        return key, "edit", asdict(edit), edit.user
    if subtype == "message_deleted":
        previous = event.get("previous_message") or {}
        if previous.get("bot_id") or not event.get("deleted_ts"):
            return None
        delete = Delete(channel=channel, ts=slack_ts(event["deleted_ts"]),
                        thread_ts=previous.get("thread_ts"), user=previous.get("user"),
                        event_ts=event.get("event_ts") or event["ts"])
        return key, "delete", asdict(delete), delete.user
    return None


def parse_click(body: dict) -> Work | None:
    """A block_actions body for a choice button as inbox work."""
    action = (body.get("actions") or [{}])[0]
    match = re.match(ids.CHOICE_ACTION_PATTERN, action.get("action_id", ""))
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id")
    message_ts = (body.get("container") or {}).get("message_ts") or (
        body.get("message") or {}).get("ts")
    user = (body.get("user") or {}).get("id")
    if not match or not channel or not message_ts or not user:
        return None
    choice = action.get("value") if action.get("value") in ids.CHOICE_ACTIONS else match.group(1)
    click = Click(channel=channel, message_ts=message_ts, user=user, choice=choice,
                  action_ts=action.get("action_ts") or "")
    key = f"click:{channel}:{message_ts}:{user}:{click.action_ts}"
    return key, "click", asdict(click), user


def parse_reflect_values(values: dict) -> Draft:
    """The reflection form's ``view.state.values`` as a Draft (missing inputs are empty)."""

    def element(pair: tuple[str, str]) -> dict:
        return (values.get(pair[0]) or {}).get(pair[1]) or {}

    chosen = element(ids.REFLECT_CHOICE).get("selected_option") or {}
    theme = element(ids.REFLECT_THEME).get("selected_option") or {}
    shared = element(ids.REFLECT_SHARE).get("selected_options") or []
    return Draft(text=element(ids.REFLECT_TEXT).get("value") or "",
                 choice=chosen.get("value") or None, theme=theme.get("value") or None,
                 shared=any(o.get("value") == "share" for o in shared))


_SLACK_TOKEN = re.compile(r"<([@#!])?([^>|]+)(?:\|([^>]*))?>")


def plain_from_slack(text: str) -> str:
    """Slack's escaped message text as the words a person sees: ``<@U1|bob>`` is "@bob",
    ``<#C1|team>`` "#team", ``<https://x|docs>`` "docs (https://x)", and &amp; &lt; &gt; are
    characters again. (Text typed into a modal arrives plain already.)"""

    def token(match: re.Match) -> str:
        sigil, target, label = match.group(1), match.group(2), match.group(3)
        if sigil in ("@", "#"):
            return sigil + (label or target)
        if sigil == "!":
            return "@" + (label or target.split("^")[0])
        return f"{label} ({target})" if label and label != target else target

    plain = _SLACK_TOKEN.sub(token, text)
    return plain.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def is_direct_conversation(channel_id: str | None, channel_name: str | None) -> bool:
    """Whether a slash command came from a DM or group DM (Slack names them "directmessage"
    and "mpdm-..."; a DM's id starts with D). The bot may not read those: its scopes hold
    neither im:read nor mpim:read, so the payload alone has to say."""
    name = channel_name or ""
    return (name == "directmessage" or name.startswith("mpdm-")
            or (channel_id or "").startswith("D"))
