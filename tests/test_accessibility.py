"""Every button leadbot builds carries an accessibility_label (Slack reads it to screen readers
instead of the bare button text)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.library import load_library
from bot.messages import follow_up as loop_blocks
from bot.messages import home as home_blocks
from bot.messages import reflect as reflect_blocks
from bot.messages import settings as settings_blocks
from bot.messages import sightings as sighting_blocks
from bot.messages.prompt import build_prompt_blocks
from bot.services.content import prompt_content
from tests.conftest import REPO

TZ = ZoneInfo("Europe/London")
AT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
SIGHTING = {"id": 7, "seer": "U1", "about": "U2", "text": "led the retro", "theme": None,
            "anonymous": False, "in_digest": True, "at": "2026-11-23T10:00:00Z",
            "channel": "C0123TEAM", "permalink": None}


def buttons(blocks: list[dict]) -> list[dict]:
    found = []
    for block in blocks:
        for element in [*block.get("elements", []), block.get("accessory") or {}]:
            if element.get("type") == "button":
                found.append(element)
    return found


def test_every_button_is_labelled():
    library = load_library(REPO / "bot" / "data" / "prompts.yaml")
    settings = {"paused_until": None, "follow_up_dms": True, "sighting_dms": True,
                "quiet_start": "18:00", "quiet_end": "09:00"}
    produced = {
        "prompt": build_prompt_blocks(prompt_content(library, 0)),
        "quick reflection": reflect_blocks.quick_saved(1, "text", "take"),
        "forget": reflect_blocks.forget_confirm({"choices": 1}),
        "home": home_blocks.home_view(reflections=[], choices=[], streak=0, upcoming=[],
                                         themes={}, tz=TZ)["blocks"],
        "follow-up": loop_blocks.follow_up_blocks(1, AT, "C0123TEAM", TZ),
        "follow-up answered": loop_blocks.follow_up_answered(1, "partly", AT, "C0123TEAM", TZ),
        "settings": settings_blocks.settings_blocks(settings, AT, TZ),
        "quick sighting": sighting_blocks.quick_saved(SIGHTING),
        "sighting DM": sighting_blocks.sighting_dm(SIGHTING, {})[1],
    }
    for where, blocks in produced.items():
        found = buttons(blocks)
        assert found or where == "sighting DM", where
        for button in found:
            label = button.get("accessibility_label")
            assert label and len(label) <= 75, (where, button["action_id"])
