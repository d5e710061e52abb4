"""Web API method handlers: each takes the workspace and checked args, returns the JSON body."""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from .blockkit import check_blocks
from .spec import ArgError, as_bool, as_int, is_blank
from .state import Channel, Workspace

Handler = Callable[[Workspace, dict[str, Any]], dict[str, Any]]
HANDLERS: dict[str, Handler] = {}
MISSING_TEXT = "missing_text_or_fallback_or_attachments"
MAX_TEXT = 40000
REACTION_NAME = re.compile(r"^[a-z0-9_+'-]+$")


def handles(name: str) -> Callable[[Handler], Handler]:
    """Register a handler for a Web API method."""

    def register(fn: Handler) -> Handler:
        HANDLERS[name] = fn
        return fn

    return register


def member_channel(ws: Workspace, ref: Any, *, names: bool = False) -> Channel:
    """A channel the bot may post to: exists, visible, not archived, bot is a member."""
    ch = ws.resolve_channel(ref, names=names)
    if ch.is_archived:
        raise ArgError("is_archived")
    if ws.bot_user_id not in ch.members:
        raise ArgError("not_in_channel")
    return ch


def _content(args: dict[str, Any]) -> tuple[str, list, dict[str, Any], dict[str, Any]]:
    """Check text/blocks/attachments; return text, blocks, extra message fields, warning body."""
    text = "" if args.get("text") is None else str(args["text"])
    if len(text) > MAX_TEXT:
        raise ArgError("msg_too_long")
    blocks = args.get("blocks")
    blocks = [] if is_blank(blocks) else blocks
    if blocks:
        errors = check_blocks(blocks)
        if errors:
            raise ArgError("invalid_blocks", errors)
    extra: dict[str, Any] = {}
    attachments = args.get("attachments")
    if not is_blank(attachments):
        if not isinstance(attachments, list):
            raise ArgError("invalid_attachments")
        if len(attachments) > 100:
            raise ArgError("too_many_attachments")
        extra["attachments"] = attachments
    if not is_blank(args.get("metadata")):
        extra["metadata"] = args["metadata"]
    warning: dict[str, Any] = {}
    if blocks and not text and not extra.get("attachments"):
        warning = {"warning": MISSING_TEXT, "response_metadata": {"warnings": [MISSING_TEXT]}}
    return text, blocks, extra, warning


def _page(items: list, args: dict[str, Any], default: int, most: int) -> tuple[list, str]:
    """Cursor pagination: the page and the next_cursor ("" on the last page)."""
    limit = as_int(args.get("limit"), default)
    limit = default if limit <= 0 else min(limit, most)
    start = 0
    if not is_blank(args.get("cursor")):
        try:
            kind, _, offset = base64.b64decode(str(args["cursor"])).decode().partition(":")
            start = int(offset)
        except ValueError:
            raise ArgError("invalid_cursor") from None
        if kind != "offset" or not 0 <= start <= len(items):
            raise ArgError("invalid_cursor")
    end = start + limit
    cursor = base64.b64encode(f"offset:{end}".encode()).decode() if end < len(items) else ""
    return items[start:end], cursor


@handles("auth.test")
def auth_test(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    """Who the bot token belongs to."""
    return {"ok": True, "url": f"https://{ws.domain}.slack.com/", "team": ws.team_name,
            "user": ws.bot_name, "team_id": ws.team_id, "user_id": ws.bot_user_id,
            "bot_id": ws.bot_id, "is_enterprise_install": False}


@handles("apps.connections.open")
def apps_connections_open(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    """A single-connection Socket Mode URL with a fresh ticket."""
    ticket = uuid.uuid4().hex
    ws.tickets.add(ticket)
    host = urlsplit(ws.base_url).netloc
    return {"ok": True, "url": f"ws://{host}/link/?ticket={ticket}&app_id={ws.app_id}"}


@handles("conversations.list")
def conversations_list(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    """Visible conversations of the requested types, paginated."""
    types = [t.strip() for t in str(args.get("types") or "public_channel").split(",") if t.strip()]
    if any(t not in ("public_channel", "private_channel", "mpim", "im") for t in types):
        raise ArgError("invalid_types")
    exclude_archived = as_bool(args.get("exclude_archived"))

    def wanted(ch: Channel) -> bool:
        kind = ("im" if ch.is_im else "mpim" if ch.is_mpim
                else "private_channel" if ch.is_private else "public_channel")
        return (kind in types and ws.visible(ch)
                and not (exclude_archived and ch.is_archived))

    chans = [ws.render_channel(ch) for ch in ws.channels.values() if wanted(ch)]
    page, cursor = _page(chans, args, 100, 1000)
    return {"ok": True, "channels": page, "response_metadata": {"next_cursor": cursor}}


@handles("conversations.info")
def conversations_info(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    """One conversation object."""
    return {"ok": True, "channel": ws.render_channel(ws.resolve_channel(args["channel"]))}


@handles("conversations.join")
def conversations_join(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    """The bot joins a public channel."""
    ch = ws.channels.get(str(args["channel"]))
    if ch is None:
        raise ArgError("channel_not_found")
    if ch.is_private or ch.is_im:
        raise ArgError("method_not_supported_for_channel_type")
    if ch.is_archived:
        raise ArgError("is_archived")
    body: dict[str, Any] = {"ok": True}
    if ws.bot_user_id in ch.members:
        body.update(warning="already_in_channel",
                    response_metadata={"warnings": ["already_in_channel"]})
    ch.members.add(ws.bot_user_id)
    body["channel"] = ws.render_channel(ch)
    return body


@handles("conversations.members")
def conversations_members(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    """A conversation's members, paginated; the bot must be able to see it."""
    ch = ws.resolve_channel(args["channel"])
    if not ws.visible(ch):
        raise ArgError("channel_not_found")
    page, cursor = _page(sorted(ch.members), args, 100, 1000)
    return {"ok": True, "members": page, "response_metadata": {"next_cursor": cursor}}


@handles("conversations.open")
def conversations_open(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    """Open (or find) the DM with one user."""
    if not is_blank(args.get("channel")):
        ch = ws.resolve_channel(args["channel"])
    else:
        users = [u for u in str(args.get("users") or "").split(",") if u]
        if len(users) != 1:
            raise ArgError("invalid_arguments", ["[ERROR] the fake opens DMs with one user only"])
        ws.user(users[0])
        ch = ws.open_dm(users[0])
    full = as_bool(args.get("return_im"))
    return {"ok": True, "channel": ws.render_channel(ch) if full else {"id": ch.id}}


def _readable_channel(ws: Workspace, ref: Any) -> Channel:
    ch = ws.resolve_channel(ref)
    if not ch.is_im and ws.bot_user_id not in ch.members:
        raise ArgError("not_in_channel")
    return ch


def _between(messages: list[dict[str, Any]], args: dict[str, Any]) -> list[dict[str, Any]]:
    oldest = float(args.get("oldest") or 0)
    latest = float(args.get("latest") or "inf")
    inclusive = as_bool(args.get("inclusive"))
    if inclusive:
        return [m for m in messages if oldest <= float(m["ts"]) <= latest]
    return [m for m in messages if oldest < float(m["ts"]) < latest]


@handles("conversations.history")
def conversations_history(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    """Channel messages (thread replies excluded unless broadcast), newest first."""
    ch = _readable_channel(ws, args["channel"])
    top = [m for m in ws.messages.get(ch.id, [])
           if not m.get("thread_ts") or m.get("subtype") == "thread_broadcast"]
    selected = list(reversed(_between(top, args)))
    page, cursor = _page(selected, args, 100, 999)
    return {"ok": True, "messages": [ws.render_message(m) for m in page],
            "has_more": bool(cursor), "pin_count": 0,
            "response_metadata": {"next_cursor": cursor}}


@handles("conversations.replies")
def conversations_replies(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    """A thread: parent first, then replies oldest first."""
    ch = _readable_channel(ws, args["channel"])
    found = ws.find_message(ch.id, str(args["ts"]))
    if found is None:
        raise ArgError("thread_not_found")
    root_ts = found.get("thread_ts") or found["ts"]
    thread = [m for m in ws.messages[ch.id] if m["ts"] == root_ts or m.get("thread_ts") == root_ts]
    page, cursor = _page(_between(thread, args), args, 1000, 1000)
    return {"ok": True, "messages": [ws.render_message(m) for m in page],
            "has_more": bool(cursor), "response_metadata": {"next_cursor": cursor}}


@handles("chat.postMessage")
def chat_post_message(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    """Post a message (or thread reply) as the bot."""
    ch = member_channel(ws, args["channel"], names=True)
    text, blocks, extra, warning = _content(args)
    thread_ts = None if is_blank(args.get("thread_ts")) else str(args["thread_ts"])
    if thread_ts and as_bool(args.get("reply_broadcast")):
        extra["subtype"] = "thread_broadcast"
    msg = ws.add_message(ch.id, text, user=ws.bot_user_id, thread_ts=thread_ts, blocks=blocks,
                         bot=True, method="chat.postMessage", **extra)
    return {"ok": True, "channel": ch.id, "ts": msg["ts"], "message": ws.render_message(msg),
            **warning}


@handles("chat.update")
def chat_update(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    """Edit one of the bot's messages."""
    ch = ws.resolve_channel(args["channel"])
    msg = ws.find_message(ch.id, str(args["ts"]))
    if msg is None:
        raise ArgError("message_not_found")
    if msg.get("bot_id") != ws.bot_id:
        raise ArgError("cant_update_message")
    if ch.is_archived:
        raise ArgError("is_archived")
    text, blocks, extra, warning = _content(args)
    msg.update(text=text, blocks=blocks, edited={"user": ws.bot_user_id, "ts": ws.next_ts()},
               **extra)
    return {"ok": True, "channel": ch.id, "ts": msg["ts"], "text": text,
            "message": ws.render_message(msg), **warning}


@handles("chat.postEphemeral")
def chat_post_ephemeral(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    """Show a message to one channel member; stored apart from channel messages."""
    ch = member_channel(ws, args["channel"], names=True)
    user = str(args["user"])
    if user not in ws.users or user not in ch.members:
        raise ArgError("user_not_in_channel")
    text, blocks, extra, warning = _content(args)
    ts = ws.next_ts()
    thread_ts = None if is_blank(args.get("thread_ts")) else str(args["thread_ts"])
    ws.ephemerals.append({"type": "message", "ts": ts, "channel": ch.id, "user": user,
                          "text": text, "blocks": blocks, "bot_id": ws.bot_id,
                          "thread_ts": thread_ts, **extra})
    return {"ok": True, "message_ts": ts, **warning}


@handles("chat.getPermalink")
def chat_get_permalink(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    """Permalink of a stored message."""
    ch = ws.resolve_channel(args["channel"])
    msg = ws.find_message(ch.id, str(args["message_ts"]))
    if msg is None:
        raise ArgError("message_not_found")
    return {"ok": True, "channel": ch.id, "permalink": ws.permalink(ch.id, msg)}


@handles("reactions.add")
def reactions_add(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    """The bot reacts to a message."""
    ch = ws.resolve_channel(args["channel"])
    msg = ws.find_message(ch.id, str(args["timestamp"]))
    if msg is None:
        raise ArgError("message_not_found")
    name = str(args["name"])
    if not REACTION_NAME.match(name):
        raise ArgError("invalid_name")
    if not ws.react(msg, ws.bot_user_id, name, add=True):
        raise ArgError("already_reacted")
    return {"ok": True}


@handles("users.info")
def users_info(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    """One user object."""
    return {"ok": True, "user": ws.render_user(ws.user(str(args["user"])))}
