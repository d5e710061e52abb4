"""Pure Block Kit builders for prompts and nudges, and the toolkit every builder module shares:
escaping, clipping to Slack's limits, text objects, sections, options."""

from __future__ import annotations

from typing import Any

from bot.services.content import NudgeContent, PromptContent
from bot.slack import ids

Block = dict[str, Any]

# Slack's limits (https://docs.slack.dev/reference/block-kit/blocks and the pages of each
# block and object); the fake Slack's table (bot/sandbox/workspace/blockkit.py) holds them all.
SECTION_TEXT_MAX = 3000
CONTEXT_TEXT_MAX = 2000  # a text object may hold 3000; a context line is kept shorter
HEADER_TEXT_MAX = 150
OPTION_TEXT_MAX = 75  # an option's text and its description alike
OPTIONS_MAX = 100  # options in a select menu
ENTITY_MAX = len("&amp;")


def escape(text: str) -> str:
    """Text made safe for mrkdwn: Slack reads &, < and > as markup, so mentions and links in
    it are shown as typed, never live (*bold* and _italic_ still work)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """mrkdwn in at most ``limit`` characters, ending in "…" when cut. Run it after escaping:
    it never cuts an ``&amp;`` entity, a ``<@U…>`` mention or a ``<url|link>`` in half."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    amp = cut.rfind("&", max(0, len(cut) - ENTITY_MAX + 1))
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    opened = cut.rfind("<")
    if opened != -1 and ">" not in cut[opened:]:
        cut = cut[:opened]
    return cut + "…"


def mrkdwn(text: str, limit: int = SECTION_TEXT_MAX) -> dict:
    """A mrkdwn text object, clipped to ``limit`` (escape people's and the library's words
    before they go in)."""
    return {"type": "mrkdwn", "text": clip(text, limit)}


def plain(text: str, limit: int | None = None) -> dict:
    """A plain_text object (emoji shown), cut to ``limit`` characters when given."""
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return {"type": "plain_text", "text": text, "emoji": True}


def section(text: str, block_id: str | None = None) -> Block:
    """A section of mrkdwn, clipped to Slack's 3,000 characters."""
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if block_id:
        block["block_id"] = block_id
    return block


def context(text: str, block_id: str | None = None) -> Block:
    """A context line of mrkdwn, clipped."""
    block: Block = {"type": "context", "elements": [mrkdwn(text, CONTEXT_TEXT_MAX)]}
    if block_id:
        block["block_id"] = block_id
    return block


def option(text: str, value: str, description: str | None = None) -> dict:
    """A select / radio / checkbox option, its text and description cut to Slack's 75."""
    out = {"text": plain(text, OPTION_TEXT_MAX), "value": value}
    if description:
        out["description"] = plain(description, OPTION_TEXT_MAX)
    return out


def theme_input(themes: dict[str, str], chosen: str | None, ids_pair: tuple[str, str],
                label: str) -> Block:
    """An optional "which behaviour" select over the library's themes: Slack offers at most
    100, so the chosen one, when further down, takes the 100th place (it must be offered)."""
    keys = list(themes)[:OPTIONS_MAX]
    if chosen in themes and chosen not in keys:
        keys = [*keys[: OPTIONS_MAX - 1], chosen]
    element: dict[str, Any] = {
        "type": "static_select", "action_id": ids_pair[1],
        "placeholder": plain("Pick a behaviour"),
        "options": [option(themes[key], key) for key in keys]}
    if chosen in themes:
        element["initial_option"] = option(themes[chosen], chosen)
    return {"type": "input", "block_id": ids_pair[0], "optional": True, "element": element,
            "label": plain(label)}


def quote(text: str) -> str:
    """Slack blockquote: every line prefixed with '>'."""
    return "\n".join(f">{line}" if line else ">" for line in text.splitlines())


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
