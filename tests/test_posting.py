"""Posting one occurrence through the real slack_sdk client to the fake Slack over HTTP:
exactly once, transient errors retried, permanent ones reported once."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import SystemClock
from bot.config import load_config
from bot.runtime import web_client
from bot.services import posting
from bot.services.posting import ChannelPacer, Poster
from bot.slack.outbound import SlackOutbound
from tests.conftest import MINIMAL

OCCURRENCE = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
MISSING_TEXT = "missing_text_or_fallback_or_attachments"


@pytest.fixture
def config(write_config):
    return load_config(write_config(MINIMAL))


@pytest.fixture
def poster(config, store, slack_settings):
    return Poster(config, store, SlackOutbound(web_client(slack_settings, retries=False)),
                  SystemClock(),
                  resolve=lambda ch: ch.channel, pacer=ChannelPacer(interval=0))


def test_prompt_posted_with_blocks_and_recorded(poster, config, store, fake):
    result = poster.post(config.channels[0], "prompt", OCCURRENCE)
    assert result.status == "posted"
    (message,) = fake.messages("C0123TEAM")
    assert message["ts"] == result.ts
    assert [b["type"] for b in message["blocks"]] == [
        "section", "context", "actions", "actions", "context"]
    assert [e["value"] for e in message["blocks"][2]["elements"]] == ["follow", "take", "pass"]
    assert message["text"].startswith("When you see good leadership")
    assert not [w for w in fake.warnings if w[1] == MISSING_TEXT]
    (row,) = store.posts()
    assert (row["status"], row["ts"], row["kind"], row["attempts"]) == (
        "posted", result.ts, "prompt", 1)
    assert row["occurrence"] == "2026-11-23T09:00:00Z"


def test_same_occurrence_is_never_posted_twice(poster, config, fake):
    assert poster.post(config.channels[0], "prompt", OCCURRENCE).status == "posted"
    assert poster.post(config.channels[0], "prompt", OCCURRENCE).status == "duplicate"
    assert len(fake.messages("C0123TEAM")) == 1


def test_nudges_follow_the_rotation(poster, config, store, fake):
    ids = []
    for day in range(3):
        result = poster.post(config.channels[0], "nudge", OCCURRENCE + timedelta(days=day))
        ids.append(store.get_post(result.post_id)["nudge_id"])
    assert len(set(ids)) == 3
    assert store.rotation_state("C0123TEAM") == (0, set(ids))
    texts = [m["blocks"][0]["text"]["text"] for m in fake.messages("C0123TEAM")]
    assert all(t.startswith("*") for t in texts)


@pytest.mark.parametrize("failure", [
    {"status": 429, "retry_after": 1},
    {"status": 500},
    {"status": 503},
    {"drop": True},
    {"error": "internal_error", "status": 200},
])
def test_transient_failures_are_retried(poster, config, store, fake, failure):
    fake.fail("chat.postMessage", times=1, **failure)
    # Retry-After (1 s) is Slack's to set; the backoff's first step is shortened here, and
    # test_backoff_starts_at_a_second checks what the bot ships with
    poster.first_backoff = 0.2
    wait = 0.9 if "retry_after" in failure else 0.19
    started = time.monotonic()
    result = poster.post(config.channels[0], "prompt", OCCURRENCE,
                         deadline=datetime.now(UTC) + timedelta(minutes=1))
    assert result.status == "posted"
    assert len(fake.messages("C0123TEAM")) == 1
    assert len(fake.calls_to("chat.postMessage")) == 2
    assert time.monotonic() - started >= wait  # Retry-After / backoff honoured
    row = store.get_post(result.post_id)
    assert row["attempts"] == 2 and row["status"] == "posted" and row["error"] is None


def test_backoff_starts_at_a_second(poster):
    assert poster.first_backoff == 1.0 and posting.MAX_BACKOFF == 30.0


@pytest.mark.parametrize("error", ["channel_not_found", "not_in_channel", "invalid_auth",
                                   "is_archived"])
def test_permanent_errors_are_not_retried_and_logged_once(poster, config, store, fake, caplog,
                                                         error):
    fake.fail("chat.postMessage", status=200, error=error, times=2)
    with caplog.at_level(logging.ERROR, logger="bot.services.posting"):
        first = poster.post(config.channels[0], "prompt", OCCURRENCE)
        second = poster.post(config.channels[0], "nudge", OCCURRENCE)
    assert (first.status, first.error) == ("failed", error)
    assert second.status == "failed"
    assert len(fake.calls_to("chat.postMessage")) == 2  # one each, no retry
    logged = [r.getMessage() for r in caplog.records if error in r.getMessage()]
    assert len(logged) == 1 and "C0123TEAM" in logged[0] and "will not be retried" in logged[0]
    assert [p["status"] for p in store.posts()] == ["failed", "failed"]
    assert store.posts()[0]["error"] == error


def test_real_not_in_channel_from_the_fake(config, store, slack_settings, fake):
    fake.add_channel("C0999OUT", "outside", bot_is_member=False)
    poster = Poster(config, store, SlackOutbound(web_client(slack_settings, retries=False)),
                  SystemClock(),
                    resolve=lambda ch: "C0999OUT")
    result = poster.post(config.channels[0], "prompt", OCCURRENCE)
    assert result.error == "not_in_channel"


def test_gives_up_at_the_deadline(poster, config, store, fake):
    fake.fail("chat.postMessage", status=503, times=50)
    poster.first_backoff = 0.1
    result = poster.post(config.channels[0], "prompt", OCCURRENCE,
                         deadline=datetime.now(UTC) + timedelta(seconds=0.5))
    assert result.status == "failed"
    row = store.get_post(result.post_id)
    assert row["status"] == "failed" and row["error"].startswith("gave up after retries")
    assert fake.messages("C0123TEAM") == []


def test_stop_during_a_retry_gives_the_claim_back(config, store, slack_settings, fake):
    stop = threading.Event()
    poster = Poster(config, store, SlackOutbound(web_client(slack_settings, retries=False)),
                  SystemClock(),
                    resolve=lambda ch: ch.channel, stop=stop)
    fake.fail("chat.postMessage", status=429, retry_after=30, times=1)
    threading.Timer(0.5, stop.set).start()
    started = time.monotonic()
    result = poster.post(config.channels[0], "prompt", OCCURRENCE)
    assert result.status == "stopped"
    assert time.monotonic() - started < 5
    assert store.posts() == []  # a restart within the grace can post it
    assert poster.post(config.channels[0], "prompt", OCCURRENCE).status == "stopped"


def test_pacer_spaces_posts_to_one_channel():
    pacer = ChannelPacer(interval=1.0)
    assert pacer.reserve("C1") == 0
    assert 0.9 < pacer.reserve("C1") <= 1.0
    assert pacer.reserve("C2") == 0
