"""SQL for retention: deleting the words people wrote once they are old enough."""

from __future__ import annotations

from datetime import datetime

from bot.clock import to_iso
from bot.store.base import locked


class RetentionQueries:
    """Mixed into Store: ``self.db`` and ``self._lock`` come from there."""

    @locked
    def purge_words(self, before: datetime) -> dict[str, int]:
        """Delete the text of replies, reflections, sightings and sent DMs written before
        ``before``; the rows (and so the counts) stay. Return how many of each."""
        cutoff = to_iso(before)
        statements = {
            "replies": "UPDATE replies SET text = NULL WHERE at < ? AND text IS NOT NULL",
            "reflections": "UPDATE reflections SET text = NULL WHERE at < ? "
                           "AND text IS NOT NULL",
            "sightings": "UPDATE sightings SET text = NULL WHERE at < ? AND text IS NOT NULL",
            "messages": "UPDATE outbox SET text = '', blocks = NULL WHERE created_at < ? "
                        "AND status IN ('sent', 'cancelled') AND text != ''",
        }
        tables = {row[0] for row in self.db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        counts = {}
        with self.db.atomic():
            for kind, sql in statements.items():
                table = sql.split()[1]
                counts[kind] = self.db.execute(sql, [cutoff]).rowcount if table in tables else 0
        return counts
