"""The settings controls, on the Home tab and under /reflect settings."""

from __future__ import annotations

import re

from slack_bolt import Ack, Respond

from bot.messages import ids
from bot.messages.settings import settings_blocks
from bot.services import person_settings
from bot.services.person_settings import InvalidSetting
from bot.slack.deps import Deps
from bot.slack.listeners.reflect import refresh_home
from bot.slack.registry import Registry


def _value(action: dict) -> str | None:
    return (action.get("value") or action.get("selected_date") or action.get("selected_time")
            or (action.get("selected_option") or {}).get("value"))


def on_setting(ack: Ack, body: dict, respond: Respond, deps: Deps) -> None:
    """Apply the change; refresh wherever the controls were (Home tab or a private message)."""
    ack()
    action = (body.get("actions") or [{}])[0]
    match = re.match(ids.SETTINGS_ACTION_PATTERN, action.get("action_id", ""))
    user = (body.get("user") or {}).get("id", "")
    if match is None or not user:
        return
    tz = deps.user_tz(user)
    in_view = (body.get("container") or {}).get("type") == "view"
    try:
        settings = person_settings.change(deps.store, deps.clock, user, match.group(1),
                                          _value(action), tz)
    except InvalidSetting as exc:
        if not in_view:
            respond(text=f"Not changed: {exc}", replace_original=False)
        refresh_home(deps, user)
        return
    if in_view:
        refresh_home(deps, user)
    else:
        respond(blocks=settings_blocks(settings, deps.clock.now(), tz),
                text="Your settings", replace_original=True)


def register(registry: Registry, deps: Deps) -> None:
    """Attach the settings controls."""

    @registry.action(re.compile(ids.SETTINGS_ACTION_PATTERN))
    def setting(ack: Ack, body: dict, respond: Respond) -> None:
        on_setting(ack, body, respond, deps)
