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


OPTION_TEXT_MAX = 75


def option(text: str, value: str, description: str | None = None) -> dict:
    """A select / radio / checkbox option (Slack caps its text at 75 characters)."""
    out = {"text": _plain(_clip(text, OPTION_TEXT_MAX)), "value": value}
    if description:
        out["description"] = _plain(_clip(description, OPTION_TEXT_MAX))
    return out


def theme_input(themes: dict[str, str], chosen: str | None, ids_pair: tuple[str, str],
                label: str) -> Block:
    """An optional "which behaviour" select over the library's themes (at most 100)."""
    element: dict[str, Any] = {
        "type": "static_select", "action_id": ids_pair[1],
        "placeholder": _plain("Pick a behaviour"),
        "options": [option(name, key) for key, name in list(themes.items())[:100]]}
    if chosen in themes:
        element["initial_option"] = option(themes[chosen], chosen)
    return {"type": "input", "block_id": ids_pair[0], "optional": True, "element": element,
            "label": _plain(label)}


def escape(text: str) -> str:
    """People's own words made safe for mrkdwn: Slack reads &, < and > as markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quote(text: str) -> str:
    """Slack blockquote: every line prefixed with '>'."""
    return "\n".join(f">{line}" if line else ">" for line in text.splitlines())


CHOICE_ACCESSIBLE = {
    "follow": "Choose follow: back someone who is leading well",
    "take": "Choose take the lead: lead where nobody is",
    "pass": "Choose pass: let it go this time, without complaint",
}


def build_prompt_blocks(content: PromptContent) -> list[Block]:
    """The refrain prompt: quote with attribution, context, the three choices, "I saw good
    leadership" (a sighting), a reply invite."""
    buttons = []
    for choice, action_id in ids.CHOICE_ACTIONS.items():
        button = {
            "type": "button",
            "action_id": action_id,
            "text": _plain(ids.CHOICE_LABELS[choice]),
            "value": choice,
            "accessibility_label": CHOICE_ACCESSIBLE[choice],
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
        {"type": "actions", "block_id": ids.SIGHTING_PROMPT_BLOCK, "elements": [
            {"type": "button", "action_id": ids.SIGHTING_PROMPT_ACTION,
             "text": _plain("I saw good leadership"), "value": "prompt",
             "accessibility_label": "Record good leadership you saw in a teammate"}]},
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


COUNTS_BLOCK = "leadbot_counts"


def build_counts_block(counts: dict[str, list[str]], show_names: bool) -> Block:
    """"3 follow · 2 take · 1 pass", naming people only when the channel says so."""
    parts = []
    for choice in ("follow", "take", "pass"):
        people = counts.get(choice, [])
        part = f"{len(people)} {choice}"
        if show_names and people:
            part += " (" + ", ".join(f"<@{user}>" for user in people) + ")"
        parts.append(part)
    return {"type": "context", "block_id": COUNTS_BLOCK,
            "elements": [_mrkdwn(_clip(" · ".join(parts), CONTEXT_TEXT_MAX))]}


def with_counts(blocks: list[Block], counts_block: Block) -> list[Block]:
    """The prompt's blocks with the counts line after the buttons (replacing an older one)."""
    out = [b for b in blocks if b.get("block_id") != COUNTS_BLOCK]
    at = next((i + 1 for i, b in enumerate(out) if b.get("block_id") == ids.CHOICE_BLOCK),
              len(out))
    return [*out[:at], counts_block, *out[at:]]


CHOICE_WORDS = {"follow": "follow", "take": "take the lead", "pass": "pass"}
CONFIRMATIONS = {
    "follow": "Noted: you'll follow. Backing someone who leads well is leadership too; tell "
              "them what you saw, if you like.",
    "take": "Noted: you'll take the lead. This week that could be one small, visible step: "
            "ask the question nobody asks, fix one snag where the work happens, or invite the "
            "person closest to the problem to decide. Say in the thread what you'll try.",
    "pass": "Noted: not this time. Letting it go is a fair choice; the refrain only asks that "
            "we don't complain about what we chose not to take. Maybe next time.",
}


def build_choice_confirmation(choice: str, previous: str | None = None) -> str:
    """The private answer to a click, fitting the choice (and saying when it changed)."""
    if previous == choice:
        return f"You already chose *{CHOICE_WORDS[choice]}* on this prompt; still noted."
    text = CONFIRMATIONS[choice]
    if previous:
        text = f"Changed from _{CHOICE_WORDS[previous]}_ to _{CHOICE_WORDS[choice]}_. " + text
    return text


def unknown_post_text() -> str:
    """The answer to a click on a message leadbot has no record of."""
    return "That prompt is not in leadbot's records (it may have been forgotten), so nothing " \
           "was recorded."
