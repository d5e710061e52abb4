"""The app manifest and the code agree: every event, command, shortcut and interaction in the
manifest has a listener, and every listener is declared in the manifest."""

from __future__ import annotations

import yaml
from slack_bolt import App
from slack_sdk import WebClient

from bot.config import load_config
from bot.slack.app import register
from bot.slack.context import Services
from tests.conftest import REPO

MANIFEST = yaml.safe_load((REPO / "config" / "manifest.yaml").read_text())


def _registry(store, clock):
    services = Services(load_config(REPO / "config" / "leadbot.yaml"), store, clock)
    client = WebClient(token="xoxb-unused", base_url="http://127.0.0.1:9/api/")
    app = App(client=client, signing_secret="", token_verification_enabled=False,
              request_verification_enabled=False)
    return register(app, services)


def test_events_match(store, clock):
    subscribed = MANIFEST["settings"].get("event_subscriptions", {}).get("bot_events", [])
    # message.channels / message.groups ... all arrive as Bolt's "message" event
    assert {name.split(".")[0] for name in subscribed} == _registry(store, clock).events
    if "message" in _registry(store, clock).events:
        assert {"message.channels", "message.groups"} <= set(subscribed)


def test_scopes_cover_the_events():
    scopes = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    needs = {"message.channels": "channels:history", "message.groups": "groups:history",
             "reaction_added": "reactions:read", "reaction_removed": "reactions:read",
             "app_home_opened": None}
    for event in MANIFEST["settings"]["event_subscriptions"]["bot_events"]:
        assert needs[event] is None or needs[event] in scopes
    if MANIFEST["features"].get("slash_commands"):
        assert "commands" in scopes
    if "app_home_opened" in MANIFEST["settings"]["event_subscriptions"]["bot_events"]:
        assert MANIFEST["features"]["app_home"]["home_tab_enabled"] is True


def test_commands_match(store, clock):
    declared = {c["command"] for c in MANIFEST["features"].get("slash_commands", [])}
    assert declared == _registry(store, clock).commands


def test_shortcuts_match(store, clock):
    declared = {s["callback_id"] for s in MANIFEST["features"].get("shortcuts", [])}
    assert declared == _registry(store, clock).shortcuts


def test_interactivity_is_on_exactly_when_needed(store, clock):
    registry = _registry(store, clock)
    needs = bool(registry.actions or registry.shortcuts or registry.views)
    assert MANIFEST["settings"]["interactivity"]["is_enabled"] is needs


def test_socket_mode_and_minimal_scopes():
    assert MANIFEST["settings"]["socket_mode_enabled"] is True
    scopes = MANIFEST["oauth_config"]["scopes"]["bot"]
    assert "chat:write" in scopes
    assert len(scopes) == len(set(scopes))


def test_commands_get_mentions_escaped():
    # /saw reads the person seen from <@U…>: without should_escape Slack sends plain "@name"
    for command in MANIFEST["features"]["slash_commands"]:
        assert command["should_escape"] is True, command["command"]


def test_shortcuts_are_message_shortcuts_within_slacks_limits():
    for shortcut in MANIFEST["features"].get("shortcuts", []):
        assert shortcut["type"] == "message"
        assert 0 < len(shortcut["name"]) <= 80 and 0 < len(shortcut["description"]) <= 150


def test_users_read_for_the_directory():
    # bot.services.directory calls users.info (is the person seen a bot, deactivated?)
    assert "users:read" in MANIFEST["oauth_config"]["scopes"]["bot"]
