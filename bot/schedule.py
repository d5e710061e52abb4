"""APScheduler wiring: one job per channel and kind, missed-run grace, catch-up on start."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from bot.channels import Channels
from bot.clock import Clock, from_iso
from bot.config import Channel, Config
from bot.cron import occurrences, parse_cron
from bot.services.posting import Poster
from bot.store import Store

log = logging.getLogger(__name__)

POSTED_KINDS = ("prompt", "nudge", "digest")
LOOKBACK = timedelta(days=7)
MAX_SKIPPED_RECORDS = 100
# A live process refreshes its claim at least every MAX_RETRY_AFTER (bot.slack.errors) + the
# request timeout.
STALE_CLAIM = timedelta(minutes=2)


@dataclass(frozen=True)
class Due:
    """One occurrence to post now."""

    channel: Channel
    kind: str
    occurrence: datetime


def latest_occurrence(trigger: CronTrigger, now: datetime, window: timedelta) -> datetime | None:
    """The last fire time at or before ``now``, looking back at most ``window``."""
    for span in (timedelta(minutes=2), window):
        found = occurrences(trigger, now - span, now + timedelta(microseconds=1))
        if found:
            return found[-1]
    return None


def plan_catch_up(config: Config, store: Store, now: datetime,
                  channels: Channels) -> list[Due]:
    """After downtime: the latest missed occurrence within grace is due now; older are skipped.

    Only occurrences after the later of the last recorded one and the first time the schedule
    was seen count as missed, so a new install or a new channel has no backlog.
    """
    due: list[Due] = []
    grace = config.missed_run_grace
    for channel, channel_id in channels.resolved():
        for kind, cron in channel.schedules().items():
            if kind not in POSTED_KINDS:
                continue
            since = from_iso(store.schedule_since(channel_id, kind, now))
            last = store.last_occurrence(channel_id, kind)
            start = max(since, now - LOOKBACK)
            if last:
                start = max(start, from_iso(last) + timedelta(seconds=1))
            missed = occurrences(parse_cron(cron, channel.tz), start, now)
            if not missed:
                continue
            latest = missed[-1]
            to_skip = missed[:-1]
            if now - latest <= grace:
                due.append(Due(channel, kind, latest))
            else:
                to_skip = missed
            if len(to_skip) > MAX_SKIPPED_RECORDS:
                log.warning("%s %s: %d occurrences missed; recording the last %d", channel_id,
                            kind, len(to_skip), MAX_SKIPPED_RECORDS)
                to_skip = to_skip[-MAX_SKIPPED_RECORDS:]
            for occurrence in to_skip:
                late = now - occurrence
                store.record_skipped(
                    channel_id, kind, occurrence,
                    f"missed while the bot was not running ({_human(late)} late; grace "
                    f"{_human(grace)})", now)
            if to_skip:
                log.warning("%s %s: skipped %d missed occurrence(s) older than the grace",
                            channel_id, kind, len(to_skip))
    return due


def _logged(name: str, job: Callable[[], object]) -> Callable[[], None]:
    """A periodic job whose failure is logged with its traceback and tried again next time."""

    def run() -> None:
        try:
            job()
        except Exception:  # one bad run must not stop the next ones
            log.exception("%s failed; it runs again in a minute", name)

    return run


class _OncePerMinute(logging.Filter):
    """APScheduler's warning per skipped run ("maximum number of running instances", "missed"),
    once a minute per kind, with the count of those held back: a schedule firing faster than
    posts finish would otherwise log a line per channel per second."""

    KINDS = ("maximum number of running instances", "was missed by")

    def __init__(self, clock: Clock):
        super().__init__()
        self.clock = clock
        self._lock = threading.Lock()
        self._last: dict[str, datetime] = {}
        self._held: dict[str, int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        """False for a repeat within the minute; the next one let through carries the count."""
        kind = next((k for k in self.KINDS if k in str(record.msg)), None)
        if kind is None:
            return True
        now = self.clock.now()
        with self._lock:
            last = self._last.get(kind)
            if last is not None and now - last < timedelta(minutes=1):
                self._held[kind] = self._held.get(kind, 0) + 1
                return False
            self._last[kind] = now
            held = self._held.pop(kind, 0)
        if held:
            record.msg = f"{record.msg} (and {held} more like it in the last minute, not logged)"
        return True


_APSCHEDULER_LOGGERS = ("apscheduler.scheduler", "apscheduler.executors.default")


def _human(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def _timing(channel: Channel, kind: str) -> tuple[str | None, str]:
    return channel.schedules().get(kind), channel.tz.key


class Scheduler:
    """Owns the APScheduler instance; every job calls the Poster."""

    def __init__(self, config: Config, store: Store, poster: Poster, clock: Clock,
                 channels: Channels, *,
                 periodic: tuple[tuple[str, Callable[[], object], int], ...] = ()):
        self.periodic = periodic  # (name, job, every N minutes): follow-ups, DMs, retention
        self.config = config
        self.store = store
        self.poster = poster
        self.clock = clock
        self.channels = channels
        self._triggers: dict[str, tuple[Channel, str, CronTrigger]] = {}
        self._quiet = _OncePerMinute(clock)
        self.scheduler = BackgroundScheduler(
            timezone="UTC",
            executors={"default": ThreadPoolExecutor(max_workers=config.concurrency)},
            job_defaults={
                "coalesce": True,  # after a pause, one run, not a burst
                "max_instances": 1,
                "misfire_grace_time": max(1, int(config.missed_run_grace.total_seconds())),
            },
        )

    def start(self) -> None:
        """Register one job per channel and kind, post what is due after downtime, and start."""
        now = self.clock.now()
        for job_id, (channel, kind, trigger) in self._wanted(self.config, warn=True).items():
            self._add(job_id, channel, kind, trigger, now)
        for item in plan_catch_up(self.config, self.store, now, self.channels):
            log.info("posting missed %s for %s (due %s)", item.kind, item.channel.channel,
                     item.occurrence.isoformat())
            self.scheduler.add_job(self.poster.post, trigger=DateTrigger(now, timezone="UTC"),
                                   args=[item.channel, item.kind, item.occurrence],
                                   misfire_grace_time=None)
        self._recover_stale_claims()
        self.scheduler.add_job(self._recover_stale_claims, "interval", minutes=1,
                               id="recover-stale-claims", name="recover stale claims")
        for name, job, minutes in self.periodic:
            self.scheduler.add_job(_logged(name, job), "interval", minutes=minutes, id=name,
                                   name=name, next_run_time=now + timedelta(seconds=5))
        for name in _APSCHEDULER_LOGGERS:
            logging.getLogger(name).addFilter(self._quiet)
        self.scheduler.start()

    def _wanted(self, config: Config, *, warn: bool = False
                ) -> dict[str, tuple[Channel, str, CronTrigger]]:
        """One job per resolved channel and posted kind, by job id."""
        wanted = {}
        for channel in config.channels:
            channel_id = self.channels.id_of(channel.channel)
            if channel_id is None:
                if warn:
                    log.warning("%s is not scheduled: it could not be resolved", channel.channel)
                continue
            for kind, cron in channel.schedules().items():
                if kind in POSTED_KINDS:
                    wanted[f"{channel_id}:{kind}"] = (channel, kind, parse_cron(cron, channel.tz))
        return wanted

    def _add(self, job_id: str, channel: Channel, kind: str, trigger: CronTrigger,
             now: datetime) -> None:
        self._triggers[job_id] = (channel, kind, trigger)
        self.store.schedule_since(job_id.rsplit(":", 1)[0], kind, now)
        self.scheduler.add_job(self._fire, trigger=trigger, args=[job_id], id=job_id,
                               name=f"{kind} in {channel.channel}")

    def reschedule(self, config: Config) -> dict[str, int]:
        """Swap in a reloaded configuration (``self.channels`` already updated): add, replace
        and remove only the jobs whose schedule changed; the others keep their next run."""
        now = self.clock.now()
        wanted = self._wanted(config)
        counts = {"added": 0, "changed": 0, "removed": 0, "kept": 0}
        self.config = config
        for job_id in [j for j in self._triggers if j not in wanted]:
            del self._triggers[job_id]
            with contextlib.suppress(JobLookupError):  # it may be running its last time
                self.scheduler.remove_job(job_id)
            counts["removed"] += 1
        for job_id, (channel, kind, trigger) in wanted.items():
            old = self._triggers.get(job_id)
            if old is None:
                self._add(job_id, channel, kind, trigger, now)
                counts["added"] += 1
            elif _timing(old[0], kind) == _timing(channel, kind):
                self._triggers[job_id] = (channel, kind, old[2])  # themes etc. may differ
                counts["kept"] += 1
            else:
                self._triggers[job_id] = (channel, kind, trigger)
                self.scheduler.reschedule_job(job_id, trigger=trigger)
                counts["changed"] += 1
        return counts

    def _recover_stale_claims(self) -> None:
        """Finish claims a killed process left behind, if still within the grace."""
        now = self.clock.now()
        abandoned = self.store.fail_abandoned_claims(
            now - STALE_CLAIM, now - self.config.missed_run_grace,
            "interrupted mid-post, and now older than the missed-run grace")
        if abandoned:
            log.warning("%d post(s) interrupted mid-post are past the grace; recorded as "
                        "failed", abandoned)
        by_id = {channel_id: c for c, channel_id in self.channels.resolved()}
        for row in self.store.stale_claims(now - STALE_CLAIM, now - self.config.missed_run_grace):
            channel = by_id.get(row["channel"])
            if channel is None or not self.store.take_over_claim(row["id"], row["claimed_at"],
                                                                 now):
                continue
            log.warning("%s to %s was claimed by a process that stopped mid-post; checking "
                        "Slack before posting it", row["kind"], row["channel"])
            self.scheduler.add_job(
                self.poster.recover, trigger=DateTrigger(now, timezone="UTC"),
                args=[channel, row["channel"], row["id"], row["kind"],
                      from_iso(row["occurrence"])],
                misfire_grace_time=None)

    def _fire(self, job_id: str) -> None:
        entry = self._triggers.get(job_id)
        if entry is None:  # removed by a reload while this run was starting
            return
        channel, kind, trigger = entry
        now = self.clock.now()
        occurrence = latest_occurrence(trigger, now, self.config.missed_run_grace)
        if occurrence is None:
            return
        self.poster.post(channel, kind, occurrence)

    def next_run(self) -> datetime | None:
        """The soonest next run of any job."""
        times = [job.next_run_time for job in self.scheduler.get_jobs() if job.next_run_time]
        return min(times) if times else None

    @property
    def running(self) -> bool:
        """True while the scheduler runs."""
        return self.scheduler.running

    def shutdown(self) -> None:
        """Stop scheduling and wait for in-flight posts to finish."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        for name in _APSCHEDULER_LOGGERS:
            logging.getLogger(name).removeFilter(self._quiet)
