"""Every answer recorded once, through the bot served in process (and `leadbot run` as a
subprocess where it is killed) against the fake Slack, in Socket Mode and in signed HTTP mode;
checked through `leadbot export`."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import urllib.error
import urllib.request

import pytest

from tests import slackdrive as sd
from tests.e2e import PROMPT_AND_NUDGE_YEARLY, BotProcess, bot_env, running, transport_to

pytestmark = pytest.mark.e2e

CONFIG = PROMPT_AND_NUDGE_YEARLY
MODES = ["socket", "http"]


@pytest.fixture
def env(fake, tmp_path):
    return bot_env(fake, tmp_path, CONFIG)


@pytest.fixture
def posted(run_cli, env, fake):
    """A prompt and a nudge the bot posted before it started (through post-now)."""
    for kind in ("prompt", "nudge"):
        result = run_cli("post-now", "C0123TEAM", "--kind", kind, environ=env)
        assert result.exit_code == 0, result.output
    prompt, nudge = fake.messages("C0123TEAM")
    return prompt, nudge


def start(fake, env, tmp_path, mode):
    """`leadbot run` as a subprocess (to be killed), and a Transport to it."""
    args = ["run"] + (["--http", "--host", "127.0.0.1", "--port", "0"] if mode == "http" else [])
    bot = BotProcess(args, env, tmp_path)
    return bot, transport_to(fake, bot, mode)


def export(run_cli, env, kind) -> list[dict]:
    result = run_cli("export", "--kind", kind, environ=env)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines()]


def wait_export(fake, run_cli, env, kind, predicate, timeout=8):
    return fake.wait_for(lambda: predicate(export(run_cli, env, kind)), timeout=timeout)


@pytest.mark.parametrize("mode", MODES)
def test_answers_recorded_once(fake, env, tmp_path, run_cli, posted, mode):
    prompt, nudge = posted
    thread = prompt["ts"]
    with running(fake, env, tmp_path, mode) as slack:
        # clicks: take, then a change to follow, then follow again; another person passes
        for user, choice in [("U0123ADMIN", "take"), ("U0123ADMIN", "follow"),
                             ("U0123ADMIN", "follow"), ("U0000BOB", "pass")]:
            assert slack.interaction(sd.click(fake, prompt, user, choice)) < 1.5
        fake.wait_for(lambda: len(fake.ephemerals("C0123TEAM")) == 4)
        fake.wait_for(lambda: "1 follow · 0 take · 1 pass" in json.dumps(
            fake.messages("C0123TEAM")[0]["blocks"], ensure_ascii=False))
        texts = [e["text"] for e in fake.ephemerals("C0123TEAM", "U0123ADMIN")]
        assert "take the lead" in texts[0] and "small, visible step" in texts[0]
        assert texts[1].startswith("You changed your choice: now _to follow_ (before: _to take")
        assert "already chosen" in texts[2]
        assert "don't complain" in fake.ephemerals("C0123TEAM", "U0000BOB")[0]["text"]
        assert "U0123ADMIN" not in json.dumps(fake.messages("C0123TEAM")[0]["blocks"])

        # replies: one to the prompt, one to the nudge; ignored: other thread, top level, bot
        r1 = fake.add_message("C0123TEAM", "I'll take the stand-up", user="U0123ADMIN",
                              thread_ts=thread)
        r2 = fake.add_message("C0123TEAM", "Went to the floor", user="U0000BOB",
                              thread_ts=nudge["ts"])
        other = fake.add_message("C0123TEAM", "unrelated", user="U0000BOB")
        slack.event(sd.thread_reply("C0123TEAM", thread, r1, "U0123ADMIN",
                                    "I'll take the stand-up"), event_id="EvR1")
        slack.event(sd.thread_reply("C0123TEAM", nudge["ts"], r2, "U0000BOB",
                                    "Went to the floor"), event_id="EvR2")
        slack.event(sd.thread_reply("C0123TEAM", other, "1764000999.000100", "U0000BOB",
                                    "reply elsewhere"))
        slack.event(sd.top_level("C0123TEAM", "1764000999.000200", "U0000BOB", "hello all"))
        slack.event(sd.bot_reply("C0123TEAM", thread, "1764000999.000300"))
        # redeliveries: the same event id again (Slack's retry), and the same message through
        # another path (a new event id, same channel and ts)
        slack.event(sd.thread_reply("C0123TEAM", thread, r1, "U0123ADMIN",
                                    "I'll take the stand-up"), event_id="EvR1", retry=1)
        slack.event(sd.thread_reply("C0123TEAM", thread, r1, "U0123ADMIN",
                                    "I'll take the stand-up"), event_id="EvR1-other-path")
        # an edit, a deletion, and an edit that arrives before its message
        slack.event(sd.edited("C0123TEAM", thread, r1, "U0123ADMIN",
                              "I'll take Monday's stand-up", "1764001100.000000"))
        slack.event(sd.deleted("C0123TEAM", nudge["ts"], r2, "U0000BOB", "1764001200.000100"))
        slack.event(sd.edited("C0123TEAM", thread, "1764001300.000100", "U0000BOB",
                              "edited before we saw it", "1764001350.000000"))
        slack.event(sd.thread_reply("C0123TEAM", thread, "1764001300.000100", "U0000BOB",
                                    "original words"))
        # reactions: one added and kept, one added then removed, one on someone else's message
        slack.event(sd.reaction("C0123TEAM", thread, "U0000BOB", "muscle", True, "1764001400.1"))
        slack.event(sd.reaction("C0123TEAM", thread, "U0123ADMIN", "eyes", True, "1764001401.1"))
        slack.event(sd.reaction("C0123TEAM", thread, "U0123ADMIN", "eyes", False,
                                "1764001402.1"))
        slack.event(sd.reaction("C0123TEAM", other, "U0123ADMIN", "tada", True, "1764001403.1"))
        wait_export(fake, run_cli, env, "reaction",
                    lambda rows: any(r.get("removed_at") for r in rows))
        wait_export(fake, run_cli, env, "reply", lambda rows: len(rows) == 2 and any(
            r["text"] == "I'll take Monday's stand-up" for r in rows))

    replies = export(run_cli, env, "reply")
    assert sorted((r["user"], r["text"]) for r in replies) == [
        ("U0000BOB", "edited before we saw it"), ("U0123ADMIN", "I'll take Monday's stand-up")]
    assert all("edited_at" in r for r in replies)
    assert "Went to the floor" not in json.dumps(export(run_cli, env, "reply"))
    choices = export(run_cli, env, "choice")
    assert [(c["user"], c["choice"], c["current"]) for c in choices] == [
        ("U0123ADMIN", "take", False), ("U0123ADMIN", "follow", True),
        ("U0000BOB", "pass", True)]
    reactions = {(r["user"], r["text"]): r.get("removed_at") for r in
                 export(run_cli, env, "reaction")}
    assert set(reactions) == {("U0000BOB", "muscle"), ("U0123ADMIN", "eyes")}
    assert reactions[("U0000BOB", "muscle")] is None and reactions[("U0123ADMIN", "eyes")]


@pytest.mark.parametrize("mode", MODES)
def test_kill_in_a_stream_then_restart_and_redeliver(fake, env, tmp_path, run_cli, posted,
                                                     mode):
    prompt, _ = posted
    events = []
    for n in range(60):
        ts = fake.add_message("C0123TEAM", f"reply {n}", user="U0000BOB",
                              thread_ts=prompt["ts"])
        events.append((f"EvK{n:03d}", sd.thread_reply("C0123TEAM", prompt["ts"], ts,
                                                       "U0000BOB", f"reply {n}")))
    bot, slack = start(fake, env, tmp_path, mode)
    acked: list[str] = []

    def stream():
        for event_id, event in events:
            try:
                slack.event(event, event_id=event_id)
            except (AssertionError, OSError, TimeoutError, RuntimeError):
                return  # the bot died under us: Slack would retry this one
            acked.append(event_id)

    sender = threading.Thread(target=stream)
    sender.start()
    fake.wait_for(lambda: len(acked) >= 20, timeout=15)
    bot.kill()
    sender.join(timeout=20)
    assert 20 <= len(acked) < 60
    # A reply to a post made before the restart, and Slack's retries of everything it may not
    # have seen acked (we send all of them again: acked ones must not be stored twice).
    bot, slack = start(fake, env, tmp_path, mode)
    try:
        for event_id, event in events:
            slack.event(event, event_id=event_id, retry=1)
        wait_export(fake, run_cli, env, "reply", lambda rows: len(rows) >= 60, timeout=15)
    finally:
        assert bot.stop() == 0, bot.output
    texts = [r["text"] for r in export(run_cli, env, "reply")]
    assert sorted(texts) == sorted(f"reply {n}" for n in range(60))


def test_forged_and_stale_signatures_get_401_and_record_nothing(fake, env, tmp_path, run_cli,
                                                                posted):
    prompt, _ = posted
    with running(fake, env, tmp_path, "http") as slack:
        body = json.dumps(fake.event_envelope(sd.thread_reply(
            "C0123TEAM", prompt["ts"], "1764002000.000100", "U0000BOB", "forged"))).encode()
        for headers in (
            {**fake.sign(body), "X-Slack-Signature": "v0=" + "0" * 64},          # forged
            fake.sign(body, timestamp=int(time.time()) - 600),                    # stale
            {},                                                                   # unsigned
        ):
            request = urllib.request.Request(slack.url, data=body, headers={
                **headers, "Content-Type": "application/json"})
            with pytest.raises(urllib.error.HTTPError) as info:
                urllib.request.urlopen(request, timeout=5)
            assert info.value.code == 401
        slack.event(sd.thread_reply("C0123TEAM", prompt["ts"], "1764002000.000200",
                                    "U0000BOB", "genuine"))
        wait_export(fake, run_cli, env, "reply", lambda rows: len(rows) == 1)
    assert [r["text"] for r in export(run_cli, env, "reply")] == ["genuine"]


def test_acks_stay_fast_while_the_database_is_busy(fake, env, tmp_path, run_cli, posted):
    prompt, _ = posted
    with running(fake, env, tmp_path, "http") as slack:
        blocker = sqlite3.connect(tmp_path / "leadbot.db", timeout=1)
        blocker.execute("BEGIN EXCLUSIVE")  # nobody else can read or write the main database
        try:
            times = [slack.event(sd.thread_reply("C0123TEAM", prompt["ts"],
                                                 f"1764003000.{n:06d}", "U0000BOB", f"busy {n}"))
                     for n in range(10)]
            assert max(times) < 1.0, times
        finally:
            blocker.rollback()
            blocker.close()
        wait_export(fake, run_cli, env, "reply", lambda rows: len(rows) == 10, timeout=20)
