"""The inbox: every event and click is written here before Slack gets its ack, then worked off.

It is its own small SQLite file beside the main database, so an ack never waits for the main
database (a long export, a second process writing), and a process killed after the ack still
has the work on disk. The event id is unique here, so a redelivery is acked and dropped.
Puts arriving together are committed together (one transaction for all the requests waiting at
that moment), and each put returns only after its own row is committed.
This module and ``bot.store`` hold all of leadbot's SQL.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.clock import to_iso
from bot.store import files
from bot.store.base import StoreError

SCHEMA = """
CREATE TABLE IF NOT EXISTS inbox (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    user TEXT,
    payload TEXT,
    received_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    not_before TEXT,
    lease_until TEXT,
    last_error TEXT,
    done_at TEXT
);
CREATE INDEX IF NOT EXISTS inbox_pending ON inbox (done_at, id);
CREATE INDEX IF NOT EXISTS inbox_user ON inbox (user);
CREATE TABLE IF NOT EXISTS dead_letters (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    kind TEXT NOT NULL,
    user TEXT,
    payload TEXT,
    received_at TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    last_error TEXT,
    failed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS forgetting (
    user TEXT PRIMARY KEY,
    since TEXT NOT NULL
);
"""
MAX_ATTEMPTS = 5  # an item failing this often moves to dead_letters
ITEM_FIELDS = "id, key, kind, payload, attempts, user"
GROUP = 200  # puts per INSERT statement (5 values each, well under SQLite's 32,766)


@dataclass(frozen=True)
class Item:
    """One piece of work: what kind, and its plain values."""

    id: int
    key: str
    kind: str
    payload: dict[str, Any]
    attempts: int
    user: str | None = None


@dataclass(frozen=True)
class DeadLetter:
    """An item that failed for good: kept with its last error until retried or dropped."""

    id: int
    key: str
    kind: str
    user: str | None
    received_at: str
    attempts: int
    last_error: str
    failed_at: str


@dataclass
class _Put:
    """One put waiting for its group commit, and how it ended."""

    row: tuple[str, str, str | None, str, str]
    stored: bool = False
    error: BaseException | None = None
    finished: bool = False


def _marks(values: list) -> str:
    return ", ".join("?" * len(values))


def inbox_path(db_path: Path) -> Path:
    """``data/leadbot.db`` -> ``data/leadbot-inbox.db``."""
    return db_path.with_name(f"{db_path.stem}-inbox{db_path.suffix or '.db'}")


def connect(path: Path) -> sqlite3.Connection:
    """Open the inbox file (created as needed); raise StoreError, in one line saying what to
    do, when it is read-only, damaged or not a database."""
    files.prepare(path)
    try:
        conn = sqlite3.connect(str(path), timeout=10, check_same_thread=False,
                               isolation_level=None)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open the inbox {path}: {exc}") from None
    try:
        damage = files.quick_check(conn)
    except sqlite3.Error as exc:
        conn.close()
        raise StoreError(files.explain(exc, path) or f"{path}: {exc}") from None
    if damage:
        conn.close()
        raise StoreError(f"the inbox {path} is damaged or not a database ({damage}); it holds "
                         f"only answers received but not yet recorded: move it aside (mv {path} "
                         f"{path}.broken) and leadbot starts a fresh one")
    return conn


class Inbox:
    """A durable, deduplicating work queue."""

    def __init__(self, path: Path):
        self.path = path
        self._conn = connect(path)
        self._lock = threading.Lock()  # the connection's: one statement or transaction at a time
        self._queue_lock = threading.Lock()
        self._queue: list[_Put] = []  # puts waiting for the next group commit
        self.wakeup = threading.Event()
        with self._lock:
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = NORMAL")
            self._conn.execute("PRAGMA busy_timeout = 10000")
            # deleted rows are overwritten, not left in free pages (forget, done payloads)
            self._conn.execute("PRAGMA secure_delete = ON")
            self._conn.executescript(SCHEMA)

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._conn.close()

    def put(self, key: str, kind: str, payload: dict[str, Any], at: datetime,
            user: str | None = None) -> bool:
        """Store work under a unique key; False if the key was seen before (a redelivery).
        Returns once the row is committed: the caller may ack then."""
        entry = _Put((key, kind, user, json.dumps(payload), to_iso(at)))
        with self._queue_lock:
            self._queue.append(entry)
        # Group commit: whoever holds the connection commits every put queued so far, in one
        # transaction. A put that finds its row already committed by another returns at once.
        with self._lock:
            if not entry.finished:
                self._commit_queued()
        if entry.error is not None:
            raise entry.error
        if entry.stored:
            self.wakeup.set()
        return entry.stored

    def _commit_queued(self) -> None:
        """Insert every queued put in one transaction (the caller holds ``_lock``)."""
        try:
            self._conn.execute("BEGIN IMMEDIATE")  # may wait for the write lock: more queue up
        except BaseException as exc:
            self._finish(self._take_queue(), exc)  # they would all wait for the same lock
            raise
        batch = self._take_queue()
        try:
            for start in range(0, len(batch), GROUP):
                self._insert_new(batch[start:start + GROUP])
            self._conn.execute("COMMIT")
        except BaseException as exc:
            self._finish(batch, exc)  # first: no put of the group may return as if stored
            if self._conn.in_transaction:  # some errors (disk full) end it themselves
                with contextlib.suppress(sqlite3.Error):
                    self._conn.execute("ROLLBACK")
            raise
        self._finish(batch, None)

    def _insert_new(self, group: list[_Put]) -> None:
        """Insert the puts whose key is new, marking each stored or not, in two statements
        whatever their number (each statement lets other threads run, and waits to go on)."""
        known = {row[0] for row in self._conn.execute(
            f"SELECT key FROM inbox WHERE key IN ({_marks(group)})", [e.row[0] for e in group])}
        new = []
        for entry in group:
            entry.stored = entry.row[0] not in known
            if entry.stored:
                known.add(entry.row[0])  # the same key twice in one group: the first wins
                new.append(entry.row)
        if new:  # the write lock is ours since BEGIN IMMEDIATE: no key can appear meanwhile
            self._conn.execute(
                "INSERT INTO inbox (key, kind, user, payload, received_at) VALUES "
                + ", ".join(["(?, ?, ?, ?, ?)"] * len(new)), [v for row in new for v in row])

    def _take_queue(self) -> list[_Put]:
        with self._queue_lock:
            batch, self._queue = self._queue, []
        return batch

    @staticmethod
    def _finish(batch: list[_Put], error: BaseException | None) -> None:
        for entry in batch:
            entry.error, entry.finished = error, True

    def take(self, now: datetime, lease: timedelta, limit: int = 200) -> list[Item]:
        """Lease up to ``limit`` due items, oldest first (another process skips leased ones)."""
        now_iso = to_iso(now)
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                rows = self._conn.execute(
                    f"SELECT {ITEM_FIELDS} FROM inbox WHERE done_at IS NULL "
                    "AND (not_before IS NULL OR not_before <= ?) "
                    "AND (lease_until IS NULL OR lease_until <= ?) ORDER BY id LIMIT ?",
                    [now_iso, now_iso, limit]).fetchall()
                for start in range(0, len(rows), GROUP):  # one statement, not one per row
                    ids = [row[0] for row in rows[start:start + GROUP]]
                    self._conn.execute(
                        f"UPDATE inbox SET lease_until = ? WHERE id IN ({_marks(ids)})",
                        [to_iso(now + lease), *ids])
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        return [Item(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5]) for r in rows]

    def done(self, items: list[Item], at: datetime) -> None:
        """Mark work done and drop its payload (the key stays, to recognise redeliveries; the
        user too, so that forgetting them removes the key). Rows are matched by id and key: a
        handler may have deleted its own row (forget) and SQLite may reuse the id."""
        if not items:
            return
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                for start in range(0, len(items), GROUP):  # one statement, not one per item
                    group = items[start:start + GROUP]
                    self._conn.execute(
                        "UPDATE inbox SET done_at = ?, payload = NULL, lease_until = NULL "
                        f"WHERE id IN ({_marks(group)}) AND key = CASE id "
                        f"{' '.join('WHEN ? THEN ?' for _ in group)} END",
                        [to_iso(at), *(i.id for i in group),
                         *(v for i in group for v in (i.id, i.key))])
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def failed(self, item: Item, error: str, retry_at: datetime) -> None:
        """Record a failure; the item is tried again from ``retry_at``."""
        with self._lock:
            self._conn.execute(
                "UPDATE inbox SET attempts = attempts + 1, last_error = ?, not_before = ?, "
                "lease_until = NULL WHERE id = ? AND key = ?",
                [error[:500], to_iso(retry_at), item.id, item.key])

    def dead(self, item: Item, error: str, at: datetime) -> None:
        """Move an item that cannot succeed to dead_letters with its last error; its key stays
        (done, without payload) so a redelivery is still recognised."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.execute(
                    "INSERT INTO dead_letters (key, kind, user, payload, received_at, attempts, "
                    "last_error, failed_at) SELECT key, kind, user, payload, received_at, "
                    "attempts + 1, ?, ? FROM inbox WHERE key = ? AND done_at IS NULL",
                    [error[:500], to_iso(at), item.key])
                self._conn.execute(
                    "UPDATE inbox SET done_at = ?, payload = NULL, lease_until = NULL, "
                    "attempts = attempts + 1, last_error = ? WHERE key = ?",
                    [to_iso(at), error[:500], item.key])
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def dead_count(self) -> int:
        """How many items are in dead_letters."""
        with self._lock:
            return self._conn.execute("SELECT count(*) FROM dead_letters").fetchone()[0]

    def dead_letters(self, limit: int = 1000) -> list[DeadLetter]:
        """Dead letters, oldest first (without their payloads)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, key, kind, user, received_at, attempts, last_error, failed_at "
                "FROM dead_letters ORDER BY id LIMIT ?", [limit]).fetchall()
        return [DeadLetter(*row) for row in rows]

    def retry_dead(self, ids: list[int] | None, at: datetime) -> int:
        """Put dead letters (all when ``ids`` is None) back in the queue, due now."""
        where, args = self._dead_where(ids)
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                rows = self._conn.execute(
                    f"SELECT id, key, payload FROM dead_letters {where}", args).fetchall()
                for dead_id, key, payload in rows:
                    self._conn.execute(
                        "UPDATE inbox SET done_at = NULL, payload = ?, attempts = 0, "
                        "not_before = ?, lease_until = NULL WHERE key = ?",
                        [payload, to_iso(at), key])
                    self._conn.execute("DELETE FROM dead_letters WHERE id = ?", [dead_id])
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        if rows:
            self.wakeup.set()
        return len(rows)

    def drop_dead(self, ids: list[int] | None) -> int:
        """Delete dead letters (all when ``ids`` is None) for good."""
        where, args = self._dead_where(ids)
        with self._lock:
            return self._conn.execute(f"DELETE FROM dead_letters {where}", args).rowcount

    @staticmethod
    def _dead_where(ids: list[int] | None) -> tuple[str, list[int]]:
        if ids is None:
            return "", []
        return f"WHERE id IN ({', '.join('?' * len(ids))})", list(ids)

    def pending(self) -> int:
        """How many items are not done yet."""
        with self._lock:
            return self._conn.execute(
                "SELECT count(*) FROM inbox WHERE done_at IS NULL").fetchone()[0]

    def waiting(self, key: str) -> bool:
        """Whether the item with ``key`` is stored and not done yet."""
        with self._lock:
            return self._conn.execute("SELECT 1 FROM inbox WHERE key = ? AND done_at IS NULL",
                                      [key]).fetchone() is not None

    def pending_for(self, user: str) -> int:
        """How many items about one person are not done yet."""
        with self._lock:
            return self._conn.execute(
                "SELECT count(*) FROM inbox WHERE user = ? AND done_at IS NULL",
                [user]).fetchone()[0]

    def forget_user(self, user: str) -> int:
        """Delete everything about one person: pending work, the keys of done work, dead
        letters; return how many items were still pending."""
        with self._lock:
            pending = self._conn.execute(
                "DELETE FROM inbox WHERE user = ? AND done_at IS NULL", [user]).rowcount
            self._conn.execute("DELETE FROM inbox WHERE user = ?", [user])
            self._conn.execute("DELETE FROM dead_letters WHERE user = ?", [user])
        return pending

    def begin_forgetting(self, user: str, at: datetime) -> None:
        """Mark ``user`` as being forgotten: the worker drops their items from now on."""
        with self._lock:
            self._conn.execute("INSERT OR REPLACE INTO forgetting (user, since) VALUES (?, ?)",
                               [user, to_iso(at)])

    def end_forgetting(self, user: str) -> None:
        """Forgetting ``user`` is over: new items about them are handled again."""
        with self._lock:
            self._conn.execute("DELETE FROM forgetting WHERE user = ?", [user])

    def being_forgotten(self, user: str | None) -> bool:
        """Whether ``user`` is being forgotten right now (their items are dropped)."""
        if user is None:
            return False
        with self._lock:
            return self._conn.execute("SELECT 1 FROM forgetting WHERE user = ?",
                                      [user]).fetchone() is not None

    def leased_for(self, user: str, now: datetime) -> int:
        """How many of ``user``'s items the worker holds right now (leased, not done)."""
        with self._lock:
            return self._conn.execute(
                "SELECT count(*) FROM inbox WHERE user = ? AND done_at IS NULL "
                "AND lease_until > ?", [user, to_iso(now)]).fetchone()[0]

    def checkpoint(self) -> None:
        """Copy the WAL into the file and truncate it, so deleted rows leave no copy there."""
        with self._lock:
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def prune(self, before: datetime) -> int:
        """Forget keys of work done before ``before`` (Slack stops redelivering within hours)."""
        with self._lock:
            return self._conn.execute(
                "DELETE FROM inbox WHERE done_at IS NOT NULL AND done_at < ?",
                [to_iso(before)]).rowcount
