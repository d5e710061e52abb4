"""SQL for reading back: exports and per-channel counts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.clock import to_iso
from bot.store.base import all_rows, locked


class ReportQueries:
    """Mixed into Store: ``self.db`` and ``self._lock`` come from there."""

    @locked
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
                          "at, theme, shared, shared_named, source, updated_at, "
                          "follow_up_id FROM reflections WHERE at >= ? ORDER BY at, id",
            "follow_up": "SELECT 'follow_up' AS kind, f.channel, f.user, NULL AS text, "
                         "'take' AS choice, p.ts, f.chosen_at AS at, f.id AS follow_up_id, "
                         "f.due_at, f.status, f.sent_at, f.outcome, f.answered_at "
                         "FROM follow_ups f LEFT JOIN posts p ON p.id = f.post_id "
                         "WHERE f.chosen_at >= ? ORDER BY f.chosen_at, f.id",
            "sighting": "SELECT 'sighting' AS kind, channel, seer AS user, text, NULL AS choice, "
                        "NULL AS ts, at, about, theme, anonymous, in_digest, "
                        "permalink, updated_at FROM sightings WHERE at >= ? ORDER BY at, id",
        }
        rows = all_rows(self.db.execute(queries[kind], [since_iso]))
        # choices change: the export says which is each person's current one
        if kind == "choice":
            latest = {(r["channel"], r["ts"], r["user"]): i for i, r in enumerate(rows)}
            for i, row in enumerate(rows):
                row["current"] = latest[(row["channel"], row["ts"], row["user"])] == i
        for row in rows:
            for flag in ("shared", "shared_named", "anonymous", "in_digest"):
                if flag in row:
                    row[flag] = bool(row[flag])
        return rows

    @locked
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
        return all_rows(self.db.execute(sql))

    @locked
    def last_recorded(self) -> tuple[str | None, str | None]:
        """The largest Slack timestamp stored (posts, replies and their edits, DMs sent) and
        the latest moment recorded (posts, answers, reflections, follow-ups, sightings): what a
        restart on the same workspace must stay after (the sandbox's clock and its messages)."""
        ts = self.db.execute(
            "SELECT ts FROM (SELECT ts FROM posts UNION ALL SELECT ts FROM replies "
            "UNION ALL SELECT edited_ts FROM replies UNION ALL SELECT dm_ts FROM follow_ups "
            "UNION ALL SELECT dm_ts FROM outbox) WHERE ts IS NOT NULL "
            "ORDER BY CAST(ts AS REAL) DESC, ts DESC LIMIT 1").fetchone()
        at = self.db.execute(
            "SELECT max(at) FROM (SELECT max(coalesce(posted_at, claimed_at)) AS at FROM posts "
            "UNION ALL SELECT max(at) FROM choices "
            "UNION ALL SELECT max(coalesce(deleted_at, edited_at, at)) FROM replies "
            "UNION ALL SELECT max(coalesce(removed_at, at)) FROM reactions "
            "UNION ALL SELECT max(coalesce(updated_at, at)) FROM reflections "
            "UNION ALL SELECT max(coalesce(answered_at, sent_at)) FROM follow_ups "
            "UNION ALL SELECT max(coalesce(updated_at, at)) FROM sightings)").fetchone()
        return (ts[0] if ts else None), at[0]
