"""Every SQL statement leadbot runs on its database lives in this package (the migrations in
bot.migrations, the inbox's in bot.inbox).

One connection per Store, guarded by a lock so listener and scheduler threads can share it;
WAL mode and a busy timeout so a second process (the CLI, another worker) can use the same file.
All times are stored as ISO 8601 UTC text (``bot.clock.to_iso``).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from bot.clock import to_iso
from bot.migrations import migrations
from bot.sqlitedb import Database
from bot.store import files
from bot.store.answers import AnswerQueries
from bot.store.applied import AppliedConfigQueries
from bot.store.base import (
    BUSY_TIMEOUT_MS,
    CHOICES,
    EXPORT_KINDS,
    StoreError,
    all_rows,
    locked,
    one_row,
)
from bot.store.digests import DigestQueries
from bot.store.follow_ups import FollowUpQueries
from bot.store.people import PeopleQueries
from bot.store.reflections import ReflectionQueries
from bot.store.reports import ReportQueries
from bot.store.retention import RetentionQueries
from bot.store.sightings import SightingQueries

__all__ = ["CHOICES", "EXPORT_KINDS", "Store", "StoreError"]


class Store(AnswerQueries, AppliedConfigQueries, DigestQueries, FollowUpQueries, PeopleQueries,
            ReflectionQueries, ReportQueries, RetentionQueries, SightingQueries):
    """The database: open it with ``Store.open(path)``."""

    def __init__(self, db: Database, path: Path | None = None):
        self.db = db
        self.path = path
        self._lock = threading.RLock()
        self._post_ids: dict[tuple[str, str], int] = {}

    @classmethod
    def open(cls, path: Path, *, migrate: bool = True, check: bool = False) -> Store:
        """Open (creating folders and file as needed) and migrate the database at ``path``;
        with ``check``, first read every page (PRAGMA quick_check) and refuse a damaged file."""
        path = Path(path)
        files.prepare(path)
        try:
            conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000,
                                   check_same_thread=False)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open database {path}: {exc}") from None
        try:
            db = Database(conn, execute_plugins=False)
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute("PRAGMA secure_delete = ON")  # what forget deletes is overwritten
            damage = files.quick_check(conn) if check else None
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise StoreError(files.not_usable(path, exc)) from None
        if damage:
            conn.close()
            raise StoreError(f"{path} is damaged ({damage}); {files.damaged_hint(path)}")
        store = cls(db, path)
        if migrate:
            try:
                store.migrate()
            except StoreError:
                conn.close()
                raise
        return store

    @contextmanager
    def batch(self) -> Iterator[None]:
        """One transaction (and the connection to ourselves) for many small writes."""
        with self._lock, self.db.atomic():
            yield

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self.db.close()

    # --- migrations -----------------------------------------------------------------------

    @locked
    def migrate(self) -> list[str]:
        """Apply pending migrations; refuse a database written by a newer leadbot.

        The whole check-and-apply holds SQLite's write lock (BEGIN IMMEDIATE), so two processes
        starting together on a new file do not both create the tables.
        """
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as exc:
            raise StoreError(files.not_usable(self.path, exc)) from None
        try:
            pending = self._migrate_locked()
        except BaseException:
            self.db.conn.rollback()
            raise
        self.db.conn.commit()
        return pending

    def _migrate_locked(self) -> list[str]:
        try:
            applied = [m.name for m in migrations.applied(self.db)]
        except sqlite3.DatabaseError as exc:
            raise StoreError(files.not_usable(self.path, exc)) from None
        known = {m.name for m in migrations._migrations}
        unknown = [name for name in applied if name not in known]
        if unknown:
            raise StoreError(
                f"database {self.path} was written by a newer leadbot (it has migration "
                f"{', '.join(unknown)}, which this version does not know): upgrade leadbot, "
                "or point LEADBOT_DB at another file"
            )
        pending = [m.name for m in migrations.pending(self.db)]
        migrations.apply(self.db)  # inside our transaction: each migration is a savepoint
        return pending

    @locked
    def applied_migrations(self) -> list[str]:
        """Names of the migrations recorded in the database, in order."""
        return [m.name for m in migrations.applied(self.db)]

    @locked
    def checkpoint(self) -> None:
        """Copy the WAL into the file and truncate it, so deleted rows leave no copy there."""
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    @locked
    def ping(self) -> bool:
        """True when the database answers a query."""
        return self.db.execute("SELECT 1").fetchone() == (1,)

    # --- posts ----------------------------------------------------------------------------

    @locked
    def claim_post(self, channel: str, kind: str, occurrence: datetime, at: datetime,
                   manual: bool = False) -> int | None:
        """Claim (channel, kind, occurrence); return the new post id, or None if already taken."""
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO posts (channel, kind, occurrence, status, claimed_at, manual) "
            "VALUES (?, ?, ?, 'claimed', ?, ?)",
            [channel, kind, to_iso(occurrence), to_iso(at), int(manual)],
        )
        return cursor.lastrowid if cursor.rowcount == 1 else None

    @locked
    def mark_posted(self, post_id: int, *, ts: str, text: str, at: datetime,
                    nudge_id: str | None = None, blocks: list | None = None) -> None:
        """Record that Slack accepted the post (its blocks are kept for live count updates)."""
        self.db.execute(
            "UPDATE posts SET status = 'posted', ts = ?, text = ?, nudge_id = ?, posted_at = ?, "
            "error = NULL, attempts = attempts + 1, blocks = ? WHERE id = ?",
            [ts, text, nudge_id, to_iso(at), json.dumps(blocks) if blocks else None, post_id],
        )

    @locked
    def record_skipped(self, channel: str, kind: str, occurrence: datetime, reason: str,
                       at: datetime) -> bool:
        """Record an occurrence that will not be posted (missed, skipped day); False if known."""
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO posts (channel, kind, occurrence, status, error, claimed_at) "
            "VALUES (?, ?, ?, 'skipped', ?, ?)",
            [channel, kind, to_iso(occurrence), reason, to_iso(at)],
        )
        return cursor.rowcount == 1

    @locked
    def note_attempt(self, post_id: int, error: str, at: datetime) -> None:
        """Record a failed attempt that will be retried; refreshing claimed_at keeps the claim
        from looking abandoned to another process."""
        self.db.execute(
            "UPDATE posts SET error = ?, attempts = attempts + 1, claimed_at = ? WHERE id = ?",
            [error, to_iso(at), post_id])

    @locked
    def release_claim(self, post_id: int) -> None:
        """Give a claim back (stopping before Slack accepted the post) so a restart can post it."""
        self.db.execute("DELETE FROM posts WHERE id = ? AND status = 'claimed'", [post_id])

    @locked
    def stale_claims(self, claimed_before: datetime, occurrence_after: datetime) -> list[dict]:
        """Claims left by a process that died mid-post, recent enough to be worth posting."""
        return all_rows(self.db.execute(
            "SELECT * FROM posts WHERE status = 'claimed' AND claimed_at < ? "
            "AND occurrence >= ? ORDER BY occurrence",
            [to_iso(claimed_before), to_iso(occurrence_after)]))

    @locked
    def fail_abandoned_claims(self, claimed_before: datetime, occurrence_before: datetime,
                              reason: str) -> int:
        """Mark claims left by a dead process, too old to post now, as failed; return how many."""
        cursor = self.db.execute(
            "UPDATE posts SET status = 'failed', error = ? WHERE status = 'claimed' "
            "AND claimed_at < ? AND occurrence < ?",
            [reason, to_iso(claimed_before), to_iso(occurrence_before)])
        return cursor.rowcount

    @locked
    def take_over_claim(self, post_id: int, old_claimed_at: str, at: datetime) -> bool:
        """Take a stale claim over; only one process can win it."""
        cursor = self.db.execute(
            "UPDATE posts SET claimed_at = ? WHERE id = ? AND status = 'claimed' "
            "AND claimed_at = ?", [to_iso(at), post_id, old_claimed_at])
        return cursor.rowcount == 1

    @locked
    def last_occurrence(self, channel: str, kind: str) -> str | None:
        """The latest occurrence recorded for (channel, kind), as stored (ISO UTC)."""
        return self.db.execute(
            "SELECT max(occurrence) FROM posts WHERE channel = ? AND kind = ? AND manual = 0",
            [channel, kind]).fetchone()[0]

    @locked
    def schedule_since(self, channel: str, kind: str, now: datetime) -> str:
        """When (channel, kind) was first scheduled; records ``now`` the first time."""
        self.db.execute(
            "INSERT OR IGNORE INTO schedule_state (channel, kind, since) VALUES (?, ?, ?)",
            [channel, kind, to_iso(now)])
        return self.db.execute(
            "SELECT since FROM schedule_state WHERE channel = ? AND kind = ?",
            [channel, kind]).fetchone()[0]

    @locked
    def save_channel_ref(self, ref: str, channel: str, name: str | None, at: datetime) -> None:
        """Remember that the config's ``ref`` (an ID or #name) is Slack channel ``channel``."""
        self.db.execute(
            "INSERT INTO channel_refs (ref, channel, name, resolved_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (ref) DO UPDATE SET channel = excluded.channel, name = excluded.name, "
            "resolved_at = excluded.resolved_at", [ref, channel, name, to_iso(at)])

    @locked
    def channel_for_ref(self, ref: str) -> str | None:
        """The channel ID a ``ref`` last resolved to (IDs resolve to themselves)."""
        row = self.db.execute("SELECT channel FROM channel_refs WHERE ref = ?", [ref]).fetchone()
        return row[0] if row else (None if ref.startswith("#") else ref)

    @locked
    def mark_failed(self, post_id: int, error: str) -> None:
        """Record that Slack refused the post (the claim stays, so it is not posted twice)."""
        self.db.execute(
            "UPDATE posts SET status = 'failed', error = ?, attempts = attempts + 1 "
            "WHERE id = ?",
            [error, post_id],
        )

    @locked
    def get_post(self, post_id: int) -> dict | None:
        """One post row."""
        row = self.db.execute("SELECT * FROM posts WHERE id = ?", [post_id])
        return one_row(row)

    @locked
    def post_by_ts(self, channel: str, ts: str) -> dict | None:
        """The post the bot made in ``channel`` at message ``ts``."""
        return one_row(self.db.execute("SELECT * FROM posts WHERE channel = ? AND ts = ?",
                                    [channel, ts]))

    @locked
    def post_id_by_ts(self, channel: str, ts: str) -> int | None:
        """The id of the bot's post at (channel, ts); remembered, as every answer asks it."""
        key = (channel, ts)
        if key not in self._post_ids:
            row = self.db.execute("SELECT id FROM posts WHERE channel = ? AND ts = ?",
                                  [channel, ts]).fetchone()
            if row is None:
                return None  # not remembered: the post may be recorded a moment later
            if len(self._post_ids) > 10_000:
                self._post_ids.clear()
            self._post_ids[key] = row[0]
        return self._post_ids[key]

    @locked
    def posts(self, channel: str | None = None) -> list[dict]:
        """Posts, oldest first, optionally for one channel."""
        if channel is None:
            return all_rows(self.db.execute("SELECT * FROM posts ORDER BY occurrence, id"))
        return all_rows(self.db.execute(
            "SELECT * FROM posts WHERE channel = ? ORDER BY occurrence, id", [channel]))

    @locked
    def count_posts(self, channel: str, kind: str) -> int:
        """How many posts of ``kind`` Slack accepted in ``channel``."""
        return self.db.execute(
            "SELECT count(*) FROM posts WHERE channel = ? AND kind = ? AND status = 'posted'",
            [channel, kind]).fetchone()[0]

    # --- rotation -------------------------------------------------------------------------

    @locked
    def rotation_state(self, channel: str) -> tuple[int, set[str]]:
        """The channel's current rotation cycle and the nudge ids used in it."""
        row = self.db.execute("SELECT max(cycle) FROM rotation WHERE channel = ?",
                              [channel]).fetchone()
        cycle = row[0] or 0
        used = {r[0] for r in self.db.execute(
            "SELECT nudge_id FROM rotation WHERE channel = ? AND cycle = ?", [channel, cycle])}
        return cycle, used

    @locked
    def record_rotation(self, channel: str, cycle: int, nudge_id: str, post_id: int | None,
                        at: datetime) -> None:
        """Mark ``nudge_id`` used in ``channel``'s ``cycle``."""
        self.db.execute(
            "INSERT OR IGNORE INTO rotation (channel, cycle, nudge_id, post_id, used_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [channel, cycle, nudge_id, post_id, to_iso(at)],
        )
