"""Pure Block Kit builders: shapes, values and Slack's limits."""

from __future__ import annotations

from bot.config import load_config
from bot.library import rotation_order
from bot.services.content import nudge_content, prompt_content
from bot.slack import ids
from bot.slack.blocks import build_nudge_blocks, build_prompt_blocks
from tests.conftest import REPO


def _library():
    return load_config(REPO / "config" / "leadbot.yaml").library


def test_prompt_has_refrain_attribution_context_and_three_choices():
    library = _library()
    content = prompt_content(library, 0)
    blocks = build_prompt_blocks(content)
    assert [b["type"] for b in blocks] == ["section", "context", "actions", "context"]
    refrain = blocks[0]["text"]["text"]
    assert ">When you see good leadership, follow it if you wish." in refrain
    assert "John Shook" in refrain
    assert blocks[1]["elements"][0]["text"] == library.refrain.context[0]
    buttons = blocks[2]["elements"]
    assert [b["value"] for b in buttons] == ["follow", "take", "pass"]
    assert [b["text"]["text"] for b in buttons] == ["I'll follow", "I'll take the lead",
                                                    "Not this time"]
    assert [b["action_id"] for b in buttons] == list(ids.CHOICE_ACTIONS.values())
    assert "thread" in blocks[3]["elements"][0]["text"]
    assert content.fallback_text().startswith("When you see good leadership")


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
