"""The Channels object: config refs to Slack channel IDs, and back to their configuration."""

from __future__ import annotations

import pytest

from bot.channels import Channels
from bot.config import load_config

CONFIG = """\
timezone: Europe/London
channels:
  - channel: C0123TEAM
    prompt: "0 9 * * MON"
  - channel: "#platform-team"
    prompt: "30 9 * * 1"
  - channel: "#gone"
    prompt: "0 9 * * 1"
  - channel: C0LOST
    prompt: "0 9 * * 1"
"""
# "#gone" and C0LOST did not resolve (not found, or the bot cannot read them)
RESOLVED = {"C0123TEAM": "C0123TEAM", "#platform-team": "C0PLATFORM"}


@pytest.fixture
def config(write_config):
    return load_config(write_config(CONFIG))


@pytest.fixture
def channels(config):
    return Channels(RESOLVED, config.channels)


@pytest.mark.parametrize(("ref", "expected"), [
    ("C0123TEAM", "C0123TEAM"), ("#platform-team", "C0PLATFORM"), ("#gone", None),
    ("C0LOST", None), ("C0PLATFORM", None), ("#elsewhere", None),
])
def test_id_of(channels, ref, expected):
    assert channels.id_of(ref) == expected


@pytest.mark.parametrize(("channel_id", "expected"), [
    ("C0123TEAM", "C0123TEAM"),  # configured by its id
    ("C0PLATFORM", "#platform-team"),  # configured by its #name
    ("C0LOST", "C0LOST"),  # configured by that very id, though it did not resolve
    ("C0OTHER", None), ("#platform-team", None),
])
def test_config_of(channels, channel_id, expected):
    found = channels.config_of(channel_id)
    assert (found.channel if found else None) == expected


def test_resolved_pairs_each_resolved_configured_channel_with_its_id_in_order(channels):
    assert [(c.channel, channel_id) for c, channel_id in channels.resolved()] == [
        ("C0123TEAM", "C0123TEAM"), ("#platform-team", "C0PLATFORM")]


@pytest.mark.parametrize(("resolved", "expected"), [
    ({"#platform-team": "C0PLATFORM"}, "C0PLATFORM"),
    (RESOLVED, None),
    ({}, None),
])
def test_default_is_the_one_channel_when_there_is_exactly_one(config, resolved, expected):
    assert Channels(resolved, config.channels).default() == expected


def test_len_contains_ids_and_iteration(channels, config):
    assert len(channels) == 2
    assert len(Channels({}, config.channels)) == 0
    assert not Channels({}, config.channels)
    assert "C0PLATFORM" in channels and "C0123TEAM" in channels
    assert "#platform-team" not in channels and "C0LOST" not in channels  # ids, not refs
    assert channels.ids() == ["C0123TEAM", "C0PLATFORM"]
    assert list(channels) == list(RESOLVED.items())


def test_it_keeps_its_own_copy_of_the_mapping(config):
    resolved = dict(RESOLVED)
    channels = Channels(resolved, config.channels)
    resolved["#gone"] = "C0GONE"
    assert channels.id_of("#gone") is None and len(channels) == 2
