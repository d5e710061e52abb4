"""SQL for leadership sightings: who saw good leadership in whom, and the DM that tells them.

The modals a sighting is written in are the reflections' ``modals`` rows (purpose "sighting",
``sighting_id`` holding the sighting's id for "Add details").
"""

from __future__ import annotations

import json
from datetime import datetime

from bot.clock import to_iso
from bot.store.base import all_rows, locked

_FLAGS = ("anonymous", "in_digest")


def _flags(rows: list[dict]) -> list[dict]:
    """Rows with anonymous and in_digest as booleans."""
    for row in rows:
        for name in _FLAGS:
            row[name] = bool(row[name])
    return rows


class SightingQueries:
    """Mixed into Store: ``self.db`` and ``self._lock`` come from there."""

    @locked
    def record_sighting(self, *, seer: str, about: str, text: str, at: datetime,
                        theme: str | None = None, channel: str | None = None,
                        permalink: str | None = None, anonymous: bool = False,
                        in_digest: bool = True) -> int:
        """Store a sighting and return its id."""
        return self.db.execute(
            "INSERT INTO sightings (seer, about, text, theme, channel, permalink, anonymous, "
            "in_digest, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [seer, about, text, theme, channel, permalink, int(anonymous), int(in_digest),
             to_iso(at)]).lastrowid

    @locked
    def set_sighting_dm(self, sighting_id: int, dm_id: int) -> None:
        """Remember which outbox row tells the person seen about this sighting."""
        self.db.execute("UPDATE sightings SET dm_id = ? WHERE id = ?", [dm_id, sighting_id])

    @locked
    def update_sighting(self, sighting_id: int, seer: str, *, text: str,
                        theme: str | None, anonymous: bool, in_digest: bool,
                        at: datetime) -> bool:
        """Change one of ``seer``'s sightings ("Add details"); False if it is gone or not theirs.

        Whom it is about does not change: the DM to them may already be queued or sent.
        """
        return self.db.execute(
            "UPDATE sightings SET text = ?, theme = ?, anonymous = ?, in_digest = ?, "
            "updated_at = ? WHERE id = ? AND seer = ?",
            [text, theme, int(anonymous), int(in_digest), to_iso(at), sighting_id,
             seer]).rowcount == 1

    @locked
    def sighting(self, sighting_id: int) -> dict | None:
        """One sighting, or None."""
        rows = all_rows(self.db.execute("SELECT * FROM sightings WHERE id = ?", [sighting_id]))
        return _flags(rows)[0] if rows else None

    @locked
    def sightings_by(self, user: str, limit: int | None = None) -> list[dict]:
        """The sightings ``user`` recorded, newest first."""
        return _flags(all_rows(self.db.execute(
            "SELECT * FROM sightings WHERE seer = ? ORDER BY at DESC, id DESC LIMIT ?",
            [user, -1 if limit is None else limit])))

    @locked
    def sightings_about(self, user: str, limit: int | None = None) -> list[dict]:
        """The sightings about ``user``, newest first (``seer`` is theirs to hide when
        ``anonymous``)."""
        return _flags(all_rows(self.db.execute(
            "SELECT * FROM sightings WHERE about = ? ORDER BY at DESC, id DESC LIMIT ?",
            [user, -1 if limit is None else limit])))

    @locked
    def digest_sightings(self, channel: str, start: datetime, end: datetime,
                         limit: int | None = None) -> list[dict]:
        """Sightings in ``channel`` from ``start`` (included) to ``end`` (excluded) that may
        appear in its digest (the seer left it in, the person seen has not kept sightings
        about them out, words still kept), newest first."""
        return _flags(all_rows(self.db.execute(
            "SELECT * FROM sightings WHERE channel = ? AND at >= ? AND at < ? "
            "AND in_digest = 1 AND text IS NOT NULL AND about NOT IN "
            "(SELECT user FROM person_settings WHERE sightings_in_digest = 0) "
            "ORDER BY at DESC, id DESC LIMIT ?",
            [channel, to_iso(start), to_iso(end), -1 if limit is None else limit])))

    @locked
    def sighting_dm_status(self, sighting_id: int) -> str | None:
        """Where the DM about a sighting is: pending, sending, sent, cancelled; None if none."""
        row = self.db.execute(
            "SELECT o.status FROM sightings s JOIN outbox o ON o.id = s.dm_id WHERE s.id = ?",
            [sighting_id]).fetchone()
        return row[0] if row else None

    @locked
    def rewrite_sighting_dm(self, sighting_id: int, text: str, blocks: list | None) -> bool:
        """Replace the words of the sighting's DM if it is still waiting; False if it has gone
        (or is on its way)."""
        return self.db.execute(
            "UPDATE outbox SET text = ?, blocks = ? WHERE status = 'pending' AND id = "
            "(SELECT dm_id FROM sightings WHERE id = ?)",
            [text, json.dumps(blocks) if blocks else None, sighting_id]).rowcount == 1

    @locked
    def held_sightings(self, user: str) -> dict[str, int]:
        """How many sightings ``user`` recorded, and how many are about them."""
        by, about = self.db.execute(
            "SELECT coalesce(sum(seer = ?), 0), coalesce(sum(about = ?), 0) FROM sightings",
            [user, user]).fetchone()
        return {"sightings": by, "sightings_about": about}

    @locked
    def forget_sightings(self, user: str) -> dict[str, int]:
        """Delete the sightings ``user`` recorded or is the subject of, and the DMs that quote
        their words to someone else, waiting or already sent (the text of a sent one is kept
        in the outbox); how many of each."""
        quoting = ("FROM outbox WHERE id IN "
                   "(SELECT dm_id FROM sightings WHERE seer = ? AND dm_id IS NOT NULL)")
        with self.db.atomic():
            dms = self.db.execute(f"DELETE {quoting} AND status = 'pending'", [user]).rowcount
            sent = self.db.execute(f"DELETE {quoting}", [user]).rowcount
            by = self.db.execute("DELETE FROM sightings WHERE seer = ?", [user]).rowcount
            about = self.db.execute("DELETE FROM sightings WHERE about = ?", [user]).rowcount
        return {"sightings": by, "sightings_about": about, "sighting_dms": dms,
                "sent_dms": sent}
