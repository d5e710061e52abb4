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
    "pass": "I'll let it go",
}

REFLECT_COMMAND = "/reflect"
ADMIN_COMMAND = "/leadbot"

# The reflection modal: its callback, and each input's block and action.
REFLECT_VIEW = "leadbot_reflect"
REFLECT_TEXT = ("reflect_text", "text")
REFLECT_CHOICE = ("reflect_choice", "choice")
REFLECT_THEME = ("reflect_theme", "theme")
REFLECT_SHARE = ("reflect_share", "share")
# Opens the modal: from the Home tab (no value) or "Add details" (value: the reflection's id).
OPEN_REFLECT_ACTION = "leadbot_reflect_open"
FORGET_CONFIRM_ACTION = "leadbot_forget_confirm"
FORGET_CANCEL_ACTION = "leadbot_forget_cancel"

REFLECT_CHOICE_LABELS = {
    "follow": "I followed",
    "take": "I took the lead",
    "pass": "I let it go",
}

# The follow-up DM after a "take": how it went (value: the follow-up's id).
FOLLOW_UP_OUTCOMES = {
    "worked": "It worked",
    "partly": "Partly",
    "not_yet": "Not yet",
    "learned": "I learned something",
}
FOLLOW_UP_ACTION_PATTERN = r"^leadbot_followup_(worked|partly|not_yet|learned)$"
FOLLOW_UP_BLOCK = "leadbot_followup"
# "Reflect on it" opens the reflection form with this prefix on the follow-up's id.
FOLLOW_UP_REFLECT_PREFIX = "followup:"

# Each person's settings (Home tab and /reflect settings): leadbot_settings_<name>.
SETTINGS_ACTION_PATTERN = r"^leadbot_settings_(pause|pause_until|resume|follow_up_dms|" \
                          r"sighting_dms|sightings_in_digest|quiet_start|quiet_end|quiet_clear)$"

# Leadership sightings: /saw, its form, the message shortcut, and the buttons that open the form.
SAW_COMMAND = "/saw"
SIGHTING_VIEW = "leadbot_sighting"
SIGHTING_SHORTCUT = "leadbot_sighting_shortcut"
SIGHTING_PERSON = ("sighting_person", "person")
SIGHTING_TEXT = ("sighting_text", "text")
SIGHTING_THEME = ("sighting_theme", "theme")
SIGHTING_ANONYMOUS = ("sighting_anonymous", "anonymous")
SIGHTING_DIGEST = ("sighting_digest", "leave_out")
# "I saw good leadership" under each prompt: the form, for the prompt's channel.
SIGHTING_PROMPT_BLOCK = "leadbot_saw"
SIGHTING_PROMPT_ACTION = "leadbot_sighting_prompt"
# "Add details" after a quick /saw (value: the sighting's id).
SIGHTING_DETAILS_ACTION = "leadbot_sighting_details"
