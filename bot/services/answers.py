"""Answers to the bot's posts: the follow / take / pass choices."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.store import CHOICES, Store


@dataclass(frozen=True)
class ChoiceResult:
    """What a click did."""

    recorded: bool  # False: unknown post or a repeat of the current choice
    known_post: bool
    choice: str


def record_choice(store: Store, clock: Clock, *, channel: str, message_ts: str, user: str,
                  choice: str) -> ChoiceResult:
    """Record ``user``'s choice on the bot's post at (channel, message_ts); latest wins."""
    if choice not in CHOICES:
        raise ValueError(f"unknown choice {choice!r}")
    post = store.post_by_ts(channel, message_ts)
    if post is None:
        return ChoiceResult(False, False, choice)
    return ChoiceResult(store.record_choice(post["id"], user, choice, clock.now()), True, choice)
