"""Pure Block Kit builders for the refrain prompt and the behaviour nudges, from the plain
content a service picked: the buttons, the live counts, the private answer to a click."""

from __future__ import annotations

from dataclasses import dataclass

from bot.messages import ids
from bot.messages.kit import (
    HEADER_TEXT_MAX,
    SECTION_TEXT_MAX,
    Block,
    clip,
    context,
    escape,
    plain,
    quote,
    section,
)

REPLY_INVITATION = "Reply in the thread: what will you follow, take or let go this week?"
NUDGE_INVITATION = "Try it if you wish, and tell the team in the thread how it went."


@dataclass(frozen=True)
class PromptContent:
    """The refrain prompt."""

    refrain: str
    attribution: str
    context: str
    invitation: str = REPLY_INVITATION

    def fallback_text(self) -> str:
        """Plain text for notifications and clients without Block Kit."""
        return f"{self.refrain} (— {self.attribution})\n{self.context}"


@dataclass(frozen=True)
class NudgeContent:
    """One behaviour nudge with its theme (id, and the name shown)."""

    nudge_id: str
    theme_id: str
    theme: str
    text: str
    invitation: str = NUDGE_INVITATION

    def fallback_text(self) -> str:
        """Plain text for notifications and clients without Block Kit."""
        return f"{self.theme}: {self.text}"


CHOICE_ACCESSIBLE = {
    "follow": "Choose follow: back someone who is leading well",
    "take": "Choose take the lead: lead where nobody is",
    "pass": "Choose pass: let it go this time, without complaint",
}


NAMES_NOTICE = ("This channel shows who chose follow or take the lead under each prompt; "
                "a pass is only counted, never named.")


def build_prompt_blocks(content: PromptContent, show_names: bool = False) -> list[Block]:
    """The refrain prompt: quote with attribution, context, the three choices, "I saw good
    leadership" (a sighting), a reply invite. The library's words are escaped and clipped.

    The three buttons look alike: none is styled as the one to press ("if you wish"). In a
    channel that shows names, the prompt says so before anyone clicks."""
    buttons = [{"type": "button", "action_id": action_id,
                "text": plain(ids.CHOICE_LABELS[choice]), "value": choice,
                "accessibility_label": CHOICE_ACCESSIBLE[choice]}
               for choice, action_id in ids.CHOICE_ACTIONS.items()]
    attribution = f"\n— _{clip(escape(content.attribution), 200)}_"
    refrain = clip(quote(escape(content.refrain)), SECTION_TEXT_MAX - len(attribution))
    return [
        section(refrain + attribution, "leadbot_refrain"),
        context(escape(content.context), "leadbot_context"),
        {"type": "actions", "block_id": ids.CHOICE_BLOCK, "elements": buttons},
        {"type": "actions", "block_id": ids.SIGHTING_PROMPT_BLOCK, "elements": [
            {"type": "button", "action_id": ids.SIGHTING_PROMPT_ACTION,
             "text": plain("I saw good leadership"), "value": "prompt",
             "accessibility_label": "Record good leadership you saw in a teammate"}]},
        context(":speech_balloon: " + escape(content.invitation)
                + (f"\n:busts_in_silhouette: {NAMES_NOTICE}" if show_names else ""),
                "leadbot_invite"),
    ]


def prompt_text(content: PromptContent) -> str:
    """The notification / fallback text of a prompt (Slack reads it as mrkdwn too)."""
    return escape(content.fallback_text())


def nudge_text(content: NudgeContent) -> str:
    """The notification / fallback text of a nudge (Slack reads it as mrkdwn too)."""
    return escape(content.fallback_text())


def build_nudge_blocks(content: NudgeContent) -> list[Block]:
    """A behaviour nudge: its theme, the nudge, and a reply invitation (escaped, clipped)."""
    theme = clip(escape(content.theme), HEADER_TEXT_MAX)
    return [
        section(f"*{theme}*\n{escape(content.text)}", "leadbot_nudge"),
        context(f"Behaviour nudge · {clip(escape(content.theme), HEADER_TEXT_MAX)} · "
                + escape(content.invitation), "leadbot_invite"),
    ]


COUNTS_BLOCK = "leadbot_counts"


def build_counts_block(counts: dict[str, list[str]], show_names: bool) -> Block:
    """"3 follow · 2 take · 1 pass", naming who chose follow or take only when the channel
    says so. Passing is a legitimate choice ("If you don't, don't complain"): it is counted,
    never named."""
    parts = []
    for choice in ("follow", "take", "pass"):
        people = counts.get(choice, [])
        part = f"{len(people)} {choice}"
        if show_names and people and choice != "pass":
            part += " (" + ", ".join(f"<@{user}>" for user in people) + ")"
        parts.append(part)
    return context(" · ".join(parts), COUNTS_BLOCK)


def with_counts(blocks: list[Block], counts_block: Block) -> list[Block]:
    """The prompt's blocks with the counts line after the buttons (replacing an older one)."""
    out = [b for b in blocks if b.get("block_id") != COUNTS_BLOCK]
    at = next((i + 1 for i, b in enumerate(out) if b.get("block_id") == ids.CHOICE_BLOCK),
              len(out))
    return [*out[:at], counts_block, *out[at:]]


CHOICE_WORDS = {"follow": "to follow", "take": "to take the lead", "pass": "to let it go"}
CONFIRMATIONS = {
    "follow": "Noted: you'll follow. Backing someone who leads well is leadership too; tell "
              "them what you saw, if you like.",
    "take": "Noted: you'll take the lead. This week that could be one small, visible step: "
            "ask the question nobody asks, fix one snag where the work happens, or invite the "
            "person closest to the problem to decide. Say in the thread what you'll try.",
    "pass": "Noted: you'll let this one go. That is one of the refrain's three choices, as "
            "good as the others; it only asks that we don't complain about what we chose not "
            "to take.",
}


def build_choice_confirmation(choice: str, previous: str | None = None) -> str:
    """The private answer to a click, fitting the choice (and saying when it changed)."""
    if previous == choice:
        return (f"You had already chosen *{CHOICE_WORDS[choice]}* on this prompt; it stays "
                "noted.")
    text = CONFIRMATIONS[choice]
    if previous:
        text = (f"You changed your choice: now _{CHOICE_WORDS[choice]}_ (before: "
                f"_{CHOICE_WORDS[previous]}_). " + text)
    return text


def unknown_post_text() -> str:
    """The answer to a click on a message leadbot has no record of."""
    return "That prompt is not in leadbot's records (it may have been forgotten), so nothing " \
           "was recorded."
