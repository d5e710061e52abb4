"""The Block Kit toolkit every message module shares: escaping, clipping to Slack's limits,
text objects, sections, context lines, options, and dates as people read them."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import from_iso

Block = dict[str, Any]
View = dict[str, Any]  # a modal or the Home tab

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
    """An optional "which theme" select over the library's themes: Slack offers at most
    100, so the chosen one, when further down, takes the 100th place (it must be offered)."""
    keys = list(themes)[:OPTIONS_MAX]
    if chosen in themes and chosen not in keys:
        keys = [*keys[: OPTIONS_MAX - 1], chosen]
    element: dict[str, Any] = {
        "type": "static_select", "action_id": ids_pair[1],
        "placeholder": plain("Pick a theme"),
        "options": [option(themes[key], key) for key in keys]}
    if chosen in themes:
        element["initial_option"] = option(themes[chosen], chosen)
    return {"type": "input", "block_id": ids_pair[0], "optional": True, "element": element,
            "label": plain(label)}


def quote(text: str) -> str:
    """Slack blockquote: every line prefixed with '>'."""
    return "\n".join(f">{line}" if line else ">" for line in text.splitlines())


def day_text(at: str, tz: ZoneInfo) -> str:
    """A stored timestamp as the day people read: ``Mon 05 Oct 2026`` in ``tz``."""
    return from_iso(at).astimezone(tz).strftime("%a %d %b %Y")
