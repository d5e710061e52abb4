"""SQL for reflections, the modals the bot opened, and one person's own history."""

from __future__ import annotations

from datetime import datetime

from bot.clock import to_iso
from bot.store.base import all_rows, locked, one_row

PERSONAL_TABLES = ("choices", "replies", "reactions", "reflections", "follow_ups")


class ReflectionQueries:
    """Mixed into Store: ``self.db`` and ``self._lock`` come from there."""

    @locked
    def record_reflection(self, *, user: str, text: str, at: datetime, channel: str | None = None,
                          choice: str | None = None, theme: str | None = None,
                          shared: bool = False, source: str = "modal",
                          follow_up_id: int | None = None, named: bool = False) -> int:
        """Store a reflection and return its id (``named``: shared with the author's name)."""
        cursor = self.db.execute(
            "INSERT INTO reflections (user, channel, text, choice, theme, shared, at, source, "
            "follow_up_id, shared_named) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [user, channel, text, choice, theme, int(shared), to_iso(at), source,
             follow_up_id, int(shared and named)])
        return cursor.lastrowid

    @locked
    def update_reflection(self, reflection_id: int, user: str, *, text: str,
                          choice: str | None, theme: str | None, shared: bool,
                          at: datetime, named: bool = False) -> bool:
        """Replace one of ``user``'s reflections (the "Add details" form); False if it is gone.
        Sharing is decided again, with what that form said about the name."""
        cursor = self.db.execute(
            "UPDATE reflections SET text = ?, choice = ?, theme = ?, shared = ?, "
            "shared_named = ?, updated_at = ? WHERE id = ? AND user = ?",
            [text, choice, theme, int(shared), int(shared and named), to_iso(at),
             reflection_id, user])
        return cursor.rowcount == 1

    @locked
    def reflection(self, reflection_id: int) -> dict | None:
        """One reflection."""
        return one_row(self.db.execute("SELECT * FROM reflections WHERE id = ?",
                                       [reflection_id]))

    @locked
    def reflections_of(self, user: str, limit: int | None = None) -> list[dict]:
        """``user``'s reflections, newest first."""
        return all_rows(self.db.execute(
            "SELECT * FROM reflections WHERE user = ? ORDER BY at DESC, id DESC LIMIT ?",
            [user, -1 if limit is None else limit]))

    @locked
    def choices_of(self, user: str, limit: int | None = None) -> list[dict]:
        """``user``'s current choice on each prompt, newest first, with the prompt's ts."""
        return all_rows(self.db.execute(
            "SELECT c.id, c.post_id, c.channel, c.choice, c.at, p.ts FROM choices c "
            "JOIN posts p ON p.id = c.post_id WHERE c.user = ? AND c.id = ("
            "SELECT c2.id FROM choices c2 WHERE c2.post_id = c.post_id AND c2.user = c.user "
            "ORDER BY c2.at DESC, c2.id DESC LIMIT 1) ORDER BY c.at DESC, c.id DESC LIMIT ?",
            [user, -1 if limit is None else limit]))

    @locked
    def answer_times(self, user: str) -> list[str]:
        """When ``user`` chose, replied or reflected (ISO UTC), for streaks."""
        rows = self.db.execute(
            "SELECT at FROM choices WHERE user = ? UNION ALL "
            "SELECT at FROM replies WHERE user = ? AND deleted_at IS NULL UNION ALL "
            "SELECT at FROM reflections WHERE user = ?", [user, user, user])
        return [row[0] for row in rows]

    @locked
    def held_about(self, user: str) -> dict[str, int]:
        """How many rows of each personal kind are stored about ``user`` (what forget deletes)."""
        held = {table: self.db.execute(f"SELECT count(*) FROM {table} WHERE user = ?",
                                       [user]).fetchone()[0]
                for table in PERSONAL_TABLES}
        by, about = self.db.execute(
            "SELECT coalesce(sum(seer = ?), 0), coalesce(sum(about = ?), 0) FROM sightings",
            [user, user]).fetchone()
        return {**held, "sightings": by, "sightings about them": about}

    @locked
    def record_modal(self, view_id: str, user: str, purpose: str, at: datetime, *,
                     channel: str | None = None, reflection_id: int | None = None,
                     sighting_id: int | None = None,
                     follow_up_id: int | None = None) -> None:
        """Remember a modal the bot opened, so only its submission is accepted."""
        self.db.execute(
            "INSERT OR REPLACE INTO modals (view_id, user, purpose, channel, reflection_id, "
            "sighting_id, opened_at, follow_up_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [view_id, user, purpose, channel, reflection_id, sighting_id, to_iso(at),
             follow_up_id])

    @locked
    def modal(self, view_id: str) -> dict | None:
        """A modal the bot opened, or None."""
        return one_row(self.db.execute("SELECT * FROM modals WHERE view_id = ?", [view_id]))

    @locked
    def close_modal(self, view_id: str, at: datetime) -> bool:
        """Mark a modal submitted; False if it already was (a repeated submission)."""
        cursor = self.db.execute(
            "UPDATE modals SET submitted_at = ? WHERE view_id = ? AND submitted_at IS NULL",
            [to_iso(at), view_id])
        return cursor.rowcount == 1

    @locked
    def prune_modals(self, opened_before: datetime) -> int:
        """Forget modals opened before ``opened_before`` (Slack closes them within hours)."""
        return self.db.execute("DELETE FROM modals WHERE opened_at < ?",
                               [to_iso(opened_before)]).rowcount
