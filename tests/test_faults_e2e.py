"""Faults and hostile input against the bot (served in process over real HTTP and WebSocket)
and the fake Slack: replayed commands and forms, a locked database, work that can never
succeed, and `forget` leaving no byte of the person behind. Real SQLite files."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from bot.store import Store
from tests import slackdrive as sd
from tests.e2e import QUIET_CONFIG as CONFIG
from tests.e2e import bot_env, running

pytestmark = pytest.mark.e2e

BOB, ADA, TEAM = "U0000BOB", "U0123ADMIN", "C0123TEAM"
FAR = "2099-01-01T00:00:00Z"


@pytest.fixture
def env(fake, tmp_path):
    return bot_env(fake, tmp_path, CONFIG)


def rows(env, kind: str) -> list[dict]:
    store = Store.open(Path(env["LEADBOT_DB"]))
    try:
        return store.export_rows(kind)
    finally:
        store.close()


def replay(fake, delivery: dict) -> int:
    """Send a recorded HTTP delivery again, byte for byte, signature and timestamp included."""
    request = urllib.request.Request(delivery["url"], data=delivery["body"],
                                     headers=delivery["headers"], method="POST")
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status


def health(slack) -> dict:
    base = slack.url.rsplit("/slack/events", 1)[0]
    with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:
        return json.loads(response.read())


def test_replayed_commands_and_forms_are_stored_once(fake, env, tmp_path):
    with running(fake, env, tmp_path, "http") as slack:
        # (the word "payload" in a command once made Bolt read it as an interaction: 404)
        said = slack.command("/reflect", "take: sent the payload to QA", BOB, TEAM)
        assert "saved" in json.dumps(said)
        assert replay(fake, fake.deliveries[-1]) == 200  # the same signed request, again
        answer = slack.command("/saw", f"<@{ADA}|ada> kept the board honest", BOB, TEAM)
        assert "Noted" in json.dumps(answer)
        assert replay(fake, fake.deliveries[-1]) == 200
        before = {v["id"] for v in fake.views}
        assert slack.command("/reflect", "", BOB, TEAM) == {}
        modal = fake.wait_for(lambda: next(v for v in fake.views if v["id"] not in before))
        slack.interact(sd.submission(modal, BOB, sd.reflect_values("from the form")))
        assert replay(fake, fake.deliveries[-1]) == 200
        # a replay wrongly accepted would be in the inbox before its ack: wait for it to be done
        fake.wait_for(lambda: health(slack)["inbox_pending"] == 0, timeout=10)
        assert [r["text"] for r in rows(env, "reflection")] == ["sent the payload to QA",
                                                               "from the form"]
        assert len(rows(env, "sighting")) == 1
        store = Store.open(Path(env["LEADBOT_DB"]))
        assert len(store.dms_to(ADA)) == 1  # one DM to the person seen, not two
        store.close()


def test_a_locked_database_delays_a_command_but_loses_nothing(fake, env, tmp_path,
                                                              monkeypatch):
    # the bot waits 1 s for a lock here (10 s as shipped), so a lock held for 2 s outlasts it
    # as 12 s would outlast 10 s: the first try fails and the work waits for its retry
    monkeypatch.setattr("bot.store.BUSY_TIMEOUT_MS", 1000)
    with running(fake, env, tmp_path, "http") as slack:
        slack.command("/reflect", "help", BOB, TEAM)
        locker = sqlite3.connect(env["LEADBOT_DB"], timeout=1, isolation_level=None,
                                 check_same_thread=False)
        locker.execute("BEGIN IMMEDIATE")  # another process holds the write lock for 2 s
        released = threading.Timer(2, locker.execute, ["ROLLBACK"])
        released.start()
        try:
            url = fake.new_response_url()
            started = time.monotonic()
            status, _ = fake.deliver_command(slack.url, "/reflect", "take: asked why twice",
                                             BOB, TEAM, response_url=url)
            assert status == 200 and time.monotonic() - started < 3  # acked at once
            answer = fake.wait_for(lambda: [r for r in fake.responses if r["url"] == url],
                                   timeout=30)
        finally:
            released.join()
            locker.close()
        assert "saved" in answer[0]["body"]["text"].lower()
        assert [r["text"] for r in rows(env, "reflection")] == ["asked why twice"]
        assert "failed (attempt 1); retrying" in slack.process.output  # the lock outlasted it


def test_work_that_can_never_succeed_is_not_retried_forever(fake, env, tmp_path, run_cli):
    fake.add_user("U0OUTSIDE", "otto")  # in the workspace, not in the channel
    with running(fake, env, tmp_path, "http") as slack:
        assert run_cli("post-now", TEAM, environ=env).exit_code == 0
        prompt = fake.wait_for(lambda: fake.messages(TEAM))[0]
        slack.interaction(sd.click(fake, prompt, "U0OUTSIDE", "take"))
        # the choice is kept and the live counts still move, though the confirmation can't go
        fake.wait_for(lambda: fake.calls_to("chat.update"))
        assert "1 take" in json.dumps(fake.messages(TEAM)[0]["blocks"])
        assert len(fake.calls_to("chat.postEphemeral")) == 1
        # a reply holding a lone surrogate (valid JSON, invalid UTF-8) is stored, cleaned
        slack.event(sd.thread_reply(TEAM, prompt["ts"], "1800000000.000200", BOB,
                                    "half \ud83d an emoji"))
        fake.wait_for(lambda: health(slack)["inbox_pending"] == 0, timeout=10)
        assert [r["text"] for r in rows(env, "reply")] == ["half \ufffd an emoji"]
        # a permanent Slack error on a click's update: a dead letter at once, shown everywhere
        fake.fail("chat.update", error="cant_update_message", times=10)
        slack.interaction(sd.click(fake, prompt, BOB, "follow"))
        fake.wait_for(lambda: health(slack)["inbox_dead_letters"] == 1, timeout=10)
        assert len(fake.calls_to("chat.update")) == 2  # tried once, not again
        listed = run_cli("inbox", environ=env).output
        assert "1 dead letter(s)" in listed and "cant_update_message" in listed
        assert "dead letter" in run_cli("stats", environ=env).output
        fake.clear_failures()
        assert run_cli("inbox", "--retry", "all", environ=env).exit_code == 0
        fake.wait_for(lambda: len(fake.calls_to("chat.update")) == 3, timeout=10)
        assert health(slack)["inbox_dead_letters"] == 0
        assert "Traceback" not in slack.process.output


def send_waiting_dms(fake, env) -> None:
    """Run the outbox job (the bot runs it every minute) once, on the bot's database."""
    from zoneinfo import ZoneInfo

    from slack_sdk import WebClient

    from bot.clock import SystemClock
    from bot.services.dms import Outbox
    from bot.slack.outbound import SlackOutbound

    store = Store.open(Path(env["LEADBOT_DB"]))
    try:
        client = WebClient(token=fake.bot_token, base_url=fake.api_url)
        assert Outbox(store, SlackOutbound(client), SystemClock(), lambda user: None,
                      ZoneInfo("Europe/London")).run()
    finally:
        store.close()


def _all_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.iterdir())
                    if p.is_file() and ".db" in p.name)


def test_forget_leaves_no_byte_of_the_person_in_any_database_file(fake, env, tmp_path,
                                                                 run_cli):
    words = ["tidied the kanban board", "my private reflection", "gemba at dawn"]
    with running(fake, env, tmp_path, "socket") as slack:
        assert run_cli("post-now", TEAM, environ=env).exit_code == 0
        prompt = fake.wait_for(lambda: fake.messages(TEAM))[0]
        slack.interaction(sd.click(fake, prompt, BOB, "take"))
        slack.event(sd.thread_reply(TEAM, prompt["ts"], "1800000000.000200", BOB, words[2]))
        slack.command("/reflect", f"take: {words[1]}", BOB, TEAM)
        slack.command("/saw", f"<@{ADA}|ada> {words[0]}", BOB, TEAM)  # a DM to Ada quotes Bob
        slack.command("/saw", f"<@{BOB}|bob> ran a calm retro", ADA, TEAM)
        fake.wait_for(lambda: len(rows(env, "reply")) == 1 and len(rows(env, "choice")) == 1)
        send_waiting_dms(fake, env)  # the bot's every-minute job, run now
        assert [c for c in fake.calls_to("chat.postMessage") if words[0] in json.dumps(c.args)]
        result = run_cli("forget", BOB, "--yes", environ=env)
        assert result.exit_code == 0, result.output
        assert "1 sent messages quoting them" in result.output
    data = _all_bytes(tmp_path)
    assert BOB.encode() not in data
    for phrase in [*words, "ran a calm retro"]:
        assert phrase.encode() not in data, phrase
    assert ADA.encode() in data  # what is not about Bob stays


def test_forget_while_the_worker_holds_their_clicks(fake, env, tmp_path, run_cli):
    with running(fake, env, tmp_path, "socket") as slack:
        assert run_cli("post-now", TEAM, environ=env).exit_code == 0
        prompt = fake.wait_for(lambda: fake.messages(TEAM))[0]
        fake.latency = 0.15  # every Slack call is slow: the worker is busy with Bob's clicks
        for i in range(20):  # changing his mind each time: every click is a new choice
            slack.interaction(sd.click(fake, prompt, BOB, ("take", "follow")[i % 2]))
        fake.wait_for(lambda: fake.calls_to("chat.postEphemeral"), timeout=10)
        result = run_cli("forget", BOB, "--yes", environ=env)
        assert result.exit_code == 0, result.output
        returned = len(fake.calls)
        # the worker takes its work in order: once Ada's click is answered, any straggler of
        # Bob's has had its turn to reach Slack or the database
        slack.interaction(sd.click(fake, prompt, ADA, "pass"))
        fake.wait_for(lambda: fake.ephemerals(TEAM, ADA), timeout=10)
        after = [c for c in fake.calls[returned:] if BOB in json.dumps(c.args)]
        assert after == [], [c.method for c in after]
        assert [r["user"] for r in rows(env, "choice")] == [ADA]  # none of Bob's
