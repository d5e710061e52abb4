"""Follow-ups: some working days after someone chooses "take", one private "how did it go?".

Planned for each current "take", sent once inside working hours in the channel's timezone,
never after the person changed their choice or asked leadbot to forget them (forgetting deletes
the plan). A follow-up is claimed in the database before it is sent, so two processes or a
restart never send it twice; one interrupted between Slack and the database is not re-sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.channels import Channels
from bot.clock import Clock, from_iso
from bot.config import Channel, Config
from bot.messages.follow_up import follow_up_blocks, follow_up_text
from bot.services.dms import decide, quiet_end
from bot.services.ports import Slack, SlackFailure
from bot.store import Store

log = logging.getLogger(__name__)
LOOKBACK = timedelta(days=30)  # takes older than this when first seen get no follow-up
OVERDUE = timedelta(days=3)  # a follow-up this late (the bot was down) is not sent at all


@dataclass(frozen=True)
class Sent:
    """One follow-up DM that went out."""

    follow_up_id: int
    user: str
    dm_channel: str
    ts: str


def mine(store: Store, user: str, follow_up_id: str) -> dict | None:
    """``user``'s follow-up with this id (as the button carries it), else None (someone
    else's, or no longer stored)."""
    row = store.follow_up(int(follow_up_id)) if follow_up_id.isdigit() else None
    return row if row is not None and row["user"] == user else None


def answer(store: Store, clock: Clock, user: str, follow_up_id: str,
           outcome: str) -> dict | None:
    """Record how ``user``'s follow-up went (the latest answer wins); the follow-up, or None
    when it is not theirs or no longer stored."""
    row = mine(store, user, follow_up_id)
    if row is not None:
        store.answer_follow_up(row["id"], user, outcome, clock.now())
    return row


class FollowUps:
    """Plans and sends follow-ups; ``run`` is the scheduler's job (every minute)."""

    def __init__(self, config: Config, store: Store, slack: Slack, clock: Clock,
                 channels: Channels,
                 tz_of: Callable[[str], ZoneInfo | None] | None = None):
        self.config, self.store, self.slack, self.clock = config, store, slack, clock
        self.channels = channels
        self.tz_of = tz_of or (lambda _user: None)  # the person's own Slack time zone

    def _tz(self, user: str, channel: Channel) -> ZoneInfo:
        """The person's own time zone, else the channel's."""
        return self.tz_of(user) or channel.tz

    def _channels(self) -> dict[str, Channel]:
        return {channel_id: c for c, channel_id in self.channels.resolved()}

    def plan(self, now: datetime) -> int:
        """Give each new current "take" its follow-up time; return how many were planned."""
        planned = 0
        for channel_id, channel in self._channels().items():
            if channel.follow_up_days <= 0:
                continue
            for choice in self.store.takes_without_follow_up(channel_id, now - LOOKBACK):
                due = channel.calendar.follow_up_time(
                    from_iso(choice["at"]), channel.follow_up_days,
                    self._tz(choice["user"], channel))
                planned += self.store.plan_follow_up(choice, due)
        return planned

    def send_due(self, now: datetime) -> list[Sent]:
        """Send every follow-up that is due and still wanted, inside working hours."""
        sent = []
        channels = self._channels()
        for row in self.store.due_follow_ups(now):
            channel = channels.get(row["channel"])
            if channel is None or channel.follow_up_days <= 0:
                self.store.cancel_follow_up(row["id"], "follow-ups are off for this channel")
                continue
            if row["current_choice_id"] != row["choice_id"]:
                self.store.cancel_follow_up(row["id"], "the person changed their choice")
                continue
            if now - from_iso(row["due_at"]) > OVERDUE:
                self.store.cancel_follow_up(row["id"], "overdue: the bot was not running")
                continue
            tz = self._tz(row["user"], channel)
            decision = decide(self.store.person_settings(row["user"]), "follow_up", now, tz)
            if decision.action == "drop":
                self.store.cancel_follow_up(row["id"], decision.reason or "not wanted")
                continue
            if decision.action == "wait" or not channel.calendar.within_hours(now, tz):
                continue  # paused, quiet hours, or outside working hours: it waits
            if not self.store.claim_follow_up(row["id"]):
                continue
            result = self._send(row, channel)
            if result is not None:
                sent.append(result)
        return sent

    def _send(self, row: dict, channel: Channel) -> Sent | None:
        chosen_at = from_iso(row["chosen_at"])
        tz = self._tz(row["user"], channel)
        try:
            link = self._permalink(row)
            dm, ts = self.slack.send_dm(
                row["user"], follow_up_text(chosen_at, row["channel"], tz),
                follow_up_blocks(row["id"], chosen_at, row["channel"], tz, link))
        except SlackFailure as exc:
            if not exc.answered:  # Slack was not reached: it goes out next time
                self.store.release_follow_up(row["id"], f"will retry: {exc.error}")
            elif exc.permanent:
                self.store.cancel_follow_up(row["id"], f"Slack refused the DM: {exc.error}")
                log.warning("follow-up %s to %s not sent: %s", row["id"], row["user"],
                            exc.error)
            else:
                self.store.release_follow_up(row["id"], f"will retry: {exc.error}")
                log.warning("follow-up %s to %s failed (%s); will retry", row["id"],
                            row["user"], exc.error)
            return None
        self.store.mark_follow_up_sent(row["id"], dm_channel=dm, dm_ts=ts, at=self.clock.now())
        log.info("sent follow-up %s to %s", row["id"], row["user"])
        return Sent(row["id"], row["user"], dm, ts)

    def _permalink(self, row: dict) -> str | None:
        """A link to the prompt, if Slack still has it (the DM goes out either way)."""
        post = self.store.get_post(row["post_id"])
        if not post or not post.get("ts"):
            return None
        try:
            return self.slack.permalink(row["channel"], post["ts"])
        except SlackFailure as exc:
            if not exc.answered:
                raise  # Slack was not reached: the DM waits for the next run
            log.info("no link to the prompt for follow-up %s (%s)", row["id"], exc.error)
            return None

    def next_send_time(self, now: datetime, user: str | None = None) -> datetime | None:
        """When the soonest pending follow-up (``user``'s, if given) can go out: its due time,
        moved into the person's working hours and out of their quiet hours (None when nothing
        is pending)."""
        channels = self._channels()
        times = []
        for row in self.store.due_follow_ups(None):
            if user is not None and row["user"] != user:
                continue
            at = max(from_iso(row["due_at"]), now)
            channel = channels.get(row["channel"])
            if channel is not None:
                tz = self._tz(row["user"], channel)
                settings = self.store.person_settings(row["user"])
                for _ in range(3):  # quiet hours may end outside working hours, and so on
                    at = channel.calendar.next_working_moment(at, tz)
                    end = quiet_end(settings, at, tz)
                    if end is None:
                        break
                    at = end
            times.append(at)
        return min(times, default=None)

    def run(self) -> list[Sent]:
        """Plan new follow-ups and send the due ones (the every-minute job)."""
        now = self.clock.now()
        self.plan(now)
        return self.send_due(now)
