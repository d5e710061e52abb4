"""Pure Block Kit builders for a person's settings (Home tab and /reflect settings)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.clock import from_iso
from bot.messages.kit import Block, mrkdwn, plain

SETTINGS_BLOCK = "leadbot_settings"


def paused(settings: dict, now: datetime) -> datetime | None:
    """When the pause ends, if the person is paused at ``now``."""
    until = settings.get("paused_until")
    if until and from_iso(until) > now:
        return from_iso(until)
    return None


def _button(name: str, text: str, value: str, label: str, style: str | None = None) -> dict:
    button = {"type": "button", "action_id": f"leadbot_settings_{name}", "text": plain(text),
              "value": value, "accessibility_label": label}
    if style:
        button["style"] = style
    return button


def _toggle(name: str, what: str, on: bool) -> Block:
    state = "on" if on else "off"
    return {"type": "section", "block_id": f"{SETTINGS_BLOCK}_{name}",
            "text": mrkdwn(f"{what}: *{state}*"),
            "accessory": _button(name, "Turn off" if on else "Turn on", "off" if on else "on",
                                 f"Turn {'off' if on else 'on'} {what.lower()}")}


def settings_blocks(settings: dict, now: datetime, tz: ZoneInfo) -> list[Block]:
    """The controls: pause, which DMs, quiet hours (times in the person's own zone)."""
    until = paused(settings, now)
    if until:
        pause: list[Block] = [
            {"type": "section", "block_id": f"{SETTINGS_BLOCK}_paused",
             "text": mrkdwn(f":double_vertical_bar: *Paused* until "
                             f"{until.astimezone(tz).strftime('%a %d %b, %H:%M')}: leadbot "
                             "sends you no DMs until then."),
             "accessory": _button("resume", "Resume now", "resume", "Resume leadbot's DMs now",
                                  "primary")}]
    else:
        pause = [
            {"type": "section", "block_id": f"{SETTINGS_BLOCK}_pause_text",
             "text": mrkdwn("*Pause me*: no DMs from leadbot while you are away.")},
            {"type": "actions", "block_id": f"{SETTINGS_BLOCK}_pause", "elements": [
                {"type": "static_select", "action_id": "leadbot_settings_pause",
                 "placeholder": plain("Pause for…"),
                 "options": [{"text": plain("1 week"), "value": "1w"},
                             {"text": plain("2 weeks"), "value": "2w"}]},
                {"type": "datepicker", "action_id": "leadbot_settings_pause_until",
                 "placeholder": plain("Until a date")}]}]
    quiet = "none"
    if settings.get("quiet_start") and settings.get("quiet_end"):
        quiet = f"{settings['quiet_start']}–{settings['quiet_end']} ({tz.key})"
    # The pickers show a time only when quiet hours are set: otherwise they would show
    # 18:00-09:00 beside "none" (picking one end sets the other to that default).
    quiet_elements = [
        {"type": "timepicker", "action_id": "leadbot_settings_quiet_start",
         "placeholder": plain("From (say 18:00)")},
        {"type": "timepicker", "action_id": "leadbot_settings_quiet_end",
         "placeholder": plain("To (say 09:00)")}]
    for element, key in zip(quiet_elements, ("quiet_start", "quiet_end"), strict=True):
        if settings.get(key):
            element["initial_time"] = settings[key]
    if quiet != "none":
        quiet_elements.append(_button("quiet_clear", "No quiet hours", "clear",
                                      "Remove your quiet hours"))
    return [
        {"type": "header", "text": plain("Your settings")},
        *pause,
        _toggle("follow_up_dms", "Follow-up DMs after you take the lead",
                settings.get("follow_up_dms", True)),
        _toggle("sighting_dms", "DMs when someone saw you lead", settings.get("sighting_dms",
                                                                              True)),
        _toggle("sightings_in_digest", "Sightings about you in the team digest",
                settings.get("sightings_in_digest", True)),
        {"type": "section", "block_id": f"{SETTINGS_BLOCK}_quiet_text",
         "text": mrkdwn(f"*Quiet hours* for DMs: {quiet}. DMs that fall in them wait until "
                         "they end.")},
        {"type": "actions", "block_id": f"{SETTINGS_BLOCK}_quiet", "elements": quiet_elements},
    ]
