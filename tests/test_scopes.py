"""The fake refuses calls outside the token's scopes as Slack does (missing_scope, with needed
and provided), per kind of conversation; it grants exactly what the manifest grants; and every
Web API method the bot calls has its scope in the fake's table."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.sandbox.workspace import FakeSlack
from bot.sandbox.workspace import scopes as rules
from bot.sandbox.workspace.spec import find_spec
from tests.conftest import REPO

MANIFEST_SCOPES = yaml.safe_load((REPO / "config" / "manifest.yaml").read_text())[
    "oauth_config"]["scopes"]["bot"]


@pytest.fixture
def slack():
    with FakeSlack() as fake:
        fake.add_user("U1", "ada")
        fake.add_user("U2", "bob")
        fake.add_channel("C1", "team", members=["U1"])
        fake.add_channel("G1", "leads", is_private=True, members=["U1"])
        fake.add_channel("C2", "mpdm-ada--bob-1", is_mpim=True, members=["U1", "U2"])
        fake.open_dm("U1")
        yield fake


def client(fake) -> WebClient:
    return WebClient(token=fake.bot_token, base_url=fake.api_url)


def refusal(call, **kwargs) -> dict:
    with pytest.raises(SlackApiError) as caught:
        call(**kwargs)
    return caught.value.response.data


def test_the_fake_grants_exactly_the_manifests_scopes():
    assert sorted(rules.DEFAULT_BOT_SCOPES) == sorted(MANIFEST_SCOPES)


@pytest.mark.parametrize("method, kwargs, needed", [
    ("conversations_info", {"channel": "D1"}, "im:read"),
    ("conversations_info", {"channel": "C2"}, "mpim:read"),
    ("conversations_members", {"channel": "D1"}, "im:read"),
    ("conversations_history", {"channel": "D1"}, "im:history"),
    ("conversations_history", {"channel": "C2"}, "mpim:history"),
    ("conversations_replies", {"channel": "D1", "ts": "1.000001"}, "im:history"),
    ("conversations_list", {"types": "public_channel,im,mpim"}, "im:read,mpim:read"),
    ("conversations_open", {"users": "U1,U2"}, "mpim:write"),
    ("reactions_add", {"channel": "C1", "timestamp": "1.000001", "name": "eyes"},
     "reactions:write"),
])
def test_calls_outside_the_manifests_scopes_are_refused_as_slack_does(slack, method, kwargs,
                                                                      needed):
    body = refusal(getattr(client(slack), method), **kwargs)
    assert body["ok"] is False and body["error"] == "missing_scope"
    assert body["needed"] == needed
    assert sorted(body["provided"].split(",")) == sorted(MANIFEST_SCOPES)


@pytest.mark.parametrize("method, kwargs", [
    ("conversations_info", {"channel": "C1"}),
    ("conversations_info", {"channel": "G1"}),  # groups:read
    ("conversations_members", {"channel": "C1"}),
    ("conversations_history", {"channel": "G1"}),  # groups:history
    ("conversations_list", {"types": "public_channel,private_channel"}),
    ("conversations_open", {"users": "U1"}),  # im:write
    ("users_info", {"user": "U1"}),
    ("chat_postMessage", {"channel": "C1", "text": "hi"}),
    ("auth_test", {}),
])
def test_calls_inside_the_manifests_scopes_go_through(slack, method, kwargs):
    assert getattr(client(slack), method)(**kwargs)["ok"] is True


def test_a_granted_scope_lifts_the_refusal_and_unknown_channels_come_first():
    with FakeSlack(scopes=[*MANIFEST_SCOPES, "im:read"]) as fake:
        fake.add_user("U1", "ada")
        dm = fake.open_dm("U1")
        web = client(fake)
        assert web.conversations_info(channel=dm)["channel"]["is_im"] is True
        # a conversation that does not exist is not found before any scope is looked at
        assert refusal(web.conversations_info, channel="D404")["error"] == "channel_not_found"
    with FakeSlack(scopes=["chat:write"]) as fake:
        fake.add_channel("C1", "team")
        body = refusal(client(fake).conversations_info, channel="C1")
        assert (body["needed"], body["provided"]) == ("channels:read", "chat:write")


def _methods_the_bot_calls() -> set[str]:
    """Every ``client.x_y(`` / ``client.api_call("x.y"`` in bot/, outside the sandbox."""
    found: set[str] = set()
    for path in (REPO / "bot").rglob("*.py"):
        if "sandbox" in path.parts:
            continue
        source = path.read_text(encoding="utf-8")
        for name in re.findall(r"client\.([a-z]+_[A-Za-z_]+)\(", source):
            found.add(name)
    return found


def test_every_method_the_bot_calls_has_its_scope_in_the_table():
    known = set(rules.FIXED) | set(rules.BY_KIND) | {"conversations.list",
                                                     "conversations.open"}
    sdk_names = {m.replace(".", "_"): m for m in known}
    calls = _methods_the_bot_calls()
    assert calls, "the scan found no Web API calls: the pattern is out of date"
    # files_upload_v2 is slack_sdk's wrapper around the two external-upload methods
    calls.discard("files_upload_v2")
    assert "files.getUploadURLExternal" in known and "files.completeUploadExternal" in known
    missing = sorted(c for c in calls if c not in sdk_names)
    assert not missing, f"add these methods' scopes to bot/sandbox/workspace/scopes.py: {missing}"


# Slack's spec names some scopes by their pre-2020 names; a bot token uses the new ones.
RENAMED = {"chat:write:bot": "chat:write", "chat:write:user": "chat:write",
           "channels:write": "channels:join"}


def _spec_scopes(method: str) -> set[str]:
    data = json.loads(find_spec().read_text(encoding="utf-8"))
    found: set[str] = set()
    for operation in data["paths"][f"/{method}"].values():
        for requirement in operation.get("security", []):
            found |= {RENAMED.get(s, s) for s in requirement.get("slackAuth", [])}
    return found - {"none"}


@pytest.mark.parametrize("method", sorted(rules.BY_KIND))
def test_per_kind_scopes_are_the_alternatives_slacks_spec_lists(method):
    assert set(rules.BY_KIND[method].values()) == _spec_scopes(method)


@pytest.mark.parametrize("method", sorted(m for m in rules.FIXED if m != "apps.connections.open"
                                          and not m.startswith("files.")))
def test_fixed_scopes_agree_with_slacks_spec(method):
    # the spec predates the external upload methods and apps.connections.open
    if rules.FIXED[method] is None:
        assert _spec_scopes(method) == set()
    else:
        assert rules.FIXED[method] in _spec_scopes(method)
