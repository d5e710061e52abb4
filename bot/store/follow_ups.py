"""SQL for follow-ups: one per "take" choice, claimed before it is sent so it is sent once."""

from __future__ import annotations

from datetime import datetime

from bot.clock import to_iso
from bot.store.base import all_rows, locked, one_row

OUTCOMES = ("worked", "partly", "not_yet", "learned")


class FollowUpQueries:
    """Mixed into Store: ``self.db`` and ``self._lock`` come from there."""

    @locked
    def takes_without_follow_up(self, channel: str, since: datetime) -> list[dict]:
        """Each person's current "take" on a post in ``channel`` since ``since`` that has no
        follow-up yet (id, post_id, user, at)."""
        return all_rows(self.db.execute(
            "SELECT c.id, c.post_id, c.channel, c.user, c.at FROM choices c "
            "WHERE c.channel = ? AND c.choice = 'take' AND c.at >= ? AND c.id = ("
            "SELECT c2.id FROM choices c2 WHERE c2.post_id = c.post_id AND c2.user = c.user "
            "ORDER BY c2.at DESC, c2.id DESC LIMIT 1) AND NOT EXISTS ("
            "SELECT 1 FROM follow_ups f WHERE f.choice_id = c.id) ORDER BY c.at, c.id",
            [channel, to_iso(since)]))

    @locked
    def plan_follow_up(self, choice: dict, due_at: datetime) -> bool:
        """Plan the follow-up of one choice; False if it already has one."""
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO follow_ups (choice_id, post_id, channel, user, chosen_at, "
            "due_at, status) VALUES (?, ?, ?, ?, ?, ?, 'pending')",
            [choice["id"], choice["post_id"], choice["channel"], choice["user"], choice["at"],
             to_iso(due_at)])
        return cursor.rowcount == 1

    @locked
    def due_follow_ups(self, now: datetime | None) -> list[dict]:
        """Pending follow-ups due at ``now``, oldest first, each with the id of the person's
        current choice on that post (to tell whether they still "take"); every pending one
        when ``now`` is None."""
        return all_rows(self.db.execute(
            "SELECT f.*, (SELECT c.id FROM choices c WHERE c.post_id = f.post_id "
            "AND c.user = f.user ORDER BY c.at DESC, c.id DESC LIMIT 1) AS current_choice_id "
            "FROM follow_ups f WHERE f.status = 'pending' AND (? IS NULL OR f.due_at <= ?) "
            "ORDER BY f.due_at, f.id", [to_iso(now) if now else None] * 2))

    @locked
    def claim_follow_up(self, follow_up_id: int) -> bool:
        """Take a pending follow-up for sending; only one process wins it."""
        return self.db.execute(
            "UPDATE follow_ups SET status = 'sending' WHERE id = ? AND status = 'pending'",
            [follow_up_id]).rowcount == 1

    @locked
    def cancel_follow_up(self, follow_up_id: int, reason: str) -> None:
        """Never send this follow-up (the choice changed, it is long overdue...)."""
        self.db.execute(
            "UPDATE follow_ups SET status = 'cancelled', reason = ? WHERE id = ? "
            "AND status IN ('pending', 'sending')", [reason, follow_up_id])

    @locked
    def release_follow_up(self, follow_up_id: int, reason: str) -> None:
        """Give a claimed follow-up back (Slack failed before anything was sent)."""
        self.db.execute(
            "UPDATE follow_ups SET status = 'pending', reason = ? WHERE id = ? "
            "AND status = 'sending'", [reason, follow_up_id])

    @locked
    def mark_follow_up_sent(self, follow_up_id: int, *, dm_channel: str, dm_ts: str,
                            at: datetime) -> None:
        """Record that the DM went out."""
        self.db.execute(
            "UPDATE follow_ups SET status = 'sent', sent_at = ?, dm_channel = ?, dm_ts = ?, "
            "reason = NULL WHERE id = ?", [to_iso(at), dm_channel, dm_ts, follow_up_id])

    @locked
    def follow_up(self, follow_up_id: int) -> dict | None:
        """One follow-up with its prompt's ts."""
        return one_row(self.db.execute(
            "SELECT f.*, p.ts AS post_ts FROM follow_ups f LEFT JOIN posts p ON p.id = f.post_id "
            "WHERE f.id = ?", [follow_up_id]))

    @locked
    def answer_follow_up(self, follow_up_id: int, user: str, outcome: str,
                         at: datetime) -> bool:
        """Store how it went (the latest answer wins); False if not this person's follow-up."""
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}")
        return self.db.execute(
            "UPDATE follow_ups SET outcome = ?, answered_at = ? WHERE id = ? AND user = ? "
            "AND status = 'sent'", [outcome, to_iso(at), follow_up_id, user]).rowcount == 1

    @locked
    def follow_ups_of(self, user: str, limit: int | None = None) -> list[dict]:
        """``user``'s sent follow-ups, newest first."""
        return all_rows(self.db.execute(
            "SELECT * FROM follow_ups WHERE user = ? AND status = 'sent' "
            "ORDER BY chosen_at DESC, id DESC LIMIT ?", [user, -1 if limit is None else limit]))
