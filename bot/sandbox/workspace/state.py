"""The fake workspace: channels, users, messages, views and files, rendered in Slack's shapes."""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from .spec import ArgError


@dataclass
class Channel:
    """A conversation: public or private channel, a DM (is_im) with `user`, or a group DM
    (is_mpim: private, named like mpdm-ada--bob-1)."""

    id: str
    name: str
    is_private: bool = False
    is_archived: bool = False
    members: set[str] = field(default_factory=set)
    created: int = 1700000000
    topic: str = ""
    purpose: str = ""
    is_im: bool = False
    user: str | None = None
    is_mpim: bool = False


@dataclass
class User:
    """A workspace member (or bot user)."""

    id: str
    name: str
    is_bot: bool = False
    deleted: bool = False
    tz: str = "Europe/London"
    real_name: str | None = None
    is_admin: bool = False


class Workspace:
    """All the fake's Slack-side state; callers hold the server's lock while using it."""

    def __init__(self, *, team_id: str, team_name: str, bot_user_id: str, bot_id: str,
                 bot_name: str, app_id: str, base_ts: int,
                 clock: Callable[[], float] | None = None) -> None:
        self.team_id, self.team_name = team_id, team_name
        self.bot_user_id, self.bot_id, self.bot_name, self.app_id = (
            bot_user_id, bot_id, bot_name, app_id)
        self.domain = re.sub(r"[^a-z0-9-]+", "-", team_name.lower()).strip("-") or "fake"
        self.base_ts = base_ts
        # With a clock (seconds since the epoch), timestamps follow it, as Slack's follow the
        # time; without one they count up from base_ts, so tests can predict them.
        self.clock = clock
        self._last_micros = base_ts * 1_000_000
        self.base_url = ""  # http://127.0.0.1:PORT, set when the server starts
        # Where permalinks point: Slack's archive URL, or (the sandbox) its own page.
        self.link_base: str | None = None
        self.channels: dict[str, Channel] = {}
        self.users: dict[str, User] = {}
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.ephemerals: list[dict[str, Any]] = []
        self.view_triggers: dict[str, str] = {}  # view id -> the trigger_id it opened from
        self.views: dict[str, dict[str, Any]] = {}
        self.home_views: dict[str, str] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self.triggers: dict[str, float] = {}
        self.trigger_ttl = 3.0
        self.tickets: set[str] = set()
        self.warnings: list[tuple[str, str]] = []
        self._ids = itertools.count(1)
        self.users[bot_user_id] = User(bot_user_id, bot_name, is_bot=True, real_name=bot_name)

    # -- ids and time

    def next_ts(self) -> str:
        """A new unique, increasing message timestamp like "1764000000.000100": the clock's
        time when there is one, never earlier than base_ts nor than the previous one."""
        now = int(self.clock() * 1_000_000) if self.clock is not None else 0
        self._last_micros = max(self._last_micros + 100, now)
        return f"{self._last_micros // 1_000_000}.{self._last_micros % 1_000_000:06d}"

    def new_id(self, prefix: str) -> str:
        """A new Slack-looking id such as F0000000003."""
        return f"{prefix}{next(self._ids):010d}"

    def issue_trigger(self, trigger_id: str | None = None) -> str:
        """Register a trigger_id, valid for trigger_ttl seconds, and return it."""
        trigger_id = trigger_id or f"{next(self._ids)}.{int(time.time())}.fake{next(self._ids)}"
        self.triggers[trigger_id] = time.monotonic()
        return trigger_id

    def use_trigger(self, trigger_id: str) -> None:
        """Raise invalid_trigger_id / expired_trigger_id unless trigger_id is fresh."""
        issued = self.triggers.get(trigger_id)
        if issued is None:
            raise ArgError("invalid_trigger_id")
        if time.monotonic() - issued > self.trigger_ttl:
            raise ArgError("expired_trigger_id")

    # -- lookups

    def resolve_channel(self, ref: Any, *, names: bool = False) -> Channel:
        """Find a channel by id (with names: also "#name", "name", or a user id for a DM)."""
        ref = str(ref)
        ch = self.channels.get(ref)
        if ch is None and names and ref in self.users:
            ch = self.open_dm(ref)
        if ch is None and names:
            name = ref.removeprefix("#")
            ch = next((c for c in self.channels.values() if c.name == name and not c.is_im), None)
        if ch is None or not self.visible(ch):
            raise ArgError("channel_not_found")
        return ch

    def visible(self, ch: Channel) -> bool:
        """Whether the bot can see the channel (private channels only when it is a member)."""
        return not ch.is_private or self.bot_user_id in ch.members

    def open_dm(self, user_id: str) -> Channel:
        """The DM channel between the bot and user_id, created on first use."""
        dm_id = "D" + user_id[1:]
        if dm_id not in self.channels:
            self.channels[dm_id] = Channel(dm_id, "", is_private=True, is_im=True, user=user_id,
                                           members={self.bot_user_id, user_id})
            self.messages[dm_id] = []
        return self.channels[dm_id]

    def user(self, user_id: str) -> User:
        """The user, or user_not_found."""
        if user_id not in self.users:
            raise ArgError("user_not_found")
        return self.users[user_id]

    def find_message(self, channel_id: str, ts: str) -> dict[str, Any] | None:
        """The stored message with this ts in the channel (thread replies included)."""
        return next((m for m in self.messages.get(channel_id, []) if m["ts"] == ts), None)

    def add_message(self, channel_id: str, text: str, *, user: str, thread_ts: str | None = None,
                    blocks: list | None = None, bot: bool = False, method: str = "add_message",
                    **extra: Any) -> dict[str, Any]:
        """Store a message; thread_ts of a reply moves to its parent, an unknown one is dropped."""
        if thread_ts is not None:
            parent = self.find_message(channel_id, thread_ts)
            if parent is None:
                # Slack posts to the channel when thread_ts matches nothing: note it for tests.
                self.warnings.append((method, "fake_thread_ts_not_found"))
                thread_ts = None
            else:
                thread_ts = parent.get("thread_ts") or parent["ts"]
        message = {
            "type": "message", "ts": self.next_ts(), "channel": channel_id, "text": text,
            "blocks": blocks or [], "user": user, "bot_id": self.bot_id if bot else None,
            "thread_ts": thread_ts, "team": self.team_id, **extra,
        }
        if bot:
            message["app_id"] = self.app_id
        self.messages.setdefault(channel_id, []).append(message)
        return message

    # -- rendering in Slack's shapes

    def render_message(self, m: dict[str, Any]) -> dict[str, Any]:
        """A stored message as the Web API shows it (no channel key, no empty fields)."""
        out = {k: v for k, v in m.items() if k != "channel" and v not in (None, [])}
        if m.get("bot_id"):
            out["bot_profile"] = {"id": self.bot_id, "app_id": self.app_id, "name": self.bot_name,
                                  "deleted": False, "team_id": self.team_id}
        replies = [r for r in self.messages.get(m["channel"], [])
                   if r.get("thread_ts") == m["ts"] and r["ts"] != m["ts"]]
        if replies and not m.get("thread_ts"):
            out.update(thread_ts=m["ts"], reply_count=len(replies),
                       reply_users=sorted({r["user"] for r in replies}),
                       reply_users_count=len({r["user"] for r in replies}),
                       latest_reply=replies[-1]["ts"])
        return out

    def render_channel(self, ch: Channel) -> dict[str, Any]:
        """A conversation object as conversations.info returns it."""
        if ch.is_im:
            return {"id": ch.id, "created": ch.created, "is_im": True, "is_org_shared": False,
                    "user": ch.user, "is_user_deleted": False, "priority": 0,
                    "context_team_id": self.team_id}
        legacy_group = ch.is_private and ch.id.startswith("G") and not ch.is_mpim
        return {
            "id": ch.id, "name": ch.name, "name_normalized": ch.name,
            "is_channel": not (legacy_group or ch.is_mpim), "is_group": legacy_group,
            "is_im": False,
            "is_mpim": ch.is_mpim, "is_private": ch.is_private, "created": ch.created,
            "is_archived": ch.is_archived, "is_general": False, "unlinked": 0,
            "is_shared": False, "is_org_shared": False, "is_ext_shared": False,
            "is_pending_ext_shared": False, "pending_shared": [], "context_team_id": self.team_id,
            "updated": ch.created * 1000, "parent_conversation": None, "creator": "",
            "is_member": self.bot_user_id in ch.members, "num_members": len(ch.members),
            "topic": {"value": ch.topic, "creator": "", "last_set": 0},
            "purpose": {"value": ch.purpose, "creator": "", "last_set": 0},
            "previous_names": [],
        }

    def render_user(self, u: User) -> dict[str, Any]:
        """A user object as users.info returns it."""
        zone = ZoneInfo(u.tz)
        now = datetime.now(UTC).astimezone(zone)
        offset = now.utcoffset()
        real_name = u.real_name or u.name
        profile = {
            "real_name": real_name, "real_name_normalized": real_name,
            "display_name": u.name, "display_name_normalized": u.name, "team": self.team_id,
            "image_48": f"https://avatars.example/{u.id}_48.png",
            "image_72": f"https://avatars.example/{u.id}_72.png",
        }
        if u.is_bot:
            profile["bot_id"] = self.bot_id if u.id == self.bot_user_id else "B" + u.id[1:]
        return {
            "id": u.id, "team_id": self.team_id, "name": u.name, "deleted": u.deleted,
            "color": "9f69e7", "real_name": real_name, "tz": u.tz, "tz_label": now.tzname(),
            "tz_offset": int(offset.total_seconds()) if offset else 0,
            "profile": profile, "is_admin": u.is_admin, "is_owner": False,
            "is_primary_owner": False, "is_restricted": False, "is_ultra_restricted": False,
            "is_bot": u.is_bot, "is_app_user": False, "updated": 1700000000,
        }

    def permalink(self, channel_id: str, m: dict[str, Any]) -> str:
        """The message's permalink, with the thread query for replies; with ``link_base``, an
        address on that page instead: ``BASE#CHANNEL/TS`` (a reply: ``BASE#CHANNEL/PARENT/TS``)."""
        reply = bool(m.get("thread_ts")) and m["thread_ts"] != m["ts"]
        if self.link_base is not None:
            return (f"{self.link_base}#{channel_id}/"
                    f"{m['thread_ts'] + '/' if reply else ''}{m['ts']}")
        link = f"https://{self.domain}.slack.com/archives/{channel_id}/p{m['ts'].replace('.', '')}"
        if reply:
            link += f"?thread_ts={m['thread_ts']}&cid={channel_id}"
        return link

    def react(self, message: dict[str, Any], user: str, name: str, add: bool) -> bool:
        """Add (or remove) ``user``'s ``name`` reaction on a stored message, in Slack's shape
        ({"name", "users", "count"}); False when it was already so."""
        reactions = message.setdefault("reactions", [])
        entry = next((r for r in reactions if r["name"] == name), None)
        if add == (entry is not None and user in entry["users"]):
            return False
        if entry is None:
            entry = {"name": name, "users": [], "count": 0}
            reactions.append(entry)
        if add:
            entry["users"].append(user)
        else:
            entry["users"].remove(user)
        entry["count"] = len(entry["users"])
        if not entry["users"]:
            reactions.remove(entry)
        return True
