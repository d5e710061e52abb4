"""Everything Slack can send is acknowledged, through the bot (served in process) in both
modes: event types with no listener (HTTP 200, not 404, which Slack retries), forms and buttons
from an older version, unknown shortcuts. Real shapes from the SDKs' fixtures
(tests/fixtures/slack)."""

from __future__ import annotations

import pytest

from tests import slackdrive as sd
from tests.e2e import QUIET_CONFIG as CONFIG
from tests.e2e import bot_env, running

pytestmark = pytest.mark.e2e

BOB = "U0000BOB"


@pytest.fixture(params=["socket", "http"])
def slack(request, fake, tmp_path):
    with running(fake, bot_env(fake, tmp_path, CONFIG), tmp_path, request.param) as transport:
        yield transport


@pytest.mark.parametrize("name", ["event_member_joined_channel.json", "event_app_mention.json",
                                  "event_app_home_opened.json"])
def test_events_with_or_without_a_listener_are_acknowledged(slack, name):
    # Transport.event asserts HTTP 200 (HTTP mode) or waits for the ack (Socket Mode)
    assert slack.event(sd.fixture(name)) < 3


def test_a_form_from_an_older_version_is_answered_politely(fake, slack):
    old_form = {"id": "V0OLD", "type": "modal", "callback_id": "leadbot_retired_form",
                "title": {"type": "plain_text", "text": "Old"}, "blocks": [],
                "private_metadata": ""}
    answer = slack.interact(sd.submission(old_form, BOB, {}))
    assert answer["response_action"] == "update"
    said = answer["view"]["blocks"][0]["text"]["text"]
    assert "out of date" in said and "/reflect again" in said and "nothing was saved" in said


def test_unknown_buttons_and_shortcuts_are_acknowledged(fake, slack):
    click = sd.button(fake, BOB, "leadbot_retired_button", "x")
    assert slack.interaction(click) < 3
    shortcut = sd.fixture("interactive_message_action.json")
    shortcut.update(token="fake-verification-token", callback_id="leadbot_retired_shortcut",
                    team={"id": "T0TEAM", "domain": "fake"}, api_app_id="A0FAKE",
                    trigger_id=fake.issue_trigger_id())
    shortcut.pop("response_url", None)
    assert slack.interaction(shortcut) < 3
