"""Messages and reactions: anything that is an answer goes to the inbox before the ack.

Slack sends every message event in the channels the bot is in (joins, other bots, edits, file
shares...): all are acked; only answers to the bot's posts are kept.
"""

from __future__ import annotations

import json
import logging

from slack_bolt import Ack

from bot.slack.deps import Deps
from bot.slack.parse import parse_event
from bot.slack.registry import Registry

log = logging.getLogger(__name__)


def on_event(ack: Ack, body: dict, deps: Deps) -> None:
    """Put an answer in the inbox (a redelivery is recognised by its event id), then ack."""
    try:
        work = parse_event(body, deps.bot_user_id)
    except (KeyError, TypeError, ValueError, AttributeError):
        # An event shaped unlike any we know: still acked (or Slack retries it for an hour).
        log.warning("ignored an event we could not read: %s",
                    json.dumps(body.get("event"), default=str)[:500])
        work = None
    if work is not None and deps.inbox is not None:
        key, kind, payload, user = work
        if not deps.inbox.put(key, kind, payload, deps.clock.now(), user=user):
            log.debug("redelivery of %s ignored", key)
    ack()


def register(registry: Registry, deps: Deps) -> None:
    """Attach the message and reaction listeners."""

    def handler(ack: Ack, body: dict) -> None:
        on_event(ack, body, deps)

    registry.event_types("message", "reaction_added", "reaction_removed")(handler)
