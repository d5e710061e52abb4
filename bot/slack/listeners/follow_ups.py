"""The answers to a follow-up DM: it worked / partly / not yet / I learned something."""

from __future__ import annotations

import re

from slack_bolt import Ack, Respond

from bot.clock import from_iso
from bot.messages import ids
from bot.messages.follow_up import follow_up_answered
from bot.services import follow_ups
from bot.slack.deps import Deps
from bot.slack.listeners.reflect import refresh_home
from bot.slack.registry import Registry


def on_outcome(ack: Ack, body: dict, respond: Respond, deps: Deps) -> None:
    """Store how it went (the latest answer wins) and show it in the DM."""
    ack()
    action = (body.get("actions") or [{}])[0]
    match = re.match(ids.FOLLOW_UP_ACTION_PATTERN, action.get("action_id", ""))
    user = (body.get("user") or {}).get("id", "")
    outcome = match.group(1) if match else None
    row = outcome and follow_ups.answer(deps.store, deps.clock, user,
                                        action.get("value") or "", outcome)
    if not row:
        respond(text="That follow-up is no longer stored (it may have been forgotten), so "
                     "nothing was recorded.", replace_original=False)
        return
    channel = deps.channels.config_of(row["channel"])
    tz = channel.tz if channel else deps.config.timezone
    blocks = follow_up_answered(row["id"], outcome, from_iso(row["chosen_at"]), row["channel"],
                                tz)
    respond(text=f"Noted: {ids.FOLLOW_UP_OUTCOMES[outcome]}.", blocks=blocks,
            replace_original=True)
    refresh_home(deps, user)


def register(registry: Registry, deps: Deps) -> None:
    """Attach the follow-up answer buttons."""

    @registry.action(re.compile(ids.FOLLOW_UP_ACTION_PATTERN))
    def outcome(ack: Ack, body: dict, respond: Respond) -> None:
        on_outcome(ack, body, respond, deps)
