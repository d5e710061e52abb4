"""The follow / take / pass buttons: into the inbox, ack; the inbox worker does the rest."""

from __future__ import annotations

import re

from slack_bolt import Ack

from bot.messages import ids
from bot.slack.deps import Deps
from bot.slack.parse import parse_click
from bot.slack.registry import Registry


def on_choice(ack: Ack, body: dict, deps: Deps) -> None:
    """Store the click durably, then ack (Slack allows 3 seconds)."""
    work = parse_click(body)
    if work is not None and deps.inbox is not None:
        key, kind, payload, user = work
        deps.inbox.put(key, kind, payload, deps.clock.now(), user=user)
    ack()


def register(registry: Registry, deps: Deps) -> None:
    """Attach the choice listeners."""

    @registry.action(re.compile(ids.CHOICE_ACTION_PATTERN))
    def handler(ack: Ack, body: dict) -> None:
        on_choice(ack, body, deps)
