"""Live reload: the running bot takes a new configuration without a restart.

Three triggers, one path: a watcher thread polling the configuration file and the prompt
library it names, SIGHUP, and ``/leadbot reload``. A valid file is applied under one lock:
channels resolved (new ones joined), the configuration swapped in every part that reads it,
and only the jobs whose schedule changed are added, replaced or removed, so the others keep
their next run. Posts are claimed per (channel, kind, occurrence), so a post due during the
reload is made once. An invalid file keeps the running configuration: every problem is logged
as ``file:line: field: message`` and the admins get one DM per distinct broken content.
"""

from __future__ import annotations

import hashlib
import logging
import os
import signal
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.config import Config, load_config
from bot.messages.admin import config_problems_text
from bot.services.channels import resolve_channels
from bot.services.ports import Slack, SlackFailure
from bot.services.reload import describe, diff, snapshot
from bot.yamlfile import FileProblems

log = logging.getLogger("leadbot.reload")
POLL = 0.5  # seconds between two looks at the files; a change applies once it holds still


@dataclass(frozen=True)
class Outcome:
    """What a reload did: applied (with the changes in words) or refused (with the problems)."""

    applied: bool
    lines: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()


class _Files:
    """A fingerprint of the configuration and library files: stat first, content hash when the
    stat moved (an editor that saves by rename makes a new inode)."""

    def __init__(self) -> None:
        self._hashes: dict[Path, tuple[tuple, str]] = {}

    def fingerprint(self, paths: list[Path]) -> str:
        """One hash of every file's content (a missing file counts as its own content)."""
        parts = []
        for path in paths:
            try:
                st = os.stat(path)
            except OSError:
                parts.append(f"{path}:missing")
                continue
            key = (st.st_ino, st.st_mtime_ns, st.st_size)
            known = self._hashes.get(path)
            if known is None or known[0] != key:
                try:
                    known = (key, hashlib.sha256(path.read_bytes()).hexdigest())
                except OSError:
                    parts.append(f"{path}:unreadable")
                    continue
                self._hashes[path] = known
            parts.append(f"{path}:{known[1]}")
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()


class Reloader:
    """Reloads ``bot``'s configuration on demand, on SIGHUP and when its files change."""

    def __init__(self, bot: Any, slack: Slack, *, poll: float = POLL):
        # ``bot`` is bot.runtime's Bot (not imported: runtime imports this module)
        self.bot, self.slack, self.poll = bot, slack, poll
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._files = _Files()
        self._seen = self._fingerprint()
        self._told: str | None = None  # the broken content the admins were told about
        self._thread: threading.Thread | None = None

    def _fingerprint(self) -> str:
        config = self.bot.config
        return self._files.fingerprint([config.path, config.library_path])

    def start(self) -> None:
        """Begin watching the files (the thread first records the configuration applied at
        start: a second or so for 100,000 channels, which start need not wait for)."""
        self._thread = threading.Thread(target=self._watch, name="config-watch", daemon=True)
        self._thread.start()

    def request(self) -> None:
        """Ask the watcher thread to reload now (safe from a signal handler)."""
        self._wake.set()

    def join(self, timeout: float = 5) -> None:
        """Wait for the watcher to end (it ends once the bot's stop event is set)."""
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _watch(self) -> None:
        with self._lock:
            self.bot.store.record_applied_config(snapshot(self.bot.config),
                                                 self.bot.clock.now())
        stop = self.bot.stop
        pending: str | None = None
        while not stop.is_set():
            woke = self._wake.wait(self.poll)
            if stop.is_set():
                return
            if woke:
                self._wake.clear()
                self._guarded("SIGHUP")
                continue
            current = self._fingerprint()
            if current == self._seen:
                pending = None
            elif current != pending:
                pending = current  # an editor may still be writing: wait for it to hold still
            else:
                pending = None
                self._guarded("file changed")

    def _guarded(self, why: str) -> None:
        try:
            self.reload(why)
        except Exception:  # the watcher must outlive one bad reload; the bot keeps running
            log.exception("reload (%s) failed; the previous configuration stays", why)

    def reload(self, why: str) -> Outcome:
        """Load the file again and apply it, or keep the running configuration and say why."""
        with self._lock:
            fingerprint = self._seen = self._fingerprint()
            path = self.bot.config.path
            try:
                config = load_config(path)
            except FileProblems as exc:
                return self._refuse(why, fingerprint, [str(p) for p in exc.problems])
            was_broken, self._told = self._told is not None, None
            lines = self._apply(config)
            self._seen = self._fingerprint()  # the library it names may be another file now
            log.info("configuration reloaded (%s)%s: %s", why,
                     ", valid again" if was_broken else "", "; ".join(lines))
            return Outcome(True, tuple(lines))

    def _refuse(self, why: str, fingerprint: str, problems: list[str]) -> Outcome:
        for problem in problems:
            log.error("%s", problem)
        log.error("configuration not reloaded (%s): %d problem(s) in %s; still running the "
                  "previous configuration", why, len(problems), self.bot.config.path)
        if fingerprint != self._told:
            self._told = fingerprint
            self._tell_admins(problems)
        return Outcome(False, problems=tuple(problems))

    def _tell_admins(self, problems: list[str]) -> None:
        bot = self.bot
        admins = bot.config.admins
        if not admins:
            log.warning("no admins are configured to tell about the broken configuration")
            return
        text = config_problems_text(str(bot.config.path), problems)
        now = bot.clock.now()
        for admin in admins:
            bot.store.queue_dm(admin, "config_problems", text, None, now)
        if bot.outbox is not None:
            bot.outbox.run()  # now, not at the outbox's next minute (quiet hours still count)

    def _apply(self, config: Config) -> list[str]:
        bot = self.bot
        now = bot.clock.now()
        change = diff(bot.config, config)
        refs = {c.channel for c in config.channels}
        resolved = {ref: channel_id for ref, channel_id in bot.channels if ref in refs}
        todo = refs - set(resolved)  # new channels, and those that did not resolve before
        if todo:
            try:
                resolved.update(resolve_channels(self.slack, config, bot.store, bot.clock,
                                                 only=todo))
            except SlackFailure as exc:
                log.warning("cannot reach Slack to resolve %d channel(s) (%s); the next reload "
                            "tries again", len(todo), exc.error)
        bot.channels.update(resolved, config.channels)
        for holder in (bot, bot.deps, bot.poster, bot.follow_ups, bot.quiet):
            if holder is not None:
                holder.config = config
        if bot.outbox is not None:
            bot.outbox.default_tz = config.timezone
        counts = bot.scheduler.reschedule(config)
        bot.store.record_applied_config(snapshot(config), now)
        log.debug("jobs after reload: %s", counts)
        return describe(change, now)


def install_hangup(reloader: Reloader) -> None:
    """SIGHUP reloads the configuration (from the main thread: signal handlers live there)."""

    def handler(_signum, _frame):
        reloader.request()  # the watcher thread reloads (and logs): nothing here takes a lock

    signal.signal(signal.SIGHUP, handler)
