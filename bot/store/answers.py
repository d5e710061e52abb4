"""SQL for answers: choices, replies (edits, deletions), reactions, forgetting."""

from __future__ import annotations

from datetime import datetime

from bot.clock import to_iso
from bot.store.base import CHOICES, locked, one_row


class AnswerQueries:
    """Mixed into Store: ``self.db`` and ``self._lock`` come from there."""

    @locked
    def record_choice(self, post_id: int, user: str, choice: str, at: datetime) -> bool:
        """Record ``user``'s choice on a post; False when it repeats their current choice."""
        if choice not in CHOICES:
            raise ValueError(f"unknown choice {choice!r}")
        with self.db.atomic():
            post = one_row(self.db.execute("SELECT channel FROM posts WHERE id = ?", [post_id]))
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

    @locked
    def record_reply(self, *, channel: str, thread_ts: str, ts: str, user: str, text: str,
                     at: datetime, post_id: int | None = None) -> bool:
        """Record a thread reply once; False if (channel, ts) is already stored (or deleted)."""
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO replies (post_id, channel, thread_ts, ts, user, text, at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [post_id, channel, thread_ts, ts, user, text, to_iso(at)])
        return cursor.rowcount == 1

    @locked
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

    @locked
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

    @locked
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

    @locked
    def reply(self, channel: str, ts: str) -> dict | None:
        """One stored reply."""
        return one_row(self.db.execute("SELECT * FROM replies WHERE channel = ? AND ts = ?",
                                    [channel, ts]))

    @locked
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

    @locked
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

    @locked
    def current_choice(self, post_id: int, user: str) -> str | None:
        """``user``'s latest choice on a post."""
        row = self.db.execute(
            "SELECT choice FROM choices WHERE post_id = ? AND user = ? "
            "ORDER BY at DESC, id DESC LIMIT 1", [post_id, user]).fetchone()
        return row[0] if row else None

    @locked
    def forget_user(self, user: str) -> dict[str, int]:
        """Delete everything stored about one person; return how many rows of each kind."""
        counts = {}
        with self.db.atomic():
            for table in ("choices", "replies", "reactions", "reflections", "modals",
                          "follow_ups", "person_settings", "outbox"):
                counts[table] = self.db.execute(f"DELETE FROM {table} WHERE user = ?",
                                                [user]).rowcount
        return counts
