"""The weekly digest through `leadbot post-now --kind digest` and the scheduler's poster, against
the fake Slack: counts from a seeded database, the chart uploaded with Slack's external upload
flow (a real, decodable PNG), the quiet week, and a failed upload."""

from __future__ import annotations

import io
import logging
import struct
from datetime import UTC, datetime, timedelta

import pytest

from bot.store import Store

pytestmark = pytest.mark.e2e

CONFIG = """\
timezone: Europe/London
channels:
  - channel: C0123TEAM
    prompt: "0 9 * * MON"
    digest: "0 16 * * FRI"
"""
TEAM = "C0123TEAM"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # the run_cli clock


@pytest.fixture
def env(fake, tmp_path, write_config):
    write_config(CONFIG)
    return {"SLACK_BOT_TOKEN": fake.bot_token, "SLACK_API_URL": fake.api_url,
            "LEADBOT_CONFIG": str(tmp_path / "leadbot.yaml"),
            "LEADBOT_DB": str(tmp_path / "leadbot.db")}


def seed(path):
    """This week: 3 people (2 take, 1 follow), 2 replies, one shared and one private
    reflection. Last week: 1 pass."""
    store = Store.open(path)
    try:
        this_week = NOW - timedelta(days=2)
        post = store.claim_post(TEAM, "prompt", this_week, this_week)
        store.mark_posted(post, ts="1764000000.000100", text="the refrain", at=this_week)
        for user, choice in [("U1", "take"), ("U2", "take"), ("U3", "follow")]:
            store.record_choice(post, user, choice, this_week + timedelta(hours=1))
        for n, user in enumerate(["U1", "U3"]):
            store.record_reply(channel=TEAM, thread_ts="1764000000.000100",
                               ts=f"1764000100.00010{n}", user=user, text="on it",
                               at=this_week + timedelta(hours=2), post_id=post)
        store.record_reflection(user="U2", channel=TEAM, text="Asked why <five> times & more",
                                choice="take", theme="go-to-gemba", shared=True,
                                at=this_week + timedelta(hours=3))
        store.record_reflection(user="U1", channel=TEAM, text="MY PRIVATE NOTE", choice="take",
                                at=this_week + timedelta(hours=3))
        last_week = NOW - timedelta(days=9)
        old = store.claim_post(TEAM, "prompt", last_week, last_week)
        store.mark_posted(old, ts="1763400000.000100", text="the refrain", at=last_week)
        store.record_choice(old, "U1", "pass", last_week + timedelta(hours=1))
    finally:
        store.close()


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def text_of(message) -> str:
    return str(message.get("blocks")) + message.get("text", "")


def test_digest_with_counts_and_a_real_png_chart(fake, env, tmp_path, run_cli):
    seed(tmp_path / "leadbot.db")
    result = run_cli("post-now", TEAM, "--kind", "digest", environ=env)
    assert result.exit_code == 0, result.output
    [digest, chart] = fake.messages(TEAM)
    body = text_of(digest)
    # last week only one person answered: below min_group_size (3), so nothing to compare
    assert "1 follow · 2 take · 0 pass (too few answered last week to compare)" in body
    assert "Asked why &lt;five&gt; times &amp; more" in body  # shared, escaped, anonymous
    assert "MY PRIVATE NOTE" not in body and "U2" not in body
    [upload] = fake.files
    assert upload["completed"] and upload["channels"] == [TEAM]
    assert upload["alt_txt"].startswith("Answers per week")
    assert png_size(upload["content"]) == (800, 400)
    import matplotlib.image
    assert matplotlib.image.imread(io.BytesIO(upload["content"])).shape[:2] == (400, 800)
    assert chart["files"][0]["id"] == upload["id"]
    called = [c.method for c in fake.calls]
    assert called.index("files.getUploadURLExternal") < called.index(
        "files.completeUploadExternal")
    # the digest is recorded like any post, so the schedule will not post it again
    store = Store.open(tmp_path / "leadbot.db")
    try:
        assert [p["kind"] for p in store.posts() if p["status"] == "posted"].count("digest") == 1
    finally:
        store.close()


def test_min_group_size_hides_a_two_person_week(fake, env, tmp_path, run_cli):
    store = Store.open(tmp_path / "leadbot.db")
    try:
        at = NOW - timedelta(days=1)
        post = store.claim_post(TEAM, "prompt", at, at)
        store.mark_posted(post, ts="1764000000.000100", text="the refrain", at=at)
        store.record_choice(post, "U1", "take", at)
        store.record_choice(post, "U2", "pass", at)
        store.record_reflection(user="U1", channel=TEAM, text="SHARED BUT TOO FEW",
                                shared=True, at=at)
    finally:
        store.close()
    result = run_cli("post-now", TEAM, "--kind", "digest", environ=env)
    assert result.exit_code == 0, result.output
    [digest] = fake.messages(TEAM)  # no chart either
    body = text_of(digest)
    assert "Fewer than 3 people answered" in body
    assert "1 take" not in body and "SHARED BUT TOO FEW" not in body
    assert fake.files == []


def test_sightings_in_the_digest_named_or_anonymous(fake, env, tmp_path, run_cli):
    seed(tmp_path / "leadbot.db")
    store = Store.open(tmp_path / "leadbot.db")
    try:
        at = NOW - timedelta(days=1)
        store.record_sighting(seer="U1", about="U2", text="Stopped the line to fix a snag",
                              at=at, channel=TEAM, theme="surface-problems")
        store.record_sighting(seer="U3", about="U1", text="Asked the new hire to lead",
                              at=at, channel=TEAM, anonymous=True)
        store.record_sighting(seer="U2", about="U3", text="KEPT OUT OF THE DIGEST", at=at,
                              channel=TEAM, in_digest=False)
    finally:
        store.close()
    assert run_cli("post-now", TEAM, "--kind", "digest", environ=env).exit_code == 0
    body = text_of(fake.messages(TEAM)[0])
    assert "Leadership we saw this week" in body
    assert "<@U2>, seen by <@U1>" in body and "Stopped the line" in body
    assert "<@U1>, seen by a teammate" in body and "<@U3>" not in body.split(
        "Leadership we saw")[1]
    assert "KEPT OUT OF THE DIGEST" not in body


def test_quiet_week_gets_a_short_encouraging_digest(fake, env, run_cli):
    result = run_cli("post-now", TEAM, "--kind", "digest", environ=env)
    assert result.exit_code == 0, result.output
    [digest] = fake.messages(TEAM)
    assert "quiet week" in text_of(digest).lower()
    assert "0 follow" not in text_of(digest)
    assert fake.files == []


def test_failed_upload_still_posts_the_digest(fake, env, tmp_path, run_cli, caplog):
    seed(tmp_path / "leadbot.db")
    fake.fail("files.getUploadURLExternal", error="internal_error", times=5)
    with caplog.at_level(logging.ERROR):
        result = run_cli("post-now", TEAM, "--kind", "digest", environ=env)
    assert result.exit_code == 0, result.output
    [digest] = fake.messages(TEAM)
    assert "2 take" in text_of(digest)
    assert fake.files == []
    assert "digest chart for C0123TEAM was not uploaded" in caplog.text
