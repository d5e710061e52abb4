"""The app manifest is one Slack accepts (checked offline against Slack's own JSON schema), and
it agrees with the code: every event, command, shortcut and interaction in the manifest has a
listener, and every listener is declared in the manifest."""

from __future__ import annotations

import copy
import json

import pytest
import yaml
from jsonschema import Draft7Validator
from referencing import Registry
from referencing.jsonschema import DRAFT7
from slack_bolt import App
from slack_sdk import WebClient

from bot.config import load_config
from bot.slack.app import register
from bot.slack.deps import Deps
from tests.conftest import REPO, json_refs

MANIFEST = yaml.safe_load((REPO / "config" / "manifest.yaml").read_text())
SCHEMAS = REPO / "tests" / "reference" / "slack-manifest-schema"




def _validator() -> Draft7Validator:
    """Slack's root manifest schema, its published $ref URLs served from the local copies."""
    root = json.loads((SCHEMAS / "manifest.schema.json").read_text(encoding="utf-8"))
    urls = {ref for ref in json_refs(root) if ref.startswith("https://")}
    # A Registry with no retrieve function never fetches: an unknown URL is an error.
    registry = Registry().with_resources(
        (url, DRAFT7.create_resource(json.loads(
            (SCHEMAS / url.rsplit("/", 1)[1]).read_text(encoding="utf-8"))))
        for url in urls)
    return Draft7Validator(root, registry=registry)


VALIDATOR = _validator()


def _problems(manifest: dict) -> set[tuple[str, str]]:
    """(path, failed keyword) of every innermost schema error, through oneOf's branches."""
    found: set[tuple[str, str]] = set()

    def walk(error) -> None:
        if error.context:
            for inner in error.context:
                walk(inner)
        else:
            found.add(("/".join(map(str, error.absolute_path)), str(error.validator)))

    for error in VALIDATOR.iter_errors(manifest):
        walk(error)
    return found


def _with(change) -> dict:
    manifest = copy.deepcopy(MANIFEST)
    change(manifest)
    return manifest


def _registry(store, clock):
    deps = Deps(load_config(REPO / "config" / "leadbot.yaml"), store, clock)
    client = WebClient(token="xoxb-unused", base_url="http://127.0.0.1:9/api/")
    app = App(client=client, signing_secret="", token_verification_enabled=False,
              request_verification_enabled=False)
    return register(app, deps)


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


def test_the_manifest_is_valid_under_slacks_schema():
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in VALIDATOR.iter_errors(MANIFEST)]
    assert errors == [], sorted(_problems(MANIFEST))


def test_the_manifest_is_read_as_version_1():
    # Without _metadata.major_version the root schema (and Slack) applies version 1; the test
    # above is only meaningful if that is the version meant.
    assert MANIFEST.get("_metadata", {}).get("major_version", 1) == 1


def _add_scope(scope):
    return lambda m: m["oauth_config"]["scopes"]["bot"].append(scope)


@pytest.mark.parametrize(("change", "path", "keyword"), [
    (lambda m: m["features"]["shortcuts"][0].update(name="x" * 25),
     "features/shortcuts/0/name", "maxLength"),
    (lambda m: m["features"]["shortcuts"][0].update(name="Record a leadership sighting"),
     "features/shortcuts/0/name", "maxLength"),
    (_add_scope({"chat": "write"}), "oauth_config/scopes/bot/{new}", "type"),  # `- chat: write`
    (_add_scope("x" * 51), "oauth_config/scopes/bot/{new}", "maxLength"),
    (lambda m: m["oauth_config"]["scopes"].update(bots=["chat:write"]),
     "oauth_config/scopes", "additionalProperties"),
], ids=["25-character shortcut name", "the old shortcut name", "scope as a mapping",
        "51-character scope", "unknown scope kind"])
def test_slacks_schema_refuses_a_broken_manifest(change, path, keyword):
    broken = _with(change)
    assert not VALIDATOR.is_valid(broken)
    new = len(MANIFEST["oauth_config"]["scopes"]["bot"])  # where an added scope lands
    assert (path.format(new=new), keyword) in _problems(broken)


def test_shortcuts_are_message_shortcuts():
    # global shortcuts would need a listener that does not start from a message
    for shortcut in MANIFEST["features"].get("shortcuts", []):
        assert shortcut["type"] == "message"


def test_users_read_for_the_directory():
    # bot.services.directory calls users.info (is the person seen a bot, deactivated?)
    assert "users:read" in MANIFEST["oauth_config"]["scopes"]["bot"]
