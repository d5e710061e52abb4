"""Every action_id, block_id, callback_id and command name the bot uses, in one place."""

from __future__ import annotations

CHOICE_BLOCK = "leadbot_choice"
CHOICE_ACTIONS = {
    "follow": "leadbot_choice_follow",
    "take": "leadbot_choice_take",
    "pass": "leadbot_choice_pass",
}
CHOICE_ACTION_PATTERN = r"^leadbot_choice_(follow|take|pass)$"

CHOICE_LABELS = {
    "follow": "I'll follow",
    "take": "I'll take the lead",
    "pass": "Not this time",
}
