"""The inbox and its worker: durable before the ack, deduplicated, retried until done."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta

from bot.clock import FixedClock
from bot.inbox import Inbox, inbox_path
from bot.worker import LEASE, Worker, retry_delay

AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_inbox_path():
    from pathlib import Path

    assert inbox_path(Path("data/leadbot.db")) == Path("data/leadbot-inbox.db")


def test_put_dedupes_and_survives_reopening(tmp_path):
    inbox = Inbox(tmp_path / "i.db")
    assert inbox.put("event:E1", "reply", {"a": 1}, AT, user="U1")
    assert not inbox.put("event:E1", "reply", {"a": 2}, AT)
    inbox.close()
    inbox = Inbox(tmp_path / "i.db")
    (item,) = inbox.take(AT, LEASE)
    assert (item.key, item.kind, item.payload) == ("event:E1", "reply", {"a": 1})
    assert inbox.take(AT, LEASE) == []  # leased
    assert len(inbox.take(AT + LEASE, LEASE)) == 1  # lease ran out: a dead worker's item


def test_done_keeps_the_key_not_the_words(tmp_path):
    inbox = Inbox(tmp_path / "i.db")
    inbox.put("event:E1", "reply", {"text": "words"}, AT, user="U1")
    (item,) = inbox.take(AT, LEASE)
    inbox.done([item.id], AT)
    assert not inbox.put("event:E1", "reply", {"text": "words"}, AT)  # still recognised
    conn = sqlite3.connect(tmp_path / "i.db")
    assert conn.execute("SELECT payload, user FROM inbox").fetchall() == [(None, None)]
    assert inbox.prune(AT + timedelta(days=3)) == 1


def test_worker_retries_a_failing_item_and_goes_on_with_others(tmp_path):
    inbox = Inbox(tmp_path / "i.db")
    clock = FixedClock(AT)
    seen, fail = [], {"n": 2}

    def handle(payload):
        if payload["n"] == 1 and fail["n"]:
            fail["n"] -= 1
            raise sqlite3.OperationalError("database is locked")
        seen.append(payload["n"])

    worker = Worker(inbox, {"x": handle}, clock, threading.Event())
    for n in (1, 2, 3):
        inbox.put(f"k{n}", "x", {"n": n}, AT)
    worker.run_once()
    assert seen == [2, 3] and inbox.pending() == 1
    worker.run_once()
    assert seen == [2, 3]  # not due yet
    clock.advance(retry_delay(0))
    worker.run_once()
    clock.advance(retry_delay(1))
    worker.run_once()
    assert seen == [2, 3, 1] and inbox.pending() == 0


def test_retry_delay_is_capped():
    assert [retry_delay(n).total_seconds() for n in (0, 1, 2)] == [1, 2, 4]
    assert retry_delay(50) == timedelta(minutes=5)


def test_unknown_kind_is_logged_and_dropped(tmp_path, caplog):
    inbox = Inbox(tmp_path / "i.db")
    inbox.put("k", "mystery", {}, AT)
    Worker(inbox, {}, FixedClock(AT), threading.Event()).run_once()
    assert inbox.pending() == 0 and "no handler" in caplog.text


def test_many_at_once_in_one_transaction_and_one_by_one_when_that_fails(tmp_path, store):
    inbox = Inbox(tmp_path / "i.db")
    batches, singles = [], []

    def many(payloads):
        batches.append([p["n"] for p in payloads])
        if any(p["n"] == 2 for p in payloads):
            raise ValueError("bad item")

    def one(payload):
        if payload["n"] == 2:
            raise ValueError("bad item")
        singles.append(payload["n"])

    worker = Worker(inbox, {"x": one}, FixedClock(AT), threading.Event(), many={"x": many},
                    batch=store.batch)
    for n in (1, 2, 3):
        inbox.put(f"k{n}", "x", {"n": n}, AT)
    worker.run_once()
    assert batches == [[1, 2, 3]]  # tried together first
    assert singles == [1, 3] and inbox.pending() == 1  # then alone; only the bad one waits
