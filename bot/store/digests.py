"""SQL for the weekly digest: one channel's posts and answers in a [start, end) time window.

A person's choice on a post counts once, as their latest choice, in the window where they made
it: changing your mind moves your answer to the week you changed it, never counts it twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.clock import to_iso
from bot.store.base import CHOICES, all_rows, locked

# Each person's current choice on each post (the same rule as AnswerQueries.choice_counts).
_LATEST = """
    latest AS (
        SELECT c.* FROM choices c WHERE c.channel = :channel AND c.id = (
            SELECT c2.id FROM choices c2 WHERE c2.post_id = c.post_id AND c2.user = c.user
            ORDER BY c2.at DESC, c2.id DESC LIMIT 1)
        AND c.at >= :start AND c.at < :end
    )"""
_REPLIES = """
    live_replies AS (
        SELECT * FROM replies WHERE channel = :channel AND deleted_at IS NULL
        AND at >= :start AND at < :end
    )"""


def _window(channel: str, start: datetime, end: datetime) -> dict[str, str]:
    return {"channel": channel, "start": to_iso(start), "end": to_iso(end)}


class DigestQueries:
    """Mixed into Store: ``self.db`` and ``self._lock`` come from there."""

    @locked
    def digest_posts(self, channel: str, start: datetime, end: datetime) -> list[dict]:
        """Prompts and nudges Slack accepted in ``channel`` in [start, end), oldest first."""
        return all_rows(self.db.execute(
            "SELECT id, kind, text, nudge_id, ts, posted_at FROM posts "
            "WHERE channel = :channel AND kind IN ('prompt', 'nudge') AND status = 'posted' "
            "AND posted_at >= :start AND posted_at < :end ORDER BY posted_at, id",
            _window(channel, start, end)))

    @locked
    def digest_choice_counts(self, channel: str, start: datetime, end: datetime
                             ) -> dict[str, int]:
        """Follow / take / pass: each person's latest choice per post, made in [start, end)."""
        rows = self.db.execute(
            f"WITH {_LATEST} SELECT choice, count(*) FROM latest GROUP BY choice",
            _window(channel, start, end))
        counts = dict.fromkeys(CHOICES, 0)
        counts.update(dict(rows.fetchall()))
        return counts

    @locked
    def digest_reply_count(self, channel: str, start: datetime, end: datetime) -> int:
        """Thread replies written in ``channel`` in [start, end) and not deleted."""
        return self.db.execute(f"WITH {_REPLIES} SELECT count(*) FROM live_replies",
                               _window(channel, start, end)).fetchone()[0]

    @locked
    def digest_people_count(self, channel: str, start: datetime, end: datetime) -> int:
        """How many different people chose or replied in ``channel`` in [start, end)."""
        return self.db.execute(
            f"WITH {_LATEST}, {_REPLIES} SELECT count(*) FROM ("
            "SELECT user FROM latest UNION SELECT user FROM live_replies)",
            _window(channel, start, end)).fetchone()[0]

    @locked
    def digest_nudge_answer_counts(self, channel: str, start: datetime, end: datetime
                                   ) -> dict[str, int]:
        """Answers (current choices and live replies) made in [start, end) on nudge posts, by
        the post's nudge id."""
        rows = self.db.execute(
            f"WITH {_LATEST}, {_REPLIES}, answers AS ("
            "SELECT post_id FROM latest UNION ALL SELECT post_id FROM live_replies) "
            "SELECT p.nudge_id, count(*) FROM answers a JOIN posts p ON p.id = a.post_id "
            "WHERE p.kind = 'nudge' AND p.nudge_id IS NOT NULL GROUP BY p.nudge_id",
            _window(channel, start, end))
        return dict(rows.fetchall())

    @locked
    def digest_reflection_count(self, channel: str, start: datetime, end: datetime) -> int:
        """Reflections (shared or not) written about ``channel`` in [start, end)."""
        return self.db.execute(
            "SELECT count(*) FROM reflections WHERE channel = :channel "
            "AND at >= :start AND at < :end", _window(channel, start, end)).fetchone()[0]

    @locked
    def digest_reflection_theme_counts(self, channel: str, start: datetime, end: datetime
                                       ) -> dict[str, int]:
        """Reflections in ``channel`` in [start, end) that name a theme, by theme."""
        rows = self.db.execute(
            "SELECT theme, count(*) FROM reflections WHERE channel = :channel "
            "AND theme IS NOT NULL AND at >= :start AND at < :end GROUP BY theme",
            _window(channel, start, end))
        return dict(rows.fetchall())

    @locked
    def digest_shared_reflections(self, channel: str, start: datetime, end: datetime,
                                  limit: int) -> list[dict]:
        """Reflections their authors shared, in ``channel`` in [start, end), newest first."""
        return all_rows(self.db.execute(
            "SELECT id, user, text, choice, theme, at, shared_named FROM reflections "
            "WHERE channel = :channel AND shared = 1 AND text IS NOT NULL "
            "AND at >= :start AND at < :end ORDER BY at DESC, id DESC LIMIT :limit",
            {**_window(channel, start, end), "limit": limit}))

    @locked
    def digest_weekly_choice_counts(self, channel: str, end: datetime, weeks: int = 8
                                    ) -> list[tuple[datetime, dict[str, int]]]:
        """Choice counts for each of the ``weeks`` weeks before ``end``, oldest first, each
        with its week's start (``end`` minus whole weeks, in ``end``'s timezone)."""
        out = []
        for back in range(weeks, 0, -1):
            start, stop = end - timedelta(weeks=back), end - timedelta(weeks=back - 1)
            out.append((start, self.digest_choice_counts(channel, start, stop)))
        return out
