"""Which OAuth scope each Web API method needs, as Slack checks it for a bot token.

Slack answers a call made without the scope ``{"ok": false, "error": "missing_scope",
"needed": "im:read", "provided": "chat:write,..."}``. The conversations.* methods need a scope
per kind of conversation: ``conversations.info`` on a DM needs ``im:read``, on a group DM
``mpim:read``, on a private channel ``groups:read``, on a public one ``channels:read``.

Sources: each method's reference page (https://docs.slack.dev/reference/methods/METHOD, "Required
scopes", bot token) and Slack's Web API spec, whose ``security`` lists the same per-kind
alternatives (in its older names: ``chat:write:bot`` for ``chat:write``, ``channels:write`` for
``channels:join``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .spec import ArgError
from .state import Channel, Workspace

# The bot scopes config/manifest.yaml grants; the fake grants these unless told otherwise, so
# tests and the sandbox meet the same refusals a real install would. A test keeps them in step.
DEFAULT_BOT_SCOPES = (
    "chat:write", "channels:read", "groups:read", "channels:join", "channels:history",
    "groups:history", "reactions:read", "commands", "im:write", "files:write", "users:read",
)

# Per kind of conversation: public channel, private channel, DM, group DM.
READ = {"public": "channels:read", "private": "groups:read", "im": "im:read",
        "mpim": "mpim:read"}
HISTORY = {"public": "channels:history", "private": "groups:history", "im": "im:history",
           "mpim": "mpim:history"}
TYPES = {"public_channel": "channels:read", "private_channel": "groups:read", "im": "im:read",
         "mpim": "mpim:read"}

# Methods whose scope does not depend on the conversation: method -> scope (None: no scope).
FIXED: dict[str, str | None] = {
    "auth.test": None,
    "apps.connections.open": "connections:write",  # an app-level token's scope
    "chat.postMessage": "chat:write",
    "chat.postEphemeral": "chat:write",
    "chat.update": "chat:write",
    "chat.getPermalink": None,
    "conversations.join": "channels:join",
    "users.info": "users:read",
    "reactions.add": "reactions:write",
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
    "views.open": None,
    "views.push": None,
    "views.update": None,
    "views.publish": None,
}
# Methods that take a `channel` and need the scope of its kind.
BY_KIND: dict[str, dict[str, str]] = {
    "conversations.info": READ,
    "conversations.members": READ,
    "conversations.history": HISTORY,
    "conversations.replies": HISTORY,
}
APP_TOKEN_SCOPES = ("connections:write",)


def kind(ch: Channel) -> str:
    """public, private, im or mpim."""
    if ch.is_im:
        return "im"
    if ch.is_mpim:
        return "mpim"
    return "private" if ch.is_private else "public"


def needed(ws: Workspace, method: str, args: dict[str, Any]) -> str | None:
    """The scope ``method`` needs with these arguments (None: none, or not known here).

    Raises ArgError("channel_not_found") first where the conversation does not exist, as Slack
    does before it looks at scopes."""
    if method in FIXED:
        return FIXED[method]
    if method in BY_KIND:
        channel = args.get("channel")
        if channel is None:
            return None  # the missing argument is reported by the argument checks
        return BY_KIND[method][kind(ws.resolve_channel(channel))]
    if method == "conversations.list":
        types = str(args.get("types") or "public_channel").split(",")
        scopes = [TYPES[t.strip()] for t in types if t.strip() in TYPES]
        return ",".join(dict.fromkeys(scopes)) or None
    if method == "conversations.open":
        users = [u for u in str(args.get("users") or "").split(",") if u]
        return "mpim:write" if len(users) > 1 else "im:write"
    return None


def check(ws: Workspace, method: str, args: dict[str, Any], granted: Iterable[str]) -> None:
    """Raise ArgError("missing_scope", needed=..., provided=...) unless ``granted`` covers it.

    For several types at once (conversations.list) Slack names every scope still needed."""
    scopes = needed(ws, method, args)
    if not scopes:
        return
    have = set(granted)
    missing = [s for s in scopes.split(",") if s not in have]
    if missing:
        raise ArgError("missing_scope", needed=",".join(missing), provided=",".join(granted))
