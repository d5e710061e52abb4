"""Backups through the running bot: a copy taken while a stream of replies is being recorded
is sound and holds every reply recorded before it began; restore refuses while a bot runs (in
process, and as `leadbot run`), and works once it has stopped."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from tests import slackdrive as sd
from tests.e2e import (
    PROMPT_AND_NUDGE_YEARLY,
    BotProcess,
    BotThread,
    bot_env,
    running,
    transport_to,
)

pytestmark = pytest.mark.e2e

CONFIG = PROMPT_AND_NUDGE_YEARLY


@pytest.fixture
def env(fake, tmp_path):
    return bot_env(fake, tmp_path, CONFIG)


@pytest.fixture
def prompt(run_cli, env, fake):
    result = run_cli("post-now", "C0123TEAM", environ=env)
    assert result.exit_code == 0, result.output
    return fake.messages("C0123TEAM")[0]


def replies(db) -> int:
    conn = sqlite3.connect(db, timeout=10)
    try:
        return conn.execute("SELECT count(*) FROM replies").fetchone()[0]
    finally:
        conn.close()


def stream_replies(fake, slack, thread_ts: str, stop: threading.Event, sent: list) -> None:
    """Replies in the prompt's thread, one after another, until ``stop``."""
    n = 0
    while not stop.is_set():
        text = f"reply {n}"
        ts = fake.add_message("C0123TEAM", text, user="U0000BOB", thread_ts=thread_ts)
        slack.event(sd.thread_reply("C0123TEAM", thread_ts, ts, "U0000BOB", text))
        sent.append(ts)
        n += 1


@pytest.mark.parametrize("mode", ["socket"])
def test_backup_during_a_stream_of_replies_is_sound(fake, env, tmp_path, run_cli, prompt, mode):
    db = tmp_path / "leadbot.db"
    dest = tmp_path / "backup.db"
    stop, sent = threading.Event(), []
    with running(fake, env, tmp_path, mode) as slack:
        writer = threading.Thread(target=stream_replies, daemon=True,
                                  args=(fake, slack, prompt["ts"], stop, sent))
        writer.start()
        try:
            fake.wait_for(lambda: replies(db) >= 20, timeout=15)
            before = replies(db)
            result = run_cli("backup", str(dest), environ=env)
            after_sent = len(sent)
            fake.wait_for(lambda: replies(db) >= after_sent + 20, timeout=15)  # still flowing
        finally:
            stop.set()
            writer.join(10)
        assert result.exit_code == 0, result.output
        assert "integrity_check: ok" in result.output
    copied = replies(dest)
    assert before <= copied < len(sent), (before, copied, len(sent))
    assert f"  replies: {copied} row(s)" in result.output.splitlines()
    conn = sqlite3.connect(dest)
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    # every copied reply is whole: its text matches the one sent with its ts
    rows = conn.execute("SELECT ts, text FROM replies ORDER BY id").fetchall()
    conn.close()
    assert [ts for ts, _ in rows] == sent[:copied]
    assert [text for _, text in rows] == [f"reply {n}" for n in range(copied)]


def test_restore_refuses_while_a_bot_runs_then_restores(fake, env, tmp_path, run_cli, prompt):
    db = tmp_path / "leadbot.db"
    dest = tmp_path / "backup.db"
    assert run_cli("backup", str(dest), environ=env).exit_code == 0
    bot = BotThread(env, tmp_path, "socket")
    try:
        slack = transport_to(fake, bot, "socket")
        ts = fake.add_message("C0123TEAM", "after the backup", user="U0000BOB",
                              thread_ts=prompt["ts"])
        slack.event(sd.thread_reply("C0123TEAM", prompt["ts"], ts, "U0000BOB",
                                    "after the backup"))
        fake.wait_for(lambda: replies(db) == 1)
        before = db.read_bytes()
        result = run_cli("restore", str(dest), environ=env)
        assert result.exit_code == 1
        assert result.output == (f"error: a leadbot is running on {db} (it holds {db}.lock): "
                                 "stop it, then restore\n")
        assert db.read_bytes() == before and not list(tmp_path.glob("*before-restore*"))
    finally:
        assert bot.stop(hang_up=fake.close_sockets), bot.output
    result = run_cli("restore", str(dest), environ=env)
    assert result.exit_code == 0, result.output
    assert "Kept what it replaces as" in result.output and replies(db) == 0
    kept = next(tmp_path.glob("leadbot.db.before-restore-*"))
    assert replies(kept) == 1
    # the restored database serves the bot again
    with running(fake, env, tmp_path, "socket"):
        pass


def test_restore_refuses_while_leadbot_run_runs(fake, env, tmp_path, run_cli, prompt):
    dest = tmp_path / "backup.db"
    assert run_cli("backup", str(dest), environ=env).exit_code == 0
    bot = BotProcess(["run"], env, tmp_path)
    try:
        bot.wait_for_line("Socket Mode connected")
        result = run_cli("restore", str(dest), environ=env)
        assert result.exit_code == 1 and "a leadbot is running on" in result.output
    finally:
        bot.kill()  # killed, not stopped: the kernel drops its lock all the same
    result = run_cli("restore", str(dest), environ=env)
    assert result.exit_code == 0, result.output
