"""The prompt library's words are escaped wherever Slack reads markup and clipped to their
fields: a library holding mentions and links never pings anyone or links anywhere from a prompt,
a nudge, a form, a /reflect answer or the Home tab, and oversized texts still fit Slack."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import pytest
import yaml
from slack_sdk import WebClient

from bot.library import DEFAULT_LIBRARY, load_library
from bot.messages import home as hm
from bot.messages import reflect as rb
from bot.messages import sightings as sb
from bot.messages.kit import clip
from bot.messages.prompt import (
    NudgeContent,
    PromptContent,
    build_nudge_blocks,
    build_prompt_blocks,
    nudge_text,
    prompt_text,
)
from bot.messages.reflect import Stats
from bot.sandbox.workspace.blockkit import check_blocks, check_view
from bot.services.content import nudge_content, prompt_content

HERE, LINK = "<!here>", "<https://x|y>"
MARKUP = f"{HERE} or {LINK} & co"
SHOWN = "&lt;!here&gt; or &lt;https://x|y&gt; &amp; co"
UTC = ZoneInfo("UTC")
BROKEN_ENTITY = re.compile(r"&(?!amp;|lt;|gt;)")


@pytest.fixture
def library(tmp_path):
    """The bundled library with markup in every kind of text."""
    data = yaml.safe_load(DEFAULT_LIBRARY.read_text(encoding="utf-8"))
    data["refrain"]["text"] = f"Follow it: {MARKUP}"
    data["refrain"]["attribution"] = f"Someone, {MARKUP}"
    data["refrain"]["context"] = [f"Context: {MARKUP}"]
    for theme in data["themes"].values():
        theme["name"] = f"Theme {HERE} {LINK}"
    for nudge in data["nudges"]:
        nudge["text"] = f"Nudge: {MARKUP}"
    path = tmp_path / "prompts.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_library(path)


def themes_of(library) -> dict[str, str]:
    return {key: theme.name for key, theme in library.themes.items()}


def texts(obj, kind: str) -> list[str]:
    """Every text object's text of this type (mrkdwn or plain_text), anywhere in a payload."""
    found = []
    if isinstance(obj, dict):
        if obj.get("type") == kind and isinstance(obj.get("text"), str):
            found.append(obj["text"])
        for value in obj.values():
            found.extend(texts(value, kind))
    elif isinstance(obj, list):
        for value in obj:
            found.extend(texts(value, kind))
    return found


def never_live(payload) -> str:
    """All the mrkdwn in a payload, checked to hold no live mention or link of the library."""
    joined = "\n".join(texts(payload, "mrkdwn"))
    assert HERE not in joined and LINK not in joined
    assert not BROKEN_ENTITY.search(joined)
    return joined


def test_prompt_escapes_refrain_attribution_and_context(library):
    content = prompt_content(library, 0)
    blocks = build_prompt_blocks(content)
    assert check_blocks(blocks) == []
    shown = never_live(blocks)
    for text in (f">Follow it: {SHOWN}", f"— _Someone, {SHOWN}_", f"Context: {SHOWN}"):
        assert text in shown
    assert HERE not in prompt_text(content) and SHOWN in prompt_text(content)


def test_nudge_escapes_theme_and_text(library):
    content = nudge_content(library, library.nudges[0])
    blocks = build_nudge_blocks(content)
    assert check_blocks(blocks) == []
    shown = never_live(blocks)
    assert shown.startswith("*Theme &lt;!here&gt; &lt;https://x|y&gt;*\nNudge: " + SHOWN)
    assert HERE not in nudge_text(content) and SHOWN in nudge_text(content)


def test_home_tab_and_reflect_answers_escape_theme_names(library):
    themes = themes_of(library)
    theme = next(iter(themes))
    row = {"id": 1, "text": "tried it", "at": "2026-11-22T10:00:00Z", "choice": "take",
           "theme": theme, "shared": 0, "channel": "C0123TEAM"}
    home = hm.home_view(reflections=[row], choices=[], streak=0, upcoming=[], themes=themes,
                        tz=UTC)
    assert check_view(home) == []
    history = rb.history_blocks([row], themes, UTC)
    stats = rb.stats_blocks(Stats({"follow": 0, "take": 1, "pass": 0}, 1,
                                  {"follow": 0, "take": 1, "pass": 0}, [(theme, 1)], 1), themes)
    seen = {"id": 1, "seer": "U1", "about": "U2", "anonymous": False, "text": "asked why",
            "theme": theme, "channel": "C0123TEAM"}
    _, dm = sb.sighting_dm(seen, themes)
    for payload in (home, history, stats, dm):
        assert check_blocks(payload if isinstance(payload, list) else payload["blocks"]) == []
        assert "Theme &lt;!here&gt; &lt;https://x|y&gt;" in never_live(payload)


def test_forms_show_theme_names_as_plain_text_only(library):
    themes = themes_of(library)
    theme = next(iter(themes))
    for view in (rb.reflect_modal(themes, theme=theme), sb.sighting_modal(themes, theme=theme)):
        assert check_view(view) == []
        never_live(view)
        assert "Theme <!here> <https://x|y>" in texts(view, "plain_text")  # never read as markup


def test_oversized_library_texts_are_clipped_and_slack_accepts_them(fake):
    client = WebClient(token=fake.bot_token, base_url=fake.api_url)
    nudge = NudgeContent("n-1", "go-to-gemba", "T" * 200, "&" * 5000)
    prompt = PromptContent("r" * 5000, "a" * 500, "c & " * 1000, "i" * 5000)
    for blocks, fallback in ((build_nudge_blocks(nudge), nudge_text(nudge)),
                             (build_prompt_blocks(prompt), prompt_text(prompt))):
        assert check_blocks(blocks) == []
        assert client.chat_postMessage(channel="C0123TEAM", text=fallback, blocks=blocks)["ok"]
        never_live(blocks)
    [nudge_section, _] = build_nudge_blocks(nudge)
    text = nudge_section["text"]["text"]
    assert len(text) <= 3000 and text.startswith(f"*{'T' * 149}…*\n&amp;")
    assert text.endswith("&amp;…")  # cut after escaping, between two entities
    refrain = build_prompt_blocks(prompt)[0]["text"]["text"]
    assert len(refrain) <= 3000 and refrain.endswith("…_")  # the attribution is kept
    themes = {f"theme-{i}": f"{i} " + "long name " * 20 for i in range(120)}
    for view in (rb.reflect_modal(themes, theme="theme-110"),
                 sb.sighting_modal(themes, theme="theme-110")):
        options = [b for b in view["blocks"] if b.get("block_id", "").endswith("theme")]
        [element] = [b["element"] for b in options]
        assert all(len(o["text"]["text"]) <= 75 for o in element["options"])
        assert client.views_open(trigger_id=fake.issue_trigger_id(), view=view)["ok"]


@pytest.mark.parametrize(("text", "limit", "clipped"), [
    ("short", 10, "short"),
    ("abcdefghij", 5, "abcd…"),
    ("&amp;&amp;&amp;", 8, "&amp;…"),  # not "&amp;&a…"
    ("x&lt;y", 4, "x…"),
    ("see <@U0000BOB> now", 10, "see …"),  # not "see <@U00…"
    ("see <https://x|y> now", 12, "see …"),
    ("a <#C1> b", 9, "a <#C1> b"),
])
def test_clip_never_cuts_an_entity_or_a_mention(text, limit, clipped):
    assert clip(text, limit) == clipped
