"""What the inbox worker does with each kind of work: call the service, then answer in Slack."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient

from bot.messages.prompt import (
    build_choice_confirmation,
    build_counts_block,
    unknown_post_text,
    with_counts,
)
from bot.services import answers
from bot.slack import deferred
from bot.slack.deps import Deps
from bot.slack.errors import best_effort
from bot.slack.home import publish_home
from bot.worker import Handler, ManyHandler

log = logging.getLogger(__name__)


def handlers(deps: Deps, client: WebClient | None) -> dict[str, Handler]:
    """The inbox handlers, by kind."""
    store = deps.store
    return {
        **deferred.handlers(deps, client),
        "reply": lambda p: answers.record_reply(store, answers.Reply(**p)),
        "edit": lambda p: answers.apply_edit(store, answers.Edit(**p)),
        "delete": lambda p: answers.apply_delete(store, answers.Delete(**p)),
        "reaction": lambda p: answers.record_reaction(store, answers.Reaction(**p)),
        "click": lambda p: handle_click(deps, client, p),
        "home": lambda p: publish_home(deps, client, p["user"]),
        "ephemeral": lambda p: best_effort(client.chat_postEphemeral, **p),
    }


def many_handlers(deps: Deps) -> dict[str, ManyHandler]:
    """Handlers for the kinds that only touch the database, taking many items at once."""
    store = deps.store
    single = handlers(deps, None)

    def each(kind: str) -> ManyHandler:
        return lambda payloads: [single[kind](p) for p in payloads]

    return {
        "reply": lambda ps: answers.record_replies(store, [answers.Reply(**p) for p in ps]),
        "edit": each("edit"), "delete": each("delete"), "reaction": each("reaction"),
    }


def handle_click(deps: Deps, client: WebClient, payload: dict[str, Any]) -> None:
    """Record the choice, confirm it privately, refresh the live counts on the prompt."""
    click = answers.Click(**payload)
    outcome = answers.record_click(deps.store, deps.clock, click)
    # A confirmation that cannot reach the person (they left the channel) does not stop the
    # live counts from being updated.
    if not outcome.known_post:
        best_effort(client.chat_postEphemeral, channel=click.channel, user=click.user,
                    text=unknown_post_text())
        return
    best_effort(client.chat_postEphemeral, channel=click.channel, user=click.user,
                text=build_choice_confirmation(click.choice, outcome.previous))
    if not outcome.blocks:
        return
    channel = deps.channels.config_of(click.channel)
    show_names = bool(channel and channel.show_names)
    blocks = with_counts(outcome.blocks, build_counts_block(outcome.counts, show_names))
    client.chat_update(channel=click.channel, ts=click.message_ts, blocks=blocks,
                       text=outcome.text)
