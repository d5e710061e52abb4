"""Every SQL statement leadbot runs on its database (the migrations are in bot.migrations).

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
from functools import wraps
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from bot.clock import to_iso
from bot.migrations import migrations

BUSY_TIMEOUT_MS = 10_000
EXPORT_KINDS = ("post", "reply", "choice", "reaction", "reflection")
CHOICES = ("follow", "take", "pass")



class StoreError(Exception):
    """The database cannot be used (unreadable, or written by a newer leadbot)."""


def _locked(method):
    @wraps(method)
    def inner(self: Store, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)

    return inner


class Store:
    """The database: open it with ``Store.open(path)``."""

    def __init__(self, db: Database, path: Path | None = None):
        self.db = db
        self.path = path
        self._lock = threading.RLock()
        self._post_ids: dict[tuple[str, str], int] = {}

    @classmethod
    def open(cls, path: Path, *, migrate: bool = True) -> Store:
        """Open (creating folders and file as needed) and migrate the database at ``path``."""
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000,
                                   check_same_thread=False)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open database {path}: {exc}") from None
        try:
            db = Database(conn, execute_plugins=False)
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise StoreError(f"{path} is not a leadbot database ({exc})") from None
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

    @_locked
    def migrate(self) -> list[str]:
        """Apply pending migrations; refuse a database written by a newer leadbot."""
        try:
            applied = [m.name for m in migrations.applied(self.db)]
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path} is not a leadbot database ({exc})") from None
        known = {m.name for m in migrations._migrations}
        unknown = [name for name in applied if name not in known]
        if unknown:
            raise StoreError(
                f"database {self.path} was written by a newer leadbot (it has migration "
                f"{', '.join(unknown)}, which this version does not know): upgrade leadbot, "
                "or point LEADBOT_DB at another file"
            )
        pending = [m.name for m in migrations.pending(self.db)]
        migrations.apply(self.db)
        return pending

    @_locked
    def applied_migrations(self) -> list[str]:
        """Names of the migrations recorded in the database, in order."""
        return [m.name for m in migrations.applied(self.db)]

    @_locked
    def ping(self) -> bool:
        """True when the database answers a query."""
        return self.db.execute("SELECT 1").fetchone() == (1,)

    # --- posts ----------------------------------------------------------------------------

    @_locked
    def claim_post(self, channel: str, kind: str, occurrence: datetime, at: datetime,
                   manual: bool = False) -> int | None:
        """Claim (channel, kind, occurrence); return the new post id, or None if already taken."""
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO posts (channel, kind, occurrence, status, claimed_at, manual) "
            "VALUES (?, ?, ?, 'claimed', ?, ?)",
            [channel, kind, to_iso(occurrence), to_iso(at), int(manual)],
        )
        return cursor.lastrowid if cursor.rowcount == 1 else None

    @_locked
    def mark_posted(self, post_id: int, *, ts: str, text: str, at: datetime,
                    nudge_id: str | None = None, blocks: list | None = None) -> None:
        """Record that Slack accepted the post (its blocks are kept for live count updates)."""
        self.db.execute(
            "UPDATE posts SET status = 'posted', ts = ?, text = ?, nudge_id = ?, posted_at = ?, "
            "error = NULL, attempts = attempts + 1, blocks = ? WHERE id = ?",
            [ts, text, nudge_id, to_iso(at), json.dumps(blocks) if blocks else None, post_id],
        )

    @_locked
    def record_skipped(self, channel: str, kind: str, occurrence: datetime, reason: str,
                       at: datetime) -> bool:
        """Record an occurrence that will not be posted (missed, skipped day); False if known."""
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO posts (channel, kind, occurrence, status, error, claimed_at) "
            "VALUES (?, ?, ?, 'skipped', ?, ?)",
            [channel, kind, to_iso(occurrence), reason, to_iso(at)],
        )
        return cursor.rowcount == 1

    @_locked
    def note_attempt(self, post_id: int, error: str, at: datetime) -> None:
        """Record a failed attempt that will be retried; refreshing claimed_at keeps the claim
        from looking abandoned to another process."""
        self.db.execute(
            "UPDATE posts SET error = ?, attempts = attempts + 1, claimed_at = ? WHERE id = ?",
            [error, to_iso(at), post_id])

    @_locked
    def release_claim(self, post_id: int) -> None:
        """Give a claim back (stopping before Slack accepted the post) so a restart can post it."""
        self.db.execute("DELETE FROM posts WHERE id = ? AND status = 'claimed'", [post_id])

    @_locked
    def stale_claims(self, claimed_before: datetime, occurrence_after: datetime) -> list[dict]:
        """Claims left by a process that died mid-post, recent enough to be worth posting."""
        return _all(self.db.execute(
            "SELECT * FROM posts WHERE status = 'claimed' AND claimed_at < ? "
            "AND occurrence >= ? ORDER BY occurrence",
            [to_iso(claimed_before), to_iso(occurrence_after)]))

    @_locked
    def fail_abandoned_claims(self, claimed_before: datetime, occurrence_before: datetime,
                              reason: str) -> int:
        """Mark claims left by a dead process, too old to post now, as failed; return how many."""
        cursor = self.db.execute(
            "UPDATE posts SET status = 'failed', error = ? WHERE status = 'claimed' "
            "AND claimed_at < ? AND occurrence < ?",
            [reason, to_iso(claimed_before), to_iso(occurrence_before)])
        return cursor.rowcount

    @_locked
    def take_over_claim(self, post_id: int, old_claimed_at: str, at: datetime) -> bool:
        """Take a stale claim over; only one process can win it."""
        cursor = self.db.execute(
            "UPDATE posts SET claimed_at = ? WHERE id = ? AND status = 'claimed' "
            "AND claimed_at = ?", [to_iso(at), post_id, old_claimed_at])
        return cursor.rowcount == 1

    @_locked
    def last_occurrence(self, channel: str, kind: str) -> str | None:
        """The latest occurrence recorded for (channel, kind), as stored (ISO UTC)."""
        return self.db.execute(
            "SELECT max(occurrence) FROM posts WHERE channel = ? AND kind = ? AND manual = 0",
            [channel, kind]).fetchone()[0]

    @_locked
    def schedule_since(self, channel: str, kind: str, now: datetime) -> str:
        """When (channel, kind) was first scheduled; records ``now`` the first time."""
        self.db.execute(
            "INSERT OR IGNORE INTO schedule_state (channel, kind, since) VALUES (?, ?, ?)",
            [channel, kind, to_iso(now)])
        return self.db.execute(
            "SELECT since FROM schedule_state WHERE channel = ? AND kind = ?",
            [channel, kind]).fetchone()[0]

    @_locked
    def save_channel_ref(self, ref: str, channel: str, name: str | None, at: datetime) -> None:
        """Remember that the config's ``ref`` (an ID or #name) is Slack channel ``channel``."""
        self.db.execute(
            "INSERT INTO channel_refs (ref, channel, name, resolved_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (ref) DO UPDATE SET channel = excluded.channel, name = excluded.name, "
            "resolved_at = excluded.resolved_at", [ref, channel, name, to_iso(at)])

    @_locked
    def channel_for_ref(self, ref: str) -> str | None:
        """The channel ID a ``ref`` last resolved to (IDs resolve to themselves)."""
        row = self.db.execute("SELECT channel FROM channel_refs WHERE ref = ?", [ref]).fetchone()
        return row[0] if row else (None if ref.startswith("#") else ref)

    @_locked
    def mark_failed(self, post_id: int, error: str) -> None:
        """Record that Slack refused the post (the claim stays, so it is not posted twice)."""
        self.db.execute(
            "UPDATE posts SET status = 'failed', error = ?, attempts = attempts + 1 "
            "WHERE id = ?",
            [error, post_id],
        )

    @_locked
    def get_post(self, post_id: int) -> dict | None:
        """One post row."""
        row = self.db.execute("SELECT * FROM posts WHERE id = ?", [post_id])
        return _one(row)

    @_locked
    def post_by_ts(self, channel: str, ts: str) -> dict | None:
        """The post the bot made in ``channel`` at message ``ts``."""
        return _one(self.db.execute("SELECT * FROM posts WHERE channel = ? AND ts = ?",
                                    [channel, ts]))

    @_locked
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

    @_locked
    def posts(self, channel: str | None = None) -> list[dict]:
        """Posts, oldest first, optionally for one channel."""
        if channel is None:
            return _all(self.db.execute("SELECT * FROM posts ORDER BY occurrence, id"))
        return _all(self.db.execute(
            "SELECT * FROM posts WHERE channel = ? ORDER BY occurrence, id", [channel]))

    @_locked
    def count_posts(self, channel: str, kind: str) -> int:
        """How many posts of ``kind`` Slack accepted in ``channel``."""
        return self.db.execute(
            "SELECT count(*) FROM posts WHERE channel = ? AND kind = ? AND status = 'posted'",
            [channel, kind]).fetchone()[0]

    # --- rotation -------------------------------------------------------------------------

    @_locked
    def rotation_state(self, channel: str) -> tuple[int, set[str]]:
        """The channel's current rotation cycle and the nudge ids used in it."""
        row = self.db.execute("SELECT max(cycle) FROM rotation WHERE channel = ?",
                              [channel]).fetchone()
        cycle = row[0] or 0
        used = {r[0] for r in self.db.execute(
            "SELECT nudge_id FROM rotation WHERE channel = ? AND cycle = ?", [channel, cycle])}
        return cycle, used

    @_locked
    def record_rotation(self, channel: str, cycle: int, nudge_id: str, post_id: int | None,
                        at: datetime) -> None:
        """Mark ``nudge_id`` used in ``channel``'s ``cycle``."""
        self.db.execute(
            "INSERT OR IGNORE INTO rotation (channel, cycle, nudge_id, post_id, used_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [channel, cycle, nudge_id, post_id, to_iso(at)],
        )

    # --- answers --------------------------------------------------------------------------

    @_locked
    def record_choice(self, post_id: int, user: str, choice: str, at: datetime) -> bool:
        """Record ``user``'s choice on a post; False when it repeats their current choice."""
        if choice not in CHOICES:
            raise ValueError(f"unknown choice {choice!r}")
        with self.db.atomic():
            post = _one(self.db.execute("SELECT channel FROM posts WHERE id = ?", [post_id]))
            if post is None:
                raise ValueError(f"no post {post_id}")
            current = self.db.execute(
                "SELECT choice FROM choices WHERE post_id = ? AND user = ? "
                "ORDER BY at DESC, id DESC LIMIT 1", [post_id, user]).fetchone()
            if current and current[0] == choice:
                return False
            self.db.execute(
                "INSERT INTO choices (post_id, channel, user, choice, at) VALUES (?, ?, ?, ?, ?)",
                [post_id, post["channel"], user, choice, to_iso(at)])
        return True

    @_locked
    def record_reply(self, *, channel: str, thread_ts: str, ts: str, user: str, text: str,
                     at: datetime, post_id: int | None = None) -> bool:
        """Record a thread reply once; False if (channel, ts) is already stored (or deleted)."""
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO replies (post_id, channel, thread_ts, ts, user, text, at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [post_id, channel, thread_ts, ts, user, text, to_iso(at)])
        return cursor.rowcount == 1

    @_locked
    def record_replies(self, rows: list[dict]) -> int:
        """Many ``record_reply`` at once; return how many were new."""
        before = self.db.execute("SELECT total_changes()").fetchone()[0]
        self.db.conn.executemany(
            "INSERT OR IGNORE INTO replies (post_id, channel, thread_ts, ts, user, text, at) "
            "VALUES (:post_id, :channel, :thread_ts, :ts, :user, :text, :at)",
            [{**row, "at": to_iso(row["at"])} for row in rows])
        if not self.db.conn.in_transaction:
            self.db.conn.commit()
        return self.db.execute("SELECT total_changes()").fetchone()[0] - before

    @_locked
    def edit_reply(self, *, channel: str, thread_ts: str, ts: str, user: str, text: str,
                   at: datetime, edited_ts: str, edited_at: datetime,
                   post_id: int | None = None) -> str:
        """Apply an edit: 'updated', 'stored' (edit arrived before the message), 'stale' (an
        older edit than the one stored) or 'deleted' (the reply is gone; the words stay gone)."""
        with self.db.atomic():
            row = self.db.execute(
                "SELECT edited_ts, deleted_at FROM replies WHERE channel = ? AND ts = ?",
                [channel, ts]).fetchone()
            if row is None:
                self.db.execute(
                    "INSERT INTO replies (post_id, channel, thread_ts, ts, user, text, at, "
                    "edited_at, edited_ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [post_id, channel, thread_ts, ts, user, text, to_iso(at),
                     to_iso(edited_at), edited_ts])
                return "stored"
            if row[1] is not None:
                return "deleted"
            if row[0] is not None and float(row[0]) >= float(edited_ts):
                return "stale"
            self.db.execute(
                "UPDATE replies SET text = ?, edited_at = ?, edited_ts = ? "
                "WHERE channel = ? AND ts = ?",
                [text, to_iso(edited_at), edited_ts, channel, ts])
            return "updated"

    @_locked
    def delete_reply(self, *, channel: str, thread_ts: str, ts: str, user: str | None,
                     at: datetime, post_id: int | None = None) -> str:
        """Remove a reply's words, keeping a tombstone so a late copy is not stored again."""
        with self.db.atomic():
            cursor = self.db.execute(
                "UPDATE replies SET text = NULL, deleted_at = ? "
                "WHERE channel = ? AND ts = ? AND deleted_at IS NULL",
                [to_iso(at), channel, ts])
            if cursor.rowcount:
                return "deleted"
            exists = self.db.execute("SELECT 1 FROM replies WHERE channel = ? AND ts = ?",
                                     [channel, ts]).fetchone()
            if exists:
                return "already"
            self.db.execute(
                "INSERT INTO replies (post_id, channel, thread_ts, ts, user, text, at, "
                "deleted_at) VALUES (?, ?, ?, ?, ?, NULL, ?, ?)",
                [post_id, channel, thread_ts, ts, user or "", to_iso(at), to_iso(at)])
            return "tombstone"

    @_locked
    def reply(self, channel: str, ts: str) -> dict | None:
        """One stored reply."""
        return _one(self.db.execute("SELECT * FROM replies WHERE channel = ? AND ts = ?",
                                    [channel, ts]))

    @_locked
    def set_reaction(self, *, post_id: int, channel: str, user: str, reaction: str,
                     at: datetime, added: bool) -> bool:
        """Record a reaction added to or removed from a bot post; False if nothing changed."""
        if added:
            cursor = self.db.execute(
                "INSERT INTO reactions (post_id, channel, user, reaction, at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (post_id, user, reaction) DO UPDATE SET "
                "at = excluded.at, removed_at = NULL WHERE removed_at IS NOT NULL",
                [post_id, channel, user, reaction, to_iso(at)])
        else:
            cursor = self.db.execute(
                "UPDATE reactions SET removed_at = ? WHERE post_id = ? AND user = ? "
                "AND reaction = ? AND removed_at IS NULL",
                [to_iso(at), post_id, user, reaction])
        return cursor.rowcount == 1

    @_locked
    def choice_counts(self, post_id: int) -> dict[str, list[str]]:
        """Each choice's people on a post (latest choice per person), in the order they chose."""
        rows = self.db.execute(
            "SELECT c.user, c.choice FROM choices c WHERE c.post_id = ? AND c.id = ("
            "SELECT c2.id FROM choices c2 WHERE c2.post_id = c.post_id AND c2.user = c.user "
            "ORDER BY c2.at DESC, c2.id DESC LIMIT 1) ORDER BY c.at, c.id", [post_id])
        out: dict[str, list[str]] = {choice: [] for choice in CHOICES}
        for user, choice in rows:
            out[choice].append(user)
        return out

    @_locked
    def current_choice(self, post_id: int, user: str) -> str | None:
        """``user``'s latest choice on a post."""
        row = self.db.execute(
            "SELECT choice FROM choices WHERE post_id = ? AND user = ? "
            "ORDER BY at DESC, id DESC LIMIT 1", [post_id, user]).fetchone()
        return row[0] if row else None

    @_locked
    def forget_user(self, user: str) -> dict[str, int]:
        """Delete everything stored about one person; return how many rows of each kind."""
        counts = {}
        with self.db.atomic():
            for table in ("choices", "replies", "reactions", "reflections"):
                counts[table] = self.db.execute(f"DELETE FROM {table} WHERE user = ?",
                                                [user]).rowcount
        return counts

    @_locked
    def record_reflection(self, *, user: str, text: str, at: datetime, channel: str | None = None,
                          choice: str | None = None, behavior: str | None = None,
                          shared: bool = False) -> int:
        """Store a reflection and return its id."""
        cursor = self.db.execute(
            "INSERT INTO reflections (user, channel, text, choice, behavior, shared, at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [user, channel, text, choice, behavior, int(shared), to_iso(at)])
        return cursor.lastrowid

    # --- export and stats -----------------------------------------------------------------

    @_locked
    def export_rows(self, kind: str, since: datetime | None = None) -> list[dict[str, Any]]:
        """Rows of one export kind, oldest first, in the export's field names."""
        since_iso = to_iso(since) if since else ""
        queries = {
            "post": "SELECT 'post' AS kind, channel, NULL AS user, text, NULL AS choice, ts, "
                    "coalesce(posted_at, claimed_at) AS at, kind AS post_kind, status, "
                    "occurrence, nudge_id, error FROM posts "
                    "WHERE coalesce(posted_at, claimed_at) >= ? ORDER BY at, id",
            "reply": "SELECT 'reply' AS kind, channel, user, text, NULL AS choice, ts, at, "
                     "thread_ts, edited_at FROM replies "
                     "WHERE at >= ? AND deleted_at IS NULL ORDER BY at, id",
            "choice": "SELECT 'choice' AS kind, c.channel, c.user, NULL AS text, c.choice, "
                      "p.ts, c.at FROM choices c JOIN posts p ON p.id = c.post_id "
                      "WHERE c.at >= ? ORDER BY c.at, c.id",
            "reaction": "SELECT 'reaction' AS kind, r.channel, r.user, r.reaction AS text, "
                        "NULL AS choice, p.ts, r.at, r.removed_at FROM reactions r "
                        "JOIN posts p ON p.id = r.post_id WHERE r.at >= ? ORDER BY r.at, r.id",
            "reflection": "SELECT 'reflection' AS kind, channel, user, text, choice, NULL AS ts, "
                          "at, behavior, shared FROM reflections WHERE at >= ? ORDER BY at, id",
        }
        rows = _all(self.db.execute(queries[kind], [since_iso]))
        # choices change: the export says which is each person's current one
        if kind == "choice":
            latest = {(r["channel"], r["ts"], r["user"]): i for i, r in enumerate(rows)}
            for i, row in enumerate(rows):
                row["current"] = latest[(row["channel"], row["ts"], row["user"])] == i
        for row in rows:
            if "shared" in row:
                row["shared"] = bool(row["shared"])
        return rows

    @_locked
    def stats(self) -> list[dict[str, Any]]:
        """Per channel: posts by status, choices by kind, replies, reflections, people."""
        sql = """
            WITH channels AS (
                SELECT channel FROM posts UNION SELECT channel FROM choices
                UNION SELECT channel FROM replies
                UNION SELECT channel FROM reflections WHERE channel IS NOT NULL
            ), latest AS (
                SELECT c.* FROM choices c WHERE c.id = (
                    SELECT c2.id FROM choices c2 WHERE c2.post_id = c.post_id
                    AND c2.user = c.user ORDER BY c2.at DESC, c2.id DESC LIMIT 1)
            ), people AS (
                SELECT channel, user FROM latest
                UNION SELECT channel, user FROM replies WHERE deleted_at IS NULL
            )
            SELECT ch.channel,
              (SELECT count(*) FROM posts p WHERE p.channel = ch.channel
                 AND p.status = 'posted') AS posted,
              (SELECT count(*) FROM posts p WHERE p.channel = ch.channel
                 AND p.status = 'failed') AS failed,
              (SELECT count(*) FROM posts p WHERE p.channel = ch.channel
                 AND p.status = 'skipped') AS skipped,
              (SELECT count(*) FROM latest l WHERE l.channel = ch.channel
                 AND l.choice = 'follow') AS follow,
              (SELECT count(*) FROM latest l WHERE l.channel = ch.channel
                 AND l.choice = 'take') AS take,
              (SELECT count(*) FROM latest l WHERE l.channel = ch.channel
                 AND l.choice = 'pass') AS pass,
              (SELECT count(*) FROM replies r WHERE r.channel = ch.channel
                 AND r.deleted_at IS NULL) AS replies,
              (SELECT count(*) FROM reflections f WHERE f.channel = ch.channel) AS reflections,
              (SELECT count(DISTINCT user) FROM people pp WHERE pp.channel = ch.channel) AS people
            FROM channels ch ORDER BY ch.channel
        """
        return _all(self.db.execute(sql))


def _all(cursor: sqlite3.Cursor) -> list[dict]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _one(cursor: sqlite3.Cursor) -> dict | None:
    rows = _all(cursor)
    return rows[0] if rows else None


def iter_export(store: Store, kinds: tuple[str, ...], since: datetime | None) -> Iterator[dict]:
    """Every row of the given kinds, kind by kind."""
    for kind in kinds:
        yield from store.export_rows(kind, since)
