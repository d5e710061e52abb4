"""`leadbot run` against the fake Slack (Socket Mode and HTTP mode): posts arrive with the right
blocks, exactly once across restarts, two processes and 429s. A real subprocess where the process
is the subject (each transport, exit codes, kills, two processes); the bot served in this process
(``BotThread``: the same wiring) for the rest."""

from __future__ import annotations

import json
import signal
import threading
import time
import urllib.request
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from bot.store import Store
from tests import slackdrive as sd
from tests.e2e import BotProcess, BotThread

pytestmark = pytest.mark.e2e


def _env(fake, tmp_path, **extra) -> dict[str, str]:
    return {"SLACK_BOT_TOKEN": fake.bot_token, "SLACK_APP_TOKEN": fake.app_token,
            "SLACK_SIGNING_SECRET": fake.signing_secret, "SLACK_API_URL": fake.api_url,
            "LEADBOT_CONFIG": str(tmp_path / "leadbot.yaml"),
            "LEADBOT_DB": str(tmp_path / "leadbot.db"), **extra}


def _config(tmp_path, body: str, timezone: str = "Europe/London") -> None:
    # every day a working day, so the tests do not depend on the weekday they run on
    (tmp_path / "leadbot.yaml").write_text(f"timezone: {timezone}\nadmins: [U0123ADMIN]\n"
                                           f"working_days: {ALL_DAYS}\n" + body)


ALL_DAYS = "[mon, tue, wed, thu, fri, sat, sun]"
EVERY_2S = """\
channels:
  - channel: C0123TEAM
    prompt: "*/2 * * * * *"
  - channel: "#second-team"
    timezone: Asia/Tokyo
    nudges: "1-59/2 * * * * *"
"""


def _posted(tmp_path) -> list[dict]:
    store = Store.open(tmp_path / "leadbot.db")
    try:
        return [p for p in store.posts() if p["status"] == "posted"]
    finally:
        store.close()


def _assert_each_occurrence_once(fake, tmp_path, channels=("C0123TEAM", "C0SECOND"),
                                 *, settled: bool = True) -> int:
    """Slack holds at most one message per (channel, kind, occurrence), each with its post row.

    Checked on Slack's side through the message metadata the bot attaches; with ``settled``,
    every message is also recorded as posted (a kill can leave one claim to recover later).
    """
    slack = [m for ch in channels for m in fake.messages(ch) if m.get("bot_id")]
    payloads = [m["metadata"]["event_payload"] for m in slack]
    keys = Counter((m["channel"], p["kind"], p["occurrence"]) for m, p in
                   zip(slack, payloads, strict=True))
    assert keys and max(keys.values()) == 1, keys
    store = Store.open(tmp_path / "leadbot.db")
    rows = {r["id"]: r for r in store.posts()}
    store.close()
    for message, payload in zip(slack, payloads, strict=True):
        row = rows[payload["post_id"]]
        assert (row["channel"], row["kind"], row["occurrence"]) == (
            message["channel"], payload["kind"], payload["occurrence"])
        if settled or row["status"] != "claimed":
            assert (row["status"], row["ts"]) == ("posted", message["ts"])
    return len(slack)


def test_socket_mode_posts_and_stops_cleanly(fake, tmp_path):
    fake.add_channel("C0SECOND", "second-team", bot_is_member=False)
    _config(tmp_path, EVERY_2S)
    bot = BotProcess(["run"], _env(fake, tmp_path), tmp_path)
    try:
        bot.wait_for_line("Socket Mode connected")
        assert fake.wait_for_socket(timeout=10) >= 1
        fake.wait_for(lambda: fake.messages("C0123TEAM") and fake.messages("C0SECOND"),
                      timeout=15)
    finally:
        code = bot.stop(signal.SIGTERM)
    assert code == 0, bot.output
    assert "stopped cleanly" in bot.output
    assert "joined #second-team" in bot.output
    prompt = fake.messages("C0123TEAM")[0]
    assert [e["value"] for e in prompt["blocks"][2]["elements"]] == ["follow", "take", "pass"]
    nudge = fake.messages("C0SECOND")[0]
    assert nudge["blocks"][0]["text"]["text"].startswith("*")
    assert not [w for w in fake.warnings if w[1] == "missing_text_or_fallback_or_attachments"]
    _assert_each_occurrence_once(fake, tmp_path)


def test_click_over_socket_mode_is_acked_and_recorded(fake, tmp_path):
    _config(tmp_path, "channels:\n  - channel: C0123TEAM\n    prompt: \"*/2 * * * * *\"\n")
    bot = BotThread(_env(fake, tmp_path), tmp_path, "socket")
    try:
        bot.wait_for_line("Socket Mode connected")
        fake.wait_for_socket(timeout=10)
        fake.wait_for(lambda: fake.messages("C0123TEAM"), timeout=15)
        message = fake.messages("C0123TEAM")[0]
        payload = _block_actions(fake, message, "take")
        envelope = fake.send_socket("interactive", payload)
        fake.wait_for_ack(envelope, timeout=3)
        fake.wait_for(lambda: fake.ephemerals("C0123TEAM", "U0123ADMIN"), timeout=5)
    finally:
        assert bot.stop(), bot.output
    (ephemeral,) = fake.ephemerals("C0123TEAM", "U0123ADMIN")
    assert "take the lead" in ephemeral["text"]
    store = Store.open(tmp_path / "leadbot.db")
    (choice,) = store.export_rows("choice")
    store.close()
    assert (choice["user"], choice["choice"], choice["ts"]) == ("U0123ADMIN", "take",
                                                               message["ts"])


def _block_actions(fake, message: dict, choice: str) -> dict:
    return sd.click(fake, message, "U0123ADMIN", choice)


def test_http_mode_health_signed_click_and_forged_signature(fake, tmp_path):
    _config(tmp_path, "channels:\n  - channel: C0123TEAM\n    prompt: \"*/2 * * * * *\"\n")
    bot = BotProcess(["run", "--http", "--host", "127.0.0.1", "--port", "0"],
                     _env(fake, tmp_path, SLACK_APP_TOKEN=""), tmp_path)
    try:
        port = int(bot.wait_for_line(r"listening on http://127\.0\.0\.1:(\d+)").group(1))
        base = f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:
            health = json.loads(response.read())
            assert response.status == 200
        assert health["ok"] is True and health["database"] == "ok"
        assert health["scheduler"] == "running" and health["next_run"].endswith("Z")
        fake.wait_for(lambda: fake.messages("C0123TEAM"), timeout=15)
        message = fake.messages("C0123TEAM")[0]
        status, _ = fake.deliver_interaction(f"{base}/slack/events",
                                             _block_actions(fake, message, "follow"))
        assert status == 200
        fake.wait_for(lambda: fake.ephemerals("C0123TEAM", "U0123ADMIN"), timeout=5)
        # a forged signature is refused and records nothing
        body = b'payload={"type":"block_actions"}'
        headers = fake.sign(body)
        headers["X-Slack-Signature"] = "v0=" + "0" * 64
        request = urllib.request.Request(f"{base}/slack/events", data=body, headers={
            **headers, "Content-Type": "application/x-www-form-urlencoded"})
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(request, timeout=5)
        assert info.value.code == 401
    finally:
        assert bot.stop() == 0, bot.output
    store = Store.open(tmp_path / "leadbot.db")
    assert [c["choice"] for c in store.export_rows("choice")] == ["follow"]
    store.close()


@pytest.mark.parametrize(("args", "env_drop", "missing"), [
    (["run"], "SLACK_APP_TOKEN", "SLACK_APP_TOKEN is not set"),
    (["run", "--http"], "SLACK_SIGNING_SECRET", "SLACK_SIGNING_SECRET is not set"),
    (["run"], "SLACK_BOT_TOKEN", "SLACK_BOT_TOKEN is not set"),
])
def test_missing_tokens_exit_2(fake, tmp_path, run_cli, args, env_drop, missing):
    # the command's own check, run in process: it stops before any signal handler or thread
    _config(tmp_path, EVERY_2S)
    result = run_cli(*args, environ=_env(fake, tmp_path, **{env_drop: ""}))
    assert result.exit_code == 2
    assert missing in result.output and "Traceback" not in result.output
    assert fake.calls == []  # nothing was started


def test_rejected_token_exits_2(fake, tmp_path):
    # the real process: its exit code, and one line where a traceback could have been
    _config(tmp_path, EVERY_2S)
    bot = BotProcess(["run"], _env(fake, tmp_path, SLACK_BOT_TOKEN="xoxb-wrong"), tmp_path)
    assert bot.proc.wait(timeout=20) == 2
    bot.stop()
    assert "Slack refused SLACK_BOT_TOKEN (invalid_auth)" in bot.output


def test_restart_at_the_scheduled_time_posts_nothing_twice(fake, tmp_path):
    fake.add_channel("C0SECOND", "second-team")
    _config(tmp_path, EVERY_2S)
    for _ in range(3):
        bot = BotProcess(["run"], _env(fake, tmp_path), tmp_path)
        bot.wait_for_line("Socket Mode connected")
        before = len(fake.calls_to("chat.postMessage"))
        fake.wait_for(lambda b=before: len(fake.calls_to("chat.postMessage")) > b, timeout=15)
        bot.kill()  # no clean-up at all, right after a post
    assert _assert_each_occurrence_once(fake, tmp_path, settled=False) >= 3


def test_two_processes_on_one_database_post_each_occurrence_once(fake, tmp_path):
    fake.add_channel("C0SECOND", "second-team")
    _config(tmp_path, EVERY_2S)
    bots = [BotProcess(["run"], _env(fake, tmp_path), tmp_path) for _ in range(2)]
    try:
        for bot in bots:
            bot.wait_for_line("Socket Mode connected")
        fake.wait_for(lambda: len(fake.messages("C0123TEAM")) >= 3
                      and len(fake.messages("C0SECOND")) >= 3, timeout=20)
    finally:
        codes = [bot.stop() for bot in bots]
    assert codes == [0, 0]
    assert _assert_each_occurrence_once(fake, tmp_path) >= 6
    # both processes were really racing for the same occurrences
    assert len(fake.calls_to("chat.postMessage")) == len(_posted(tmp_path))


def test_a_429_storm_loses_no_post(fake, tmp_path):
    fake.add_channel("C0SECOND", "second-team")
    fake.rate_limit_ratio(0.5, retry_after=1, seed=3)
    _config(tmp_path, EVERY_2S)
    bot = BotThread(_env(fake, tmp_path), tmp_path, "socket")
    try:
        bot.wait_for_line("Socket Mode connected")
        fake.wait_for(lambda: len([c for c in fake.calls_to("chat.postMessage")
                                   if c.status == 429]) >= 3, timeout=20)
        fake.rate_limit_ratio(0.0)
        # the storm is over: wait until every post it held back is through
        fake.wait_for(lambda: _settled(tmp_path), timeout=15)
    finally:
        assert bot.stop(), bot.output
    store = Store.open(tmp_path / "leadbot.db")
    rows = store.posts()
    store.close()
    assert rows and {r["status"] for r in rows} == {"posted"}, rows
    assert any(r["attempts"] > 1 for r in rows)
    _assert_each_occurrence_once(fake, tmp_path)


def _rows(tmp_path) -> list[dict]:
    store = Store.open(tmp_path / "leadbot.db")
    try:
        return store.posts()
    finally:
        store.close()


def _settled(tmp_path) -> bool:
    """Whether there are posts and every one of them made it."""
    rows = _rows(tmp_path)
    return bool(rows) and all(r["status"] == "posted" for r in rows)


def test_missed_runs_inside_the_grace_post_older_are_skipped(fake, tmp_path):
    fake.add_channel("C0SECOND", "second-team")
    now = datetime.now(UTC)
    recent = now - timedelta(minutes=20)   # inside the 60-minute grace
    old = now - timedelta(hours=3)         # outside it
    _config(tmp_path, f"""\
missed_run_grace: 60
channels:
  - channel: C0123TEAM
    prompt: "{recent.minute} {recent.hour} * * *"
  - channel: C0SECOND
    prompt: "{old.minute} {old.hour} * * *"
""", timezone="UTC")
    store = Store.open(tmp_path / "leadbot.db")  # the bot was set up yesterday, then went down
    for channel in ("C0123TEAM", "C0SECOND"):
        store.schedule_since(channel, "prompt", now - timedelta(days=1, hours=4))
    store.close()
    bot = BotThread(_env(fake, tmp_path), tmp_path, "socket")
    try:
        bot.wait_for_line("Socket Mode connected")
        fake.wait_for(lambda: fake.messages("C0123TEAM"), timeout=15)
        fake.wait_for(lambda: {(r["channel"], r["status"]) for r in _rows(tmp_path)} >= {
            ("C0123TEAM", "posted"), ("C0SECOND", "skipped")}, timeout=15)
    finally:
        assert bot.stop(), bot.output
    assert len(fake.messages("C0123TEAM")) == 1
    assert fake.messages("C0SECOND") == []
    rows = {(r["channel"], r["status"]) for r in _rows(tmp_path)}
    assert ("C0123TEAM", "posted") in rows
    assert ("C0SECOND", "skipped") in rows
    assert ("C0SECOND", "posted") not in rows


@pytest.mark.parametrize("mode", ["http", "socket"])
def test_stops_at_once(fake, tmp_path, mode):
    """The server's loop (HTTP) or the Socket Mode client's ends when told to, not at its next
    poll up to a second later, and leaves no thread of its own behind (waitress's workers)."""
    _config(tmp_path, "channels:\n  - channel: C0123TEAM\n    prompt: \"0 9 1 1 *\"\n")
    took = []
    for _ in range(3):
        before = set(threading.enumerate())  # this bot's threads are what is checked
        bot = BotThread(_env(fake, tmp_path), tmp_path, mode)
        bot.wait_for_line("listening on" if mode == "http" else "Socket Mode connected")
        started = time.monotonic()
        assert bot.stop(), bot.output
        took.append(time.monotonic() - started)
        # the client's closing may still be under way on a busy machine; it ends soon
        fake.wait_for(lambda started_with=before: not [
            t for t in set(threading.enumerate()) - started_with
            if t.name == "socket-close" or t.name.startswith("waitress")], timeout=5)
    assert max(took) < 0.45, took
