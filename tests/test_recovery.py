"""A process killed mid-post leaves a claim: the next one checks Slack before posting, so the
occurrence is posted exactly once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.channels import Channels
from bot.clock import FixedClock, SystemClock
from bot.config import load_config
from bot.runtime import web_client
from bot.schedule import Scheduler
from bot.services.posting import METADATA_EVENT, ChannelPacer, Poster
from bot.slack.outbound import SlackOutbound
from tests.conftest import MINIMAL


@pytest.fixture
def config(write_config):
    return load_config(write_config(MINIMAL))


def _poster(config, store, settings, clock=None):
    return Poster(config, store, SlackOutbound(web_client(settings, retries=False)),
                  clock or SystemClock(),
                  resolve=lambda ch: ch.channel, pacer=ChannelPacer(interval=0))


def test_message_already_in_slack_is_recorded_not_reposted(config, store, slack_settings, fake):
    now = datetime.now(UTC)
    occurrence = now - timedelta(minutes=10)
    post_id = store.claim_post("C0123TEAM", "nudge", occurrence, now - timedelta(minutes=5))
    # The dead process got this far: Slack accepted the message, the database never heard.
    ts = web_client(slack_settings).chat_postMessage(
        channel="C0123TEAM", text="a nudge", metadata={"event_type": METADATA_EVENT,
        "event_payload": {"post_id": post_id, "kind": "nudge", "nudge_id": "gemba-1",
                          "cycle": 0, "occurrence": "x"}})["ts"]
    result = _poster(config, store, slack_settings).recover(
        config.channels[0], "C0123TEAM", post_id, "nudge", occurrence)
    assert (result.status, result.ts) == ("posted", ts)
    assert len(fake.messages("C0123TEAM")) == 1
    row = store.get_post(post_id)
    assert (row["status"], row["ts"], row["nudge_id"]) == ("posted", ts, "gemba-1")
    assert store.rotation_state("C0123TEAM") == (0, {"gemba-1"})


def test_message_not_in_slack_is_posted_once(config, store, slack_settings, fake):
    now = datetime.now(UTC)
    post_id = store.claim_post("C0123TEAM", "prompt", now, now - timedelta(minutes=5))
    result = _poster(config, store, slack_settings).recover(
        config.channels[0], "C0123TEAM", post_id, "prompt", now)
    assert result.status == "posted"
    (message,) = fake.messages("C0123TEAM")
    assert message["metadata"]["event_payload"]["post_id"] == post_id


def test_history_unreadable_means_not_reposted(config, store, slack_settings, fake):
    now = datetime.now(UTC)
    post_id = store.claim_post("C0123TEAM", "prompt", now, now - timedelta(minutes=5))
    fake.fail("conversations.history", status=200, error="missing_scope")
    result = _poster(config, store, slack_settings).recover(
        config.channels[0], "C0123TEAM", post_id, "prompt", now)
    assert result.status == "failed"
    assert fake.messages("C0123TEAM") == []
    assert "not re-posted" in store.get_post(post_id)["error"]


def test_scheduler_start_recovers_fresh_claims_and_fails_old_ones(config, store, slack_settings,
                                                                  fake):
    now = datetime.now(UTC)
    clock = FixedClock(now)
    fresh = store.claim_post("C0123TEAM", "prompt", now - timedelta(minutes=3),
                             now - timedelta(minutes=3))
    old = store.claim_post("C0123TEAM", "nudge", now - timedelta(hours=3),
                           now - timedelta(hours=3))
    live = store.claim_post("C0123TEAM", "nudge", now - timedelta(seconds=30),
                            now - timedelta(seconds=30))  # another process is on it
    scheduler = Scheduler(config, store, _poster(config, store, slack_settings, clock), clock,
                          Channels({"C0123TEAM": "C0123TEAM"}, config.channels))
    scheduler.start()
    try:
        fake.wait_for(lambda: fake.messages("C0123TEAM"), timeout=5)
        fake.wait_for(lambda: store.get_post(fresh)["status"] == "posted"
                      and store.get_post(old)["status"] == "failed", timeout=5)
    finally:
        scheduler.shutdown()
    assert store.get_post(fresh)["status"] == "posted"
    assert store.get_post(old)["status"] == "failed"
    assert store.get_post(live)["status"] == "claimed"
    assert len(fake.messages("C0123TEAM")) == 1
