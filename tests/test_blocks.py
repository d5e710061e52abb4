"""Pure Block Kit builders: shapes, values and Slack's limits."""

from __future__ import annotations

import re

from bot.config import load_config
from bot.library import rotation_order
from bot.messages import ids
from bot.messages.prompt import build_nudge_blocks, build_prompt_blocks
from bot.services.content import nudge_content, prompt_content
from tests.conftest import REPO


def _library():
    return load_config(REPO / "config" / "leadbot.yaml").library


def test_prompt_has_refrain_attribution_context_and_three_choices():
    library = _library()
    content = prompt_content(library, 0)
    blocks = build_prompt_blocks(content)
    assert [b["type"] for b in blocks] == ["section", "context", "actions", "actions",
                                           "context"]
    refrain = blocks[0]["text"]["text"]
    assert ">When you see good leadership, follow it if you wish." in refrain
    assert "John Shook" in refrain
    assert blocks[1]["elements"][0]["text"] == library.refrain.context[0]
    buttons = blocks[2]["elements"]
    assert [b["value"] for b in buttons] == ["follow", "take", "pass"]
    assert [b["text"]["text"] for b in buttons] == ["I'll follow", "I'll take the lead",
                                                    "I'll let it go"]
    assert [b["action_id"] for b in buttons] == list(ids.CHOICE_ACTIONS.values())
    assert "thread" in blocks[4]["elements"][0]["text"]
    assert content.fallback_text().startswith("When you see good leadership")


def test_prompt_offers_a_sighting_after_the_choices():
    blocks = build_prompt_blocks(prompt_content(_library(), 0))
    assert blocks[2]["block_id"] == ids.CHOICE_BLOCK and len(blocks[2]["elements"]) == 3
    saw = blocks[3]
    assert saw["block_id"] == ids.SIGHTING_PROMPT_BLOCK
    [button] = saw["elements"]
    assert button["action_id"] == ids.SIGHTING_PROMPT_ACTION
    assert button["text"]["text"] == "I saw good leadership"
    assert 0 < len(button["accessibility_label"]) <= 75
    # the button's action_id is not a choice: a click on it records no choice
    assert not re.match(ids.CHOICE_ACTION_PATTERN, button["action_id"])


def test_context_line_rotates():
    library = _library()
    texts = {prompt_content(library, i).context for i in range(len(library.refrain.context))}
    assert len(texts) == len(library.refrain.context)


def test_every_nudge_fits_slack_limits():
    library = _library()
    for nudge in rotation_order(library, None, "C1"):
        content = nudge_content(library, nudge)
        blocks = build_nudge_blocks(content)
        assert len(blocks[0]["text"]["text"]) <= 3000
        assert blocks[0]["text"]["text"].startswith(f"*{content.theme}*\n")
        assert "thread" in blocks[1]["elements"][0]["text"]
        assert content.fallback_text()


def test_counts_block_names_people_only_when_asked():
    from bot.messages.prompt import COUNTS_BLOCK, build_counts_block, with_counts

    counts = {"follow": ["U1"], "take": ["U2", "U3"], "pass": []}
    anonymous = build_counts_block(counts, show_names=False)
    assert anonymous["elements"][0]["text"] == "1 follow · 2 take · 0 pass"
    named = build_counts_block(counts, show_names=True)
    assert named["elements"][0]["text"] == "1 follow (<@U1>) · 2 take (<@U2>, <@U3>) · 0 pass"
    blocks = build_prompt_blocks(prompt_content(_library(), 0))
    once = with_counts(blocks, anonymous)
    twice = with_counts(once, named)
    assert [b.get("block_id") for b in twice].count(COUNTS_BLOCK) == 1
    assert [b.get("block_id") for b in twice][3] == COUNTS_BLOCK  # right after the buttons
    assert twice[3] == named


def test_confirmations_fit_the_choice():
    from bot.messages.prompt import build_choice_confirmation

    assert "small, visible step" in build_choice_confirmation("take")
    assert "don't complain" in build_choice_confirmation("pass")
    assert build_choice_confirmation("follow", "take").startswith(
        "You changed your choice: now _to follow_ (before: _to take the lead_)")
    assert "already chosen *to let it go*" in build_choice_confirmation("pass", "pass")
