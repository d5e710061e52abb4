"""Pure Block Kit builders for the learning loop: the follow-up DM after a "take"."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.slack import ids
from bot.slack.blocks import Block, mrkdwn, plain

OUTCOME_REPLIES = {
    "worked": "Good to hear. What made it work? Others in the team could try the same.",
    "partly": "Partly is how most experiments go. What would you adjust next time?",
    "not_yet": "Not yet is a result too: you tried, and now you know more. What got in the "
               "way?",
    "learned": "That is the point of trying. Write it down while it is fresh, if you like.",
}


def _when(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%a %d %b")


def follow_up_text(chosen_at: datetime, channel: str, tz: ZoneInfo) -> str:
    """The DM's notification text."""
    return (f"On {_when(chosen_at, tz)} you chose to take the lead in <#{channel}>. "
            "How did it go?")


def _reflect_button(follow_up_id: int) -> dict:
    return {"type": "button", "action_id": ids.OPEN_REFLECT_ACTION,
            "text": plain("Reflect on it"),
            "accessibility_label": "Write a reflection about taking the lead",
            "value": f"{ids.FOLLOW_UP_REFLECT_PREFIX}{follow_up_id}"}


def follow_up_blocks(follow_up_id: int, chosen_at: datetime, channel: str, tz: ZoneInfo,
                     permalink: str | None = None) -> list[Block]:
    """How did it go? Four answers, and the reflection form linked to the choice."""
    prompt = f"<{permalink}|the prompt>" if permalink else "the prompt"
    buttons = [{"type": "button", "action_id": f"leadbot_followup_{outcome}",
                "text": plain(label), "value": str(follow_up_id),
                "accessibility_label": f"How it went: {label.lower()}"}
               for outcome, label in ids.FOLLOW_UP_OUTCOMES.items()]
    return [
        {"type": "section", "text": mrkdwn(
            f"On *{_when(chosen_at, tz)}* you chose to *take the lead* on {prompt} in "
            f"<#{channel}>. Taking the lead is a small experiment: you tried something, so "
            "now is the time to check what happened.\n*How did it go?*")},
        {"type": "actions", "block_id": ids.FOLLOW_UP_BLOCK,
         "elements": [*buttons, _reflect_button(follow_up_id)]},
        {"type": "context", "elements": [mrkdwn(
            "Only you see this. One question per choice; leadbot will not ask again.")]},
    ]


def follow_up_answered(follow_up_id: int, outcome: str, chosen_at: datetime, channel: str,
                       tz: ZoneInfo) -> list[Block]:
    """The DM after an answer: what was noted, a next step, the reflection button."""
    label = ids.FOLLOW_UP_OUTCOMES[outcome]
    return [
        {"type": "section", "text": mrkdwn(
            f"Taking the lead on {_when(chosen_at, tz)} in <#{channel}>: noted *{label}*. "
            + OUTCOME_REPLIES[outcome])},
        {"type": "actions", "block_id": ids.FOLLOW_UP_BLOCK,
         "elements": [_reflect_button(follow_up_id)]},
    ]
