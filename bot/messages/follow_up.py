"""The follow-up DM after a "take": pure Block Kit for the learning loop.

The DM is a small plan-do-check-act in plain words: what did you try, what happened, what will
you keep or adjust. People cannot type in leadbot's DM (its Messages tab is read-only), so the
DM says where to write: "Reflect on it" opens the private reflection form.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.messages import ids
from bot.messages.kit import Block, context, plain, section

PDCA_QUESTIONS = (
    "What did you try?",
    "What happened, and was it what you expected?",
    "What will you keep, or adjust, next time?",
)
WHERE_TO_WRITE = ("You cannot type in this chat: to write your answers down, press *Reflect on "
                  "it*. It opens a private form; only you see it unless you choose to share it.")
WRITE_IT_DOWN = "If you want to write it down, *Reflect on it* opens your private form."
OUTCOME_REPLIES = {
    "worked": "Good to hear. What made it work, and what will you keep or adjust next time? If "
              "others in the team could try the same, you might tell them. " + WRITE_IT_DOWN,
    "partly": "Partly is how most experiments go: now you can see which part worked. What will "
              "you keep, and what will you adjust next time? " + WRITE_IT_DOWN,
    "not_yet": "Thanks for saying so: not yet is fine. Your plan still stands if you still want "
               "it, whenever the moment comes. If it no longer fits, it is fine to let it go, "
               "without complaint: that is a fair choice too. If you want to note your plan "
               "for later, *Reflect on it* opens your private form.",
    "learned": "That is what an experiment is for. What did it teach you, and what will you keep "
               "or adjust next time? " + WRITE_IT_DOWN,
}
# The reflection form opened from a follow-up shows the same questions as its placeholder.
REFLECT_PLACEHOLDER = ("What did you try (or plan to try)? What happened? What will you keep or "
                       "adjust next time?")


def _when(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%a %d %b")


def follow_up_text(chosen_at: datetime, channel: str, tz: ZoneInfo) -> str:
    """The DM's notification text."""
    return (f"On {_when(chosen_at, tz)} you chose to take the lead in <#{channel}>. "
            "How did it go? What did you try, what happened, what will you adjust?")


def _reflect_button(follow_up_id: int) -> dict:
    return {"type": "button", "action_id": ids.OPEN_REFLECT_ACTION,
            "text": plain("Reflect on it"),
            "accessibility_label": "Write a reflection about taking the lead",
            "value": f"{ids.FOLLOW_UP_REFLECT_PREFIX}{follow_up_id}"}


def _outcome_buttons(follow_up_id: int, chosen: str | None = None) -> list[dict]:
    buttons = []
    for outcome, label in ids.FOLLOW_UP_OUTCOMES.items():
        button = {"type": "button", "action_id": f"leadbot_followup_{outcome}",
                  "text": plain(label), "value": str(follow_up_id),
                  "accessibility_label": f"How it went: {label.lower()}"}
        if outcome == chosen:
            button["style"] = "primary"
            button["accessibility_label"] += " (your answer)"
        buttons.append(button)
    return buttons


def follow_up_blocks(follow_up_id: int, chosen_at: datetime, channel: str, tz: ZoneInfo,
                     permalink: str | None = None) -> list[Block]:
    """The three check-and-adjust questions, four answers, and where to write (the form)."""
    prompt = f"<{permalink}|the prompt>" if permalink else "the prompt"
    questions = "\n".join(f"• *{question}*" for question in PDCA_QUESTIONS)
    return [
        section(f"On *{_when(chosen_at, tz)}* you chose to *take the lead* on {prompt} in "
                f"<#{channel}>. Taking the lead is a small experiment, and looking back is "
                f"how it teaches you something. If you wish, take a minute with three "
                f"questions:\n{questions}"),
        section(f"*How did it go?* Pick one if you like. {WHERE_TO_WRITE}"),
        {"type": "actions", "block_id": ids.FOLLOW_UP_BLOCK,
         "elements": [*_outcome_buttons(follow_up_id), _reflect_button(follow_up_id)]},
        context("Only you see this in Slack. No answer is needed; leadbot asks once per "
                "choice and will not ask again."),
    ]


def follow_up_answered(follow_up_id: int, outcome: str, chosen_at: datetime, channel: str,
                       tz: ZoneInfo) -> list[Block]:
    """The DM after an answer: what was noted, a fitting next step, and the buttons again (the
    answer can change: "not yet" may become "it worked")."""
    label = ids.FOLLOW_UP_OUTCOMES[outcome]
    return [
        section(f"Taking the lead on {_when(chosen_at, tz)} in <#{channel}>: noted *{label}*.\n"
                + OUTCOME_REPLIES[outcome]),
        {"type": "actions", "block_id": ids.FOLLOW_UP_BLOCK,
         "elements": [*_outcome_buttons(follow_up_id, outcome), _reflect_button(follow_up_id)]},
        context("Tried it later, or see it differently now? Pick another answer; the latest "
                "one counts."),
    ]
