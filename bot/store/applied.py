"""SQL for the configuration the running bot applied last (one row, replaced each time)."""

from __future__ import annotations

import json
from datetime import datetime

from bot.clock import to_iso
from bot.store.base import locked, one_row


class AppliedConfigQueries:
    """Mixed into Store: ``self.db`` and ``self._lock`` come from there."""

    @locked
    def record_applied_config(self, snapshot: dict, at: datetime) -> None:
        """Remember the snapshot of the configuration the bot now runs with."""
        with self.db.atomic():
            self.db.execute(
                "INSERT INTO applied_config (id, applied_at, snapshot) VALUES (1, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET applied_at = excluded.applied_at, "
                "snapshot = excluded.snapshot", [to_iso(at), json.dumps(snapshot)])

    @locked
    def applied_config(self) -> tuple[str, dict] | None:
        """(when, snapshot) of the configuration applied last, or None if never recorded."""
        row = one_row(self.db.execute("SELECT applied_at, snapshot FROM applied_config "
                                      "WHERE id = 1"))
        return (row["applied_at"], json.loads(row["snapshot"])) if row else None
