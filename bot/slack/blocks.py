"""Pure Block Kit builders: plain data in, Slack's message payloads out."""

from __future__ import annotations

from typing import Any

from bot.services.content import NudgeContent, PromptContent
from bot.slack import ids

Block = dict[str, Any]

# Slack's limits (https://docs.slack.dev/reference/block-kit/blocks)
SECTION_TEXT_MAX = 3000
CONTEXT_TEXT_MAX = 2000
BUTTON_TEXT_MAX = 75


def _mrkdwn(text: str) -> dict:
    return {"type": "mrkdwn", "text": text}


def _plain(text: str) -> dict:
    return {"type": "plain_text", "text": text, "emoji": True}


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quote(text: str) -> str:
    """Slack blockquote: every line prefixed with '>'."""
    return "\n".join(f">{line}" if line else ">" for line in text.splitlines())


def build_prompt_blocks(content: PromptContent) -> list[Block]:
    """The refrain prompt: quote with attribution, context, the three choices, a reply invite."""
    buttons = []
    for choice, action_id in ids.CHOICE_ACTIONS.items():
        button = {
            "type": "button",
            "action_id": action_id,
            "text": _plain(ids.CHOICE_LABELS[choice]),
            "value": choice,
        }
        if choice == "take":
            button["style"] = "primary"
        buttons.append(button)
    refrain = f"{quote(content.refrain)}\n— _{content.attribution}_"
    return [
        {"type": "section", "block_id": "leadbot_refrain",
         "text": _mrkdwn(_clip(refrain, SECTION_TEXT_MAX))},
        {"type": "context", "block_id": "leadbot_context",
         "elements": [_mrkdwn(_clip(content.context, CONTEXT_TEXT_MAX))]},
        {"type": "actions", "block_id": ids.CHOICE_BLOCK, "elements": buttons},
        {"type": "context", "block_id": "leadbot_invite",
         "elements": [_mrkdwn(":speech_balloon: " + content.invitation)]},
    ]


def prompt_text(content: PromptContent) -> str:
    """The notification / fallback text of a prompt."""
    return content.fallback_text()


def build_nudge_blocks(content: NudgeContent) -> list[Block]:
    """A behaviour nudge: its theme, the nudge, and a reply invitation."""
    return [
        {"type": "section", "block_id": "leadbot_nudge",
         "text": _mrkdwn(_clip(f"*{content.theme}*\n{content.text}", SECTION_TEXT_MAX))},
        {"type": "context", "block_id": "leadbot_invite",
         "elements": [_mrkdwn(f"Behaviour nudge · `{content.behavior}` · " + content.invitation)]},
    ]


def build_choice_confirmation(choice: str) -> str:
    """The short ephemeral answer to a click (richer wording arrives with the answers work)."""
    return {
        "follow": "Noted: you'll follow. Backing good leadership is leadership too.",
        "take": "Noted: you'll take the lead. Pick one small step you can see by Friday.",
        "pass": "Noted: not this time. That's a fair choice; no complaints needed either way.",
    }[choice]
