"""The inbox: every event and click is written here before Slack gets its ack, then worked off.

It is its own small SQLite file beside the main database, so an ack never waits for the main
database (a long export, a second process writing), and a process killed after the ack still
has the work on disk. The event id is unique here, so a redelivery is acked and dropped.
This module and ``bot.store`` hold all of leadbot's SQL.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.clock import to_iso

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
"""


@dataclass(frozen=True)
class Item:
    """One piece of work: what kind, and its plain values."""

    id: int
    key: str
    kind: str
    payload: dict[str, Any]
    attempts: int


def inbox_path(db_path: Path) -> Path:
    """``data/leadbot.db`` -> ``data/leadbot-inbox.db``."""
    return db_path.with_name(f"{db_path.stem}-inbox{db_path.suffix or '.db'}")


class Inbox:
    """A durable, deduplicating work queue."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._conn = sqlite3.connect(str(path), timeout=10, check_same_thread=False,
                                     isolation_level=None)
        self._lock = threading.Lock()
        self.wakeup = threading.Event()
        with self._lock:
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = NORMAL")
            self._conn.execute("PRAGMA busy_timeout = 10000")
            self._conn.executescript(SCHEMA)

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._conn.close()

    def put(self, key: str, kind: str, payload: dict[str, Any], at: datetime,
            user: str | None = None) -> bool:
        """Store work under a unique key; False if the key was seen before (a redelivery)."""
        with self._lock:
            cursor = self._conn.execute(
                "INSERT OR IGNORE INTO inbox (key, kind, user, payload, received_at) "
                "VALUES (?, ?, ?, ?, ?)",
                [key, kind, user, json.dumps(payload), to_iso(at)])
        if cursor.rowcount == 1:
            self.wakeup.set()
            return True
        return False

    def take(self, now: datetime, lease: timedelta, limit: int = 200) -> list[Item]:
        """Lease up to ``limit`` due items, oldest first (another process skips leased ones)."""
        now_iso = to_iso(now)
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                rows = self._conn.execute(
                    "SELECT id, key, kind, payload, attempts FROM inbox WHERE done_at IS NULL "
                    "AND (not_before IS NULL OR not_before <= ?) "
                    "AND (lease_until IS NULL OR lease_until <= ?) ORDER BY id LIMIT ?",
                    [now_iso, now_iso, limit]).fetchall()
                self._conn.executemany(
                    "UPDATE inbox SET lease_until = ? WHERE id = ?",
                    [(to_iso(now + lease), row[0]) for row in rows])
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        return [Item(r[0], r[1], r[2], json.loads(r[3]), r[4]) for r in rows]

    def done(self, item_ids: list[int], at: datetime) -> None:
        """Mark work done and drop its payload (the key stays, to recognise redeliveries)."""
        if not item_ids:
            return
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.executemany(
                    "UPDATE inbox SET done_at = ?, payload = NULL, user = NULL, "
                    "lease_until = NULL WHERE id = ?", [(to_iso(at), i) for i in item_ids])
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def failed(self, item_id: int, error: str, retry_at: datetime) -> None:
        """Record a failure; the item is tried again from ``retry_at``."""
        with self._lock:
            self._conn.execute(
                "UPDATE inbox SET attempts = attempts + 1, last_error = ?, not_before = ?, "
                "lease_until = NULL WHERE id = ?", [error[:500], to_iso(retry_at), item_id])

    def pending(self) -> int:
        """How many items are not done yet."""
        with self._lock:
            return self._conn.execute(
                "SELECT count(*) FROM inbox WHERE done_at IS NULL").fetchone()[0]

    def pending_for(self, user: str) -> int:
        """How many items about one person are not done yet."""
        with self._lock:
            return self._conn.execute(
                "SELECT count(*) FROM inbox WHERE user = ? AND done_at IS NULL",
                [user]).fetchone()[0]

    def forget_user(self, user: str) -> int:
        """Drop pending work about one person (done items keep no payload)."""
        with self._lock:
            return self._conn.execute(
                "DELETE FROM inbox WHERE user = ? AND done_at IS NULL", [user]).rowcount

    def prune(self, before: datetime) -> int:
        """Forget keys of work done before ``before`` (Slack stops redelivering within hours)."""
        with self._lock:
            return self._conn.execute(
                "DELETE FROM inbox WHERE done_at IS NOT NULL AND done_at < ?",
                [to_iso(before)]).rowcount
