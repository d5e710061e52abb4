"""Post one scheduled occurrence to Slack, exactly once, retrying only what can succeed later.

The claim in SQLite comes first: whoever inserts (channel, kind, occurrence) posts it, so a
restart, a coalesced run or a second process never posts it twice.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import Clock, to_iso
from bot.config import Channel, Config
from bot.library import pick_next, rotation_order
from bot.logs import bound
from bot.messages.digest import chart_alt_text, digest_blocks, digest_fallback_text
from bot.messages.prompt import build_nudge_blocks, build_prompt_blocks, nudge_text, prompt_text
from bot.services.chart import render_weekly_chart
from bot.services.content import nudge_content, prompt_content
from bot.services.digest import Digest, build_digest
from bot.services.ports import Slack, SlackFailure
from bot.store import Store

log = logging.getLogger(__name__)

FIRST_BACKOFF = 1.0  # seconds before the first retry of a transient failure, doubling
MAX_BACKOFF = 30.0
METADATA_EVENT = "leadbot_post"
HISTORY_SCAN = 200  # messages searched for an interrupted post
CHANNEL_INTERVAL = 1.0  # Slack allows about one message per second per channel


@dataclass(frozen=True)
class PostResult:
    """What happened to one occurrence."""

    status: str  # posted | duplicate | failed | stopped | skipped
    post_id: int | None = None
    ts: str | None = None
    error: str | None = None


class ChannelPacer:
    """Keeps at least CHANNEL_INTERVAL between two posts to the same channel."""

    def __init__(self, interval: float = CHANNEL_INTERVAL):
        self.interval = interval
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}

    def reserve(self, channel: str) -> float:
        """Seconds to wait before posting to ``channel`` (the slot is reserved)."""
        with self._lock:
            now = time.monotonic()
            at = max(now, self._next.get(channel, 0.0))
            self._next[channel] = at + self.interval
            return at - now


class Poster:
    """Posts prompts and nudges through one path, for the scheduler and ``post-now`` alike."""

    def __init__(self, config: Config, store: Store, slack: Slack, clock: Clock, *,
                 resolve: Callable[[Channel], str | None], stop: threading.Event | None = None,
                 pacer: ChannelPacer | None = None, first_backoff: float = FIRST_BACKOFF,
                 observe: Callable[[str, str, PostResult], None] | None = None):
        self.config = config
        # told every post's outcome (channel as configured, kind, result): the metrics
        self.observe = observe
        self.first_backoff = first_backoff
        self.store = store
        self.slack = slack
        self.clock = clock
        self.resolve = resolve
        self.stop = stop or threading.Event()
        self.pacer = pacer or ChannelPacer()
        self._reported: set[tuple[str, str]] = set()
        self._report_lock = threading.Lock()

    def post(self, channel: Channel, kind: str, occurrence: datetime,
             deadline: datetime | None = None, manual: bool = False) -> PostResult:
        """Claim (channel, kind, occurrence) and post it; retry transient errors to ``deadline``."""
        with bound(channel=self.resolve(channel) or channel.channel):
            return self._observed(channel, kind, self._post(channel, kind, occurrence,
                                                            deadline, manual))

    def _observed(self, channel: Channel, kind: str, result: PostResult) -> PostResult:
        if self.observe is not None:
            self.observe(channel.channel, kind, result)
        return result

    def _post(self, channel: Channel, kind: str, occurrence: datetime,
              deadline: datetime | None, manual: bool) -> PostResult:
        channel_id = self.resolve(channel)
        if channel_id is None:
            self._report_once(channel.channel, "channel_not_found",
                              f"{channel.channel} could not be resolved; nothing posted")
            return PostResult("failed", error="channel_not_found")
        why = None if manual else channel.calendar.why_off(
            occurrence.astimezone(channel.tz).date())
        if why:
            if self.store.record_skipped(channel_id, kind, occurrence, why, self.clock.now()):
                log.info("%s %s at %s skipped: %s", channel.channel, kind,
                         occurrence.isoformat(), why)
            return PostResult("skipped", error=why)
        post_id = self.store.claim_post(channel_id, kind, occurrence, self.clock.now(), manual)
        if post_id is None:
            log.debug("%s %s %s already claimed", channel_id, kind, occurrence)
            return PostResult("duplicate")
        return self.deliver(channel, channel_id, kind, post_id, occurrence, deadline)

    def deliver(self, channel: Channel, channel_id: str, kind: str, post_id: int,
                occurrence: datetime, deadline: datetime | None = None) -> PostResult:
        """Post a claim we hold; mark it posted, failed, or give it back if stopping."""
        text, blocks, nudge_id, cycle, digest = self._message(channel, channel_id, kind,
                                                              occurrence)
        metadata = {"event_type": METADATA_EVENT, "event_payload": {
            "post_id": post_id, "kind": kind, "occurrence": to_iso(occurrence),
            **({"nudge_id": nudge_id, "cycle": cycle} if nudge_id else {})}}
        deadline = deadline or max(occurrence + self.config.missed_run_grace,
                                   self.clock.now() + timedelta(minutes=5))
        backoff = self.first_backoff
        while True:
            wait = self.pacer.reserve(channel_id)
            if wait and self.stop.wait(wait):
                return self._stopped(post_id)
            try:
                ts = self.slack.post_message(channel_id, text, blocks, metadata)
            except SlackFailure as exc:
                failure = exc
            else:
                self.store.mark_posted(post_id, ts=ts, text=text, at=self.clock.now(),
                                       nudge_id=nudge_id, blocks=blocks)
                if nudge_id is not None:
                    self.store.record_rotation(channel_id, cycle, nudge_id, post_id,
                                               self.clock.now())
                log.info("posted %s to %s (%s)", kind, channel_id, ts,
                         extra={"kind": kind, "post_id": post_id, "ts": ts})
                if digest is not None and not digest.empty and not digest.hidden_below:
                    self._upload_chart(channel, channel_id, digest)
                return PostResult("posted", post_id, ts)
            if not failure.transient:
                self.store.mark_failed(post_id, failure.error)
                self._report_once(channel_id, failure.error,
                                  _advice(channel.channel, channel_id, failure.error))
                return PostResult("failed", post_id, error=failure.error)
            self.store.note_attempt(post_id, failure.error, self.clock.now())
            delay = failure.retry_after if failure.retry_after is not None else backoff
            backoff = min(backoff * 2, MAX_BACKOFF)
            if self.clock.now() + timedelta(seconds=delay) > deadline:
                self.store.mark_failed(post_id, f"gave up after retries: {failure.error}")
                log.error("gave up posting %s to %s: %s", kind, channel_id, failure.error)
                return PostResult("failed", post_id, error=failure.error)
            log.warning("posting %s to %s failed (%s); retrying in %.1fs", kind, channel_id,
                        failure.error, delay)
            if self.stop.wait(delay):
                return self._stopped(post_id)

    def recover(self, channel: Channel, channel_id: str, post_id: int, kind: str,
                occurrence: datetime) -> PostResult:
        """Finish a claim a killed process left: if Slack has the message (found by the post id
        in its metadata), record it; otherwise post it. Never risk a second copy."""
        with bound(channel=channel_id):
            return self._observed(channel, kind, self._recover(channel, channel_id, post_id,
                                                               kind, occurrence))

    def _recover(self, channel: Channel, channel_id: str, post_id: int, kind: str,
                 occurrence: datetime) -> PostResult:
        try:
            found = self._find_in_history(channel_id, post_id)
        except SlackFailure as failure:
            self.store.mark_failed(post_id, f"interrupted mid-post and Slack could not be "
                                            f"checked ({failure.error}); not re-posted, to "
                                            "avoid a duplicate")
            log.error("%s %s was interrupted mid-post; cannot check Slack (%s), so it is not "
                      "re-posted (add channels:history / groups:history)", channel_id, kind,
                      failure.error)
            return PostResult("failed", post_id, error=failure.error)
        if found is None:
            return self.deliver(channel, channel_id, kind, post_id, occurrence)
        payload = found["metadata"]["event_payload"]
        self.store.mark_posted(post_id, ts=found["ts"], text=found.get("text", ""),
                               at=self.clock.now(), nudge_id=payload.get("nudge_id"),
                               blocks=found.get("blocks"))
        if payload.get("nudge_id"):
            self.store.record_rotation(channel_id, int(payload.get("cycle", 0)),
                                       payload["nudge_id"], post_id, self.clock.now())
        log.info("%s %s had reached Slack before the interruption (%s); recorded",
                 channel_id, kind, found["ts"])
        return PostResult("posted", post_id, found["ts"])

    def _find_in_history(self, channel_id: str, post_id: int) -> dict | None:
        for message in self.slack.history(channel_id, HISTORY_SCAN):
            meta = message.get("metadata") or {}
            if (meta.get("event_type") == METADATA_EVENT
                    and (meta.get("event_payload") or {}).get("post_id") == post_id):
                return message
        return None

    def _stopped(self, post_id: int) -> PostResult:
        self.store.release_claim(post_id)
        return PostResult("stopped", post_id)

    def _message(self, channel: Channel, channel_id: str, kind: str, occurrence: datetime):
        """(text, blocks, nudge id, rotation cycle, digest) of the message to post."""
        library = self.config.library
        if kind == "prompt":
            content = prompt_content(library, self.store.count_posts(channel_id, "prompt"))
            return (prompt_text(content), build_prompt_blocks(content, channel.show_names),
                    None, None, None)
        if kind == "nudge":
            cycle, used = self.store.rotation_state(channel_id)
            pick = pick_next(rotation_order(library, channel.themes, channel_id), cycle, used)
            content = nudge_content(library, pick.nudge)
            return (nudge_text(content), build_nudge_blocks(content), pick.nudge.id,
                    pick.cycle, None)
        if kind == "digest":
            digest = build_digest(self.store, library, channel_id,
                                  end=occurrence, tz=channel.tz,
                                  min_group_size=channel.min_group_size)
            return (digest_fallback_text(digest), digest_blocks(digest, channel.tz), None, None,
                    digest)
        raise ValueError(f"cannot post kind {kind!r}")

    def _upload_chart(self, channel: Channel, channel_id: str, digest: Digest) -> bool:
        """The last 8 weeks as a PNG, shared after the digest; a failure is logged, and the
        digest (already posted, with the same numbers in its text) stands without it."""
        day = digest.week_end.astimezone(channel.tz).date().isoformat()
        try:
            png = render_weekly_chart(digest.weeks, "Answers per week, last 8 weeks")
            self.slack.upload_file(channel_id, png, f"leadbot-digest-{day}.png",
                                   f"Answers per week, 8 weeks to {day}",
                                   chart_alt_text(digest))
        except Exception as exc:  # any failure: the digest text is already in the channel
            log.error("the digest chart for %s was not uploaded (%s); the digest text was "
                      "posted", channel_id, exc)
            return False
        log.info("uploaded the digest chart to %s", channel_id)
        return True

    def _report_once(self, channel: str, error: str, message: str) -> None:
        with self._report_lock:
            if (channel, error) in self._reported:
                return
            self._reported.add((channel, error))
        log.error(message)


def _advice(ref: str, channel_id: str, error: str) -> str:
    name = ref if ref == channel_id else f"{ref} ({channel_id})"
    hints = {
        "not_in_channel": "invite the bot: type /invite @leadbot in the channel",
        "channel_not_found": "check the channel ID in the config, and that the bot can see it",
        "is_archived": "the channel is archived: unarchive it or remove it from the config",
        "invalid_auth": "SLACK_BOT_TOKEN is not valid for this workspace",
        "account_inactive": "the bot's token was revoked: reinstall the app",
        "missing_scope": "add the chat:write scope to the app and reinstall it",
    }
    return (f"cannot post to {name}: {error}. "
            f"{hints.get(error, 'Slack refused the message')}; this will not be retried")
