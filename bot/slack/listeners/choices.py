"""The follow / take / pass buttons on the prompt message."""

from __future__ import annotations

import re

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.services.answers import record_choice
from bot.slack import ids
from bot.slack.blocks import build_choice_confirmation
from bot.slack.context import Services
from bot.slack.registry import Registry


def on_choice(ack: Ack, body: dict, client: WebClient, services: Services) -> None:
    """Record the click and answer the person privately."""
    ack()
    action = body["actions"][0]
    channel = body["channel"]["id"]
    user = body["user"]["id"]
    choice = action["value"]
    result = record_choice(services.store, services.clock, channel=channel,
                           message_ts=body["container"]["message_ts"], user=user, choice=choice)
    if not result.known_post:
        text = "That prompt is not in leadbot's records any more, so nothing was recorded."
    else:
        text = build_choice_confirmation(choice)
    client.chat_postEphemeral(channel=channel, user=user, text=text)


def register(registry: Registry, services: Services) -> None:
    """Attach the choice listeners."""

    @registry.action(re.compile(ids.CHOICE_ACTION_PATTERN))
    def handler(ack: Ack, body: dict, client: WebClient) -> None:
        on_choice(ack, body, client, services)
