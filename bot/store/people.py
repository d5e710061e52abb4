"""SQL for what each person controls (settings), DMs waiting to be sent, and admin alerts."""

from __future__ import annotations

import json
from datetime import datetime

from bot.clock import to_iso
from bot.store.base import all_rows, locked, one_row

DEFAULT_SETTINGS = {"paused_until": None, "follow_up_dms": True, "sighting_dms": True,
                    "quiet_start": None, "quiet_end": None, "sightings_in_digest": True}


class PeopleQueries:
    """Mixed into Store: ``self.db`` and ``self._lock`` come from there."""

    @locked
    def person_settings(self, user: str) -> dict:
        """``user``'s settings, defaults filled in (nobody has to save settings to have them)."""
        row = one_row(self.db.execute("SELECT * FROM person_settings WHERE user = ?", [user]))
        out = {"user": user, **DEFAULT_SETTINGS}
        if row:
            out.update(paused_until=row["paused_until"],
                       follow_up_dms=bool(row["follow_up_dms"]),
                       sighting_dms=bool(row["sighting_dms"]),
                       quiet_start=row["quiet_start"], quiet_end=row["quiet_end"],
                       sightings_in_digest=bool(row["sightings_in_digest"]))
        return out

    @locked
    def save_person_settings(self, user: str, at: datetime, **changes) -> dict:
        """Change some of ``user``'s settings; return them all."""
        unknown = set(changes) - set(DEFAULT_SETTINGS)
        if unknown:
            raise ValueError(f"unknown settings: {sorted(unknown)}")
        with self.db.atomic():
            current = self.person_settings(user)
            current.update(changes)
            self.db.execute(
                "INSERT OR REPLACE INTO person_settings (user, paused_until, follow_up_dms, "
                "sighting_dms, quiet_start, quiet_end, sightings_in_digest, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [user, current["paused_until"], int(bool(current["follow_up_dms"])),
                 int(bool(current["sighting_dms"])), current["quiet_start"],
                 current["quiet_end"], int(bool(current["sightings_in_digest"])),
                 to_iso(at)])
        return self.person_settings(user)

    # --- the outbox: DMs that wait for the person's moment ------------------------------------

    @locked
    def queue_dm(self, user: str, kind: str, text: str, blocks: list | None,
                 at: datetime) -> int:
        """Queue a DM to ``user``; the outbox job sends it when their settings allow."""
        return self.db.execute(
            "INSERT INTO outbox (user, kind, text, blocks, created_at, status) "
            "VALUES (?, ?, ?, ?, ?, 'pending')",
            [user, kind, text, json.dumps(blocks) if blocks else None, to_iso(at)]).lastrowid

    @locked
    def pending_dms(self) -> list[dict]:
        """DMs not sent yet, oldest first."""
        rows = all_rows(self.db.execute(
            "SELECT * FROM outbox WHERE status = 'pending' ORDER BY created_at, id"))
        for row in rows:
            row["blocks"] = json.loads(row["blocks"]) if row["blocks"] else None
        return rows

    @locked
    def claim_dm(self, dm_id: int) -> bool:
        """Take a pending DM for sending; only one process wins it."""
        return self.db.execute("UPDATE outbox SET status = 'sending' WHERE id = ? AND "
                               "status = 'pending'", [dm_id]).rowcount == 1

    @locked
    def finish_dm(self, dm_id: int, status: str, at: datetime, *, reason: str | None = None,
                  dm_channel: str | None = None, dm_ts: str | None = None) -> None:
        """Record a DM as sent, cancelled (with why), or pending again (to retry)."""
        self.db.execute(
            "UPDATE outbox SET status = ?, reason = ?, sent_at = ?, dm_channel = ?, dm_ts = ? "
            "WHERE id = ?",
            [status, reason, to_iso(at) if status == "sent" else None, dm_channel, dm_ts,
             dm_id])

    @locked
    def dms_to(self, user: str) -> list[dict]:
        """Every outbox row for ``user`` (for tests and forget)."""
        return all_rows(self.db.execute("SELECT * FROM outbox WHERE user = ? ORDER BY id",
                                        [user]))

    # --- admin alerts -------------------------------------------------------------------------

    @locked
    def alert(self, channel: str, kind: str) -> dict | None:
        """The alert of ``kind`` last sent about ``channel``, if it still stands."""
        return one_row(self.db.execute(
            "SELECT * FROM channel_alerts WHERE channel = ? AND kind = ?", [channel, kind]))

    @locked
    def set_alert(self, channel: str, kind: str, last_post_id: int, at: datetime) -> bool:
        """Record an alert once; False if one already stands."""
        return self.db.execute(
            "INSERT OR IGNORE INTO channel_alerts (channel, kind, last_post_id, sent_at) "
            "VALUES (?, ?, ?, ?)", [channel, kind, last_post_id, to_iso(at)]).rowcount == 1

    @locked
    def clear_alert(self, channel: str, kind: str) -> bool:
        """Re-arm an alert (the channel answered again)."""
        return self.db.execute("DELETE FROM channel_alerts WHERE channel = ? AND kind = ?",
                               [channel, kind]).rowcount == 1

    @locked
    def recent_prompts(self, channel: str, limit: int, posted_before: datetime) -> list[dict]:
        """The channel's last ``limit`` prompts posted before ``posted_before``, newest first,
        each with how many answers it got (choices, replies and reactions, all people)."""
        return all_rows(self.db.execute(
            "SELECT p.id, p.posted_at, "
            "(SELECT count(*) FROM choices c WHERE c.post_id = p.id) + "
            "(SELECT count(*) FROM replies r WHERE r.post_id = p.id) + "
            "(SELECT count(*) FROM reactions x WHERE x.post_id = p.id) AS answers "
            "FROM posts p WHERE p.channel = ? AND p.kind = 'prompt' AND p.status = 'posted' "
            "AND p.posted_at < ? ORDER BY p.posted_at DESC, p.id DESC LIMIT ?",
            [channel, to_iso(posted_before), limit]))
