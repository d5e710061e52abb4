"""Answers to the bot's posts: choices, thread replies (with edits and deletions), reactions.

Every function takes plain values and is safe to run twice with the same input: the inbox
retries failed work, and Slack redelivers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.clock import Clock
from bot.store import CHOICES, Store


def slack_time(ts: str) -> datetime:
    """A Slack ``ts`` ("1700000000.000100") as an aware UTC datetime."""
    return datetime.fromtimestamp(float(ts), UTC)


@dataclass(frozen=True)
class Reply:
    """A message posted in a thread."""

    channel: str
    thread_ts: str
    ts: str
    user: str
    text: str


@dataclass(frozen=True)
class Edit:
    """A message's new text (``message_changed``)."""

    channel: str
    thread_ts: str
    ts: str
    user: str
    text: str
    edited_ts: str


@dataclass(frozen=True)
class Delete:
    """A deleted message (``message_deleted``); thread and author when Slack says them."""

    channel: str
    ts: str
    thread_ts: str | None
    user: str | None
    event_ts: str


@dataclass(frozen=True)
class Reaction:
    """An emoji reaction added to or removed from a message."""

    channel: str
    ts: str
    user: str
    reaction: str
    added: bool
    event_ts: str


@dataclass(frozen=True)
class Click:
    """A click on follow / take / pass."""

    channel: str
    message_ts: str
    user: str
    choice: str
    action_ts: str


@dataclass(frozen=True)
class ClickOutcome:
    """What a click changed, for the confirmation and the live counts."""

    post_id: int | None
    previous: str | None
    choice: str
    counts: dict[str, list[str]]
    # the post as it was posted, to redraw with the new counts (None: nothing to redraw)
    blocks: list[dict] | None = None
    text: str = ""

    @property
    def known_post(self) -> bool:
        """False when the click was on a message leadbot has no record of."""
        return self.post_id is not None


def record_reply(store: Store, reply: Reply) -> bool:
    """Store a reply to one of the bot's posts once; False if ignored or already stored."""
    post_id = store.post_id_by_ts(reply.channel, reply.thread_ts)
    if post_id is None:
        return False
    return store.record_reply(channel=reply.channel, thread_ts=reply.thread_ts, ts=reply.ts,
                              user=reply.user, text=reply.text, at=slack_time(reply.ts),
                              post_id=post_id)


def record_replies(store: Store, replies: list[Reply]) -> int:
    """Many replies at once (a busy thread); those not to the bot's posts are ignored."""
    rows = []
    for reply in replies:
        post_id = store.post_id_by_ts(reply.channel, reply.thread_ts)
        if post_id is not None:
            rows.append(dict(post_id=post_id, channel=reply.channel, thread_ts=reply.thread_ts,
                             ts=reply.ts, user=reply.user, text=reply.text,
                             at=slack_time(reply.ts)))
    return store.record_replies(rows)


def apply_edit(store: Store, edit: Edit) -> str:
    """Keep the latest words of a reply: 'updated', 'stored', 'stale', 'deleted' or 'ignored'."""
    post = store.post_by_ts(edit.channel, edit.thread_ts)
    if post is None:
        return "ignored"
    return store.edit_reply(channel=edit.channel, thread_ts=edit.thread_ts, ts=edit.ts,
                            user=edit.user, text=edit.text, at=slack_time(edit.ts),
                            edited_ts=edit.edited_ts, edited_at=slack_time(edit.edited_ts),
                            post_id=post["id"])


def apply_delete(store: Store, delete: Delete) -> str:
    """Remove a reply's words (a tombstone keeps a late copy out): the store's answer."""
    known = store.reply(delete.channel, delete.ts)
    thread_ts = delete.thread_ts or (known or {}).get("thread_ts")
    post = store.post_by_ts(delete.channel, thread_ts) if thread_ts else None
    if post is None and known is None:
        return "ignored"
    return store.delete_reply(channel=delete.channel, thread_ts=thread_ts or "", ts=delete.ts,
                              user=delete.user, at=slack_time(delete.event_ts),
                              post_id=post["id"] if post else None)


def record_reaction(store: Store, reaction: Reaction) -> bool:
    """Record a reaction on one of the bot's posts; False if ignored or unchanged."""
    post = store.post_by_ts(reaction.channel, reaction.ts)
    if post is None:
        return False
    return store.set_reaction(post_id=post["id"], channel=reaction.channel, user=reaction.user,
                              reaction=reaction.reaction, at=slack_time(reaction.event_ts),
                              added=reaction.added)


def record_click(store: Store, clock: Clock, click: Click) -> ClickOutcome:
    """Record a choice (latest wins, history kept, a repeat recorded once) and the counts."""
    if click.choice not in CHOICES:
        raise ValueError(f"unknown choice {click.choice!r}")
    post = store.post_by_ts(click.channel, click.message_ts)
    if post is None:
        return ClickOutcome(None, None, click.choice, {})
    previous = store.current_choice(post["id"], click.user)
    store.record_choice(post["id"], click.user, click.choice, clock.now())
    return ClickOutcome(post["id"], previous, click.choice, store.choice_counts(post["id"]),
                        json.loads(post["blocks"]) if post.get("blocks") else None,
                        post.get("text") or "")
