"""Every DM leadbot sends asks here first: is the person paused, did they turn this kind of DM
off, is it their quiet hours? And the outbox job, which sends queued DMs when it may."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import Clock, from_iso
from bot.services.ports import Slack, SlackFailure
from bot.store import Store

log = logging.getLogger(__name__)
OPT_OUTS = {"follow_up": "follow_up_dms", "sighting": "sighting_dms"}


@dataclass(frozen=True)
class Decision:
    """Send now, wait (until when), or drop (why)."""

    action: str  # "send" | "wait" | "drop"
    until: datetime | None = None
    reason: str | None = None


def decide(settings: dict, kind: str, now: datetime, tz: ZoneInfo) -> Decision:
    """What a person's settings say about a DM of ``kind`` at ``now`` (``tz`` is theirs)."""
    flag = OPT_OUTS.get(kind)
    if flag and not settings.get(flag, True):
        return Decision("drop", reason=f"{kind.replace('_', '-')} DMs are turned off")
    if settings.get("paused_until"):
        until = from_iso(settings["paused_until"])
        if now < until:
            # "how did it go?" is about this week: while away, it is skipped, not saved up
            if kind == "follow_up":
                return Decision("drop", reason="paused")
            return Decision("wait", until, "paused")
    end = quiet_end(settings, now, tz)
    if end is not None:
        return Decision("wait", end, "quiet hours")
    return Decision("send")


def quiet_end(settings: dict, now: datetime, tz: ZoneInfo) -> datetime | None:
    """When the person's quiet hours end, if ``now`` is inside them (they may span midnight)."""
    start_text, end_text = settings.get("quiet_start"), settings.get("quiet_end")
    if not start_text or not end_text or start_text == end_text:
        return None
    start, end = time.fromisoformat(start_text), time.fromisoformat(end_text)
    local = now.astimezone(tz)
    clock_time = local.time()
    if start < end:
        inside = start <= clock_time < end
        end_day = local.date()
    else:  # e.g. 20:00-08:00
        inside = clock_time >= start or clock_time < end
        end_day = local.date() + timedelta(days=1) if clock_time >= start else local.date()
    if not inside:
        return None
    return datetime.combine(end_day, end, tzinfo=tz)


class Outbox:
    """Sends queued DMs (sightings, alerts to admins) once each, when the person's settings
    allow; ``run`` is an every-minute job."""

    def __init__(self, store: Store, slack: Slack, clock: Clock, tz_of: Any,
                 default_tz: ZoneInfo):
        self.store, self.slack, self.clock = store, slack, clock
        self.tz_of = tz_of  # user id -> their Slack time zone or None
        self.default_tz = default_tz

    def run(self) -> list[int]:
        """Send what may be sent now; return the ids sent."""
        sent = []
        now = self.clock.now()
        for row in self.store.pending_dms():
            settings = self.store.person_settings(row["user"])
            tz = self.tz_of(row["user"]) or self.default_tz
            decision = decide(settings, row["kind"], now, tz)
            if decision.action == "drop":
                self.store.finish_dm(row["id"], "cancelled", now, reason=decision.reason)
                continue
            if decision.action == "wait" or not self.store.claim_dm(row["id"]):
                continue
            try:
                dm, ts = self.slack.send_dm(row["user"], row["text"], row["blocks"])
            except SlackFailure as exc:
                if not exc.answered:  # Slack was not reached: it goes out next time
                    self.store.finish_dm(row["id"], "pending", now, reason=exc.error)
                    continue
                status = "cancelled" if exc.permanent else "pending"
                self.store.finish_dm(row["id"], status, now, reason=f"Slack: {exc.error}")
                log.warning("DM %s to %s not sent (%s)", row["id"], row["user"], exc.error)
                continue
            self.store.finish_dm(row["id"], "sent", self.clock.now(), dm_channel=dm, dm_ts=ts)
            log.info("sent %s DM %s to %s", row["kind"], row["id"], row["user"])
            sent.append(row["id"])
        return sent
