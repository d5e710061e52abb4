"""Resolving configured channels at start: #names, joining, clear warnings."""

from __future__ import annotations

import logging

from bot.clock import SystemClock
from bot.config import load_config
from bot.runtime import web_client
from bot.services.channels import resolve_channels
from bot.slack.outbound import SlackOutbound

CONFIG = """\
timezone: UTC
channels:
  - channel: C0123TEAM
    prompt: "0 9 * * 1"
  - channel: "#platform"
    prompt: "0 9 * * 1"
  - channel: "#nowhere"
    prompt: "0 9 * * 1"
  - channel: C0PRIVATE
    prompt: "0 9 * * 1"
  - channel: C0ARCHIVE
    prompt: "0 9 * * 1"
  - channel: "#secret"
    prompt: "0 9 * * 1"
"""


def test_resolution_join_and_warnings(write_config, store, fake, slack_settings, caplog):
    fake.add_channel("C0PLATFORM", "platform", bot_is_member=False)
    fake.add_channel("C0PRIVATE", "private-team", is_private=True, bot_is_member=True)
    fake.add_channel("C0ARCHIVE", "old", is_archived=True)
    fake.add_channel("C0SECRET", "secret", is_private=True, bot_is_member=False)
    config = load_config(write_config(CONFIG))
    with caplog.at_level(logging.WARNING):
        ids = resolve_channels(SlackOutbound(web_client(slack_settings)), config, store,
                               SystemClock())
    assert ids == {"C0123TEAM": "C0123TEAM", "#platform": "C0PLATFORM",
                   "C0PRIVATE": "C0PRIVATE"}
    assert [c.args["channel"] for c in fake.calls_to("conversations.join")] == ["C0PLATFORM"]
    assert store.channel_for_ref("#platform") == "C0PLATFORM"
    text = caplog.text
    assert "#nowhere not found" in text
    assert "#secret not found" in text and "/invite @leadbot" in text
    assert "C0ARCHIVE is archived" in text


def test_join_refused_is_a_warning_not_a_crash(write_config, store, fake, slack_settings,
                                               caplog):
    fake.add_channel("C0PLATFORM", "platform", bot_is_member=False)
    fake.fail("conversations.join", status=200, error="missing_scope")
    config = load_config(write_config(
        "timezone: UTC\nchannels:\n  - channel: '#platform'\n    prompt: '0 9 * * 1'\n"))
    with caplog.at_level(logging.WARNING):
        ids = resolve_channels(SlackOutbound(web_client(slack_settings)), config, store,
                               SystemClock())
    assert ids == {"#platform": "C0PLATFORM"}
    assert "channels:join" in caplog.text
