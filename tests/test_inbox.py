"""The inbox and its worker: durable before the ack, deduplicated, retried until done."""

from __future__ import annotations

import itertools
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
    inbox.done([item], AT)
    assert not inbox.put("event:E1", "reply", {"text": "words"}, AT)  # still recognised
    conn = sqlite3.connect(tmp_path / "i.db")
    # the user stays with the key, so that forgetting them removes the key too
    assert conn.execute("SELECT payload, user FROM inbox").fetchall() == [(None, "U1")]
    assert inbox.forget_user("U1") == 0  # nothing was pending...
    assert conn.execute("SELECT count(*) FROM inbox").fetchone() == (0,)  # ...the key is gone
    inbox.put("event:E2", "reply", {"text": "words"}, AT, user="U2")
    (item,) = inbox.take(AT, LEASE)
    inbox.done([item], AT)
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


def _slack_error(error: str):
    from slack_sdk.errors import SlackApiError
    from slack_sdk.web import SlackResponse

    response = SlackResponse(client=None, http_verb="POST", api_url="x", req_args={},
                             data={"ok": False, "error": error}, headers={}, status_code=200)
    return SlackApiError("refused", response)


def test_a_permanent_slack_error_is_not_retried_but_kept_as_a_dead_letter(tmp_path, caplog):
    from bot.slack.errors import describe, is_permanent

    inbox, clock, calls = Inbox(tmp_path / "i.db"), FixedClock(AT), []

    def handle(payload):
        calls.append(payload)
        raise _slack_error("user_not_in_channel")

    worker = Worker(inbox, {"x": handle}, clock, threading.Event(), permanent=is_permanent,
                    describe=describe)
    inbox.put("k1", "x", {"n": 1}, AT, user="U1")
    worker.run_once()
    clock.advance(timedelta(hours=1))
    worker.run_once()
    assert len(calls) == 1 and inbox.pending() == 0 and inbox.dead_count() == 1
    (dead,) = inbox.dead_letters()
    assert (dead.key, dead.kind, dead.user, dead.attempts) == ("k1", "x", "U1", 1)
    assert "user_not_in_channel" in dead.last_error
    assert "Traceback" not in caplog.text and "leadbot inbox" in caplog.text
    assert not inbox.put("k1", "x", {"n": 1}, AT)  # a redelivery is still recognised


def test_an_item_failing_five_times_with_backoff_becomes_a_dead_letter(tmp_path, caplog):
    inbox, clock, calls = Inbox(tmp_path / "i.db"), FixedClock(AT), []

    def handle(payload):
        calls.append(clock.now())
        raise ValueError("could not convert string to float: 'abc'")

    worker = Worker(inbox, {"x": handle}, clock, threading.Event())
    inbox.put("k1", "x", {"n": 1}, AT)
    for _ in range(40):  # two minutes in 3-second steps
        worker.run_once()
        clock.advance(timedelta(seconds=3))
    assert len(calls) == 5 and inbox.pending() == 0 and inbox.dead_count() == 1
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(calls)]
    assert gaps == sorted(gaps) and gaps[0] >= 1  # backed off, never in a tight loop
    assert caplog.text.count("Traceback") == 1  # the first failure in full, then one line each


def test_dead_letters_can_be_retried_or_dropped(tmp_path):
    inbox, clock = Inbox(tmp_path / "i.db"), FixedClock(AT)
    healthy = {"now": False}

    def handle(payload):
        if not healthy["now"]:
            raise _slack_error("channel_not_found")

    from bot.slack.errors import is_permanent

    worker = Worker(inbox, {"x": handle}, clock, threading.Event(), permanent=is_permanent)
    for n in (1, 2):
        inbox.put(f"k{n}", "x", {"n": n}, AT)
    worker.run_once()
    assert inbox.dead_count() == 2
    first, _ = inbox.dead_letters()
    healthy["now"] = True
    assert inbox.retry_dead([first.id], clock.now()) == 1
    assert inbox.pending() == 1 and inbox.dead_count() == 1
    worker.run_once()
    assert inbox.pending() == 0
    assert inbox.drop_dead(None) == 1 and inbox.dead_count() == 0


def test_items_of_a_person_being_forgotten_are_dropped_unhandled(tmp_path):
    inbox, seen = Inbox(tmp_path / "i.db"), []
    worker = Worker(inbox, {"x": lambda p: seen.append(p["n"]),
                            "forget": lambda p: seen.append("forget")},
                    FixedClock(AT), threading.Event())
    inbox.put("k1", "x", {"n": 1}, AT, user="U1")
    inbox.put("k2", "x", {"n": 2}, AT, user="U2")
    inbox.begin_forgetting("U1", AT)
    worker.run_once()
    assert seen == [2] and inbox.pending() == 0
    inbox.end_forgetting("U1")
    # within one batch: what follows a person's forget item is theirs no more
    inbox.put("k3", "forget", {}, AT, user="U1")
    inbox.put("k4", "x", {"n": 4}, AT, user="U1")
    inbox.put("k5", "x", {"n": 5}, AT, user="U2")
    worker.run_once()
    assert seen == [2, "forget", 5]


def _put_from_threads(inbox: Inbox, keys: list[str]):
    """Start one thread per key, each putting it; return the (key, what put returned or
    raised) list they fill, and the threads."""
    results: list[tuple[str, object]] = []

    def put(key: str) -> None:
        try:
            results.append((key, inbox.put(key, "x", {"key": key}, AT, user="U1")))
        except sqlite3.Error as exc:
            results.append((key, exc))

    threads = [threading.Thread(target=put, args=(key,)) for key in keys]
    for thread in threads:
        thread.start()
    return results, threads


def _wait_until(condition, timeout: float = 10) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_puts_arriving_together_are_committed_together_each_once(tmp_path):
    inbox = Inbox(tmp_path / "i.db")
    statements: list[str] = []
    inbox._conn.set_trace_callback(statements.append)
    # Another process holds the write lock: the first put waits for it, the others queue up.
    locker = sqlite3.connect(tmp_path / "i.db", isolation_level=None, check_same_thread=False)
    locker.execute("BEGIN IMMEDIATE")
    keys = [f"event:E{n % 7}" for n in range(12)]  # 5 of them are redeliveries
    results, threads = _put_from_threads(inbox, keys)
    _wait_until(lambda: len(inbox._queue) == len(keys))
    assert results == []  # no put has returned: nothing is acked before it is committed
    locker.execute("ROLLBACK")
    for thread in threads:
        thread.join()
    assert sum(statement == "COMMIT" for statement in statements) == 1  # one group commit
    assert sorted(key for key, _ in results) == sorted(keys)
    stored = {key for key, new in results if new is True}
    assert len(stored) == 7 and inbox.pending() == 7  # each key once...
    assert sum(new is False for _, new in results) == 5  # ...the redeliveries said so
    # committed: another connection (another process) reads every row a put returned True for
    other = sqlite3.connect(tmp_path / "i.db")
    assert {row[0] for row in other.execute("SELECT key FROM inbox")} == stored


def test_puts_stay_durable_and_deduplicated_under_concurrency(tmp_path):
    inbox, other = Inbox(tmp_path / "i.db"), None
    keys = [f"event:E{n}" for n in range(200)] * 2  # every event delivered twice, concurrently
    seen_on_return: list[bool] = []

    def put(key: str) -> None:
        new = inbox.put(key, "x", {"key": key}, AT)
        check = sqlite3.connect(tmp_path / "i.db")  # what a process started now would find
        seen_on_return.append(check.execute("SELECT 1 FROM inbox WHERE key = ?",
                                            [key]).fetchone() is not None)
        check.close()
        results.append(new)

    results: list[bool] = []
    threads = [threading.Thread(target=put, args=(key,)) for key in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(seen_on_return) and len(seen_on_return) == len(keys)
    assert results.count(True) == 200 and results.count(False) == 200
    other = sqlite3.connect(tmp_path / "i.db")
    assert other.execute("SELECT count(*), count(DISTINCT key) FROM inbox").fetchone() == (
        200, 200)


def test_a_locked_inbox_fails_every_waiting_put_and_loses_nothing(tmp_path):
    from bot.store.files import explain

    inbox = Inbox(tmp_path / "i.db")
    inbox._conn.execute("PRAGMA busy_timeout = 300")  # not 10 s in a test
    locker = sqlite3.connect(tmp_path / "i.db", isolation_level=None, check_same_thread=False)
    locker.execute("BEGIN IMMEDIATE")
    keys = [f"event:E{n}" for n in range(6)]
    results, threads = _put_from_threads(inbox, keys)
    for thread in threads:
        thread.join()
    locker.execute("ROLLBACK")
    assert sorted(key for key, _ in results) == keys
    for _, error in results:  # each request fails (Slack retries it), saying why
        assert isinstance(error, sqlite3.OperationalError)
        assert "stayed locked by another process" in explain(error, tmp_path / "i.db")
    assert inbox.pending() == 0  # none half-stored...
    assert all(inbox.put(key, "x", {}, AT) for key in keys)  # ...so Slack's retries are new
    assert inbox.pending() == 6


def test_done_matches_id_and_key_so_a_reused_id_is_not_marked(tmp_path):
    inbox = Inbox(tmp_path / "i.db")
    inbox.put("k1", "x", {}, AT, user="U1")
    inbox.put("k2", "x", {}, AT, user="U2")
    first, second = inbox.take(AT, LEASE)
    inbox.forget_user("U2")  # a handler deletes its own row...
    inbox.put("k3", "x", {}, AT, user="U3")  # ...and SQLite gives its id to the next row
    (reused,) = inbox.take(AT, LEASE)
    assert reused.id == second.id and reused.key == "k3"
    inbox.done([first, second], AT)
    assert inbox.waiting("k3") and not inbox.waiting("k1")
