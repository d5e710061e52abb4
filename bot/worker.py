"""Works off the inbox in order, after the ack.

A failure is retried with backoff; work that can never succeed (a permanent Slack error, or an
item failing ``MAX_ATTEMPTS`` times) moves to the dead-letter table with its last error, where
``leadbot inbox`` shows it and can retry or drop it: nothing is silently lost, and nothing is
retried forever. Items of a person being forgotten are dropped unhandled.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import timedelta
from typing import Any

from bot.clock import Clock
from bot.inbox import MAX_ATTEMPTS, Inbox, Item
from bot.logs import bound

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
TAKE = 200  # items leased at once
GATHER = 0.05  # after a wake-up, let a burst gather so it is handled in one batch
MAX_DELAY = timedelta(minutes=5)
KEEP_DONE = timedelta(days=2)

Handler = Callable[[dict[str, Any]], None]
ManyHandler = Callable[[list[dict[str, Any]]], None]


def retry_delay(attempts: int) -> timedelta:
    """1 s, 2 s, 4 s ... up to 5 minutes."""
    return min(timedelta(seconds=2 ** min(attempts, 10)), MAX_DELAY)


class Worker:
    """One thread that hands each inbox item to the handler for its kind."""

    def __init__(self, inbox: Inbox, handlers: dict[str, Handler], clock: Clock,
                 stop: threading.Event, *, many: dict[str, ManyHandler] | None = None,
                 batch: Callable[[], AbstractContextManager] = nullcontext,
                 permanent: Callable[[BaseException], bool] = lambda exc: False,
                 describe: Callable[[BaseException], str] = lambda exc: (
                     f"{type(exc).__name__}: {exc}".splitlines()[0]),
                 observe: Callable[[str, int], None] = lambda kind, count: None):
        self.inbox = inbox
        self.observe = observe  # told how many items of a kind were handled: the metrics
        # The Slack layer's policy: errors that no retry can fix, and how to say what failed.
        self.permanent, self.describe = permanent, describe
        self.handlers = handlers
        self.clock = clock
        self.stop = stop
        # Kinds that only write to the database can also be handled many at once, in one
        # transaction; if that fails, one by one so the failing item is retried alone. The
        # others (which call Slack) are handled one by one, outside any transaction.
        self.many = many or {}
        self.batch = batch
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start working in the background (pending work from a previous run comes first)."""
        self.inbox.prune(self.clock.now() - KEEP_DONE)
        self._thread = threading.Thread(target=self._loop, name="inbox-worker", daemon=True)
        self._thread.start()

    def join(self, timeout: float = 10) -> None:
        """Wait for the thread to finish its current item after ``stop`` is set."""
        self.inbox.wakeup.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self.stop.is_set():
            taken = self.run_once()
            if taken >= TAKE:
                continue  # more is waiting
            # Let a burst gather, so a stream of events is handled in batches rather than
            # one take per event, and the acks keep the process to themselves meanwhile.
            if taken or self.inbox.wakeup.wait(1.0):
                self.inbox.wakeup.clear()
                self.stop.wait(GATHER)

    def run_once(self) -> int:
        """Handle what is due now; return how many items were taken."""
        items = self.inbox.take(self.clock.now(), LEASE, TAKE)
        taken = len(items)
        done: list[Item] = []
        forgotten = {user for user in {i.user for i in items if i.user}
                     if self.inbox.being_forgotten(user)}  # one look per person, not per item
        if forgotten:
            done += [i for i in items if i.user in forgotten]
            items = [i for i in items if i.user not in forgotten]
            log.info("dropped %d item(s) of people being forgotten", len(done))
        grouped = [i for i in items if i.kind in self.many]
        single = [i for i in items if i.kind not in self.many]
        try:
            if grouped:
                try:
                    kinds = dict.fromkeys(i.kind for i in grouped)
                    with self.batch():
                        for kind in kinds:
                            self.many[kind]([i.payload for i in grouped if i.kind == kind])
                    done += grouped
                    for kind in kinds:
                        self.observe(kind, sum(1 for i in grouped if i.kind == kind))
                except Exception:  # rolled back: find the failing item by going one by one
                    log.debug("batch of %d failed; handling one by one", len(grouped))
                    done += [i for i in grouped if self._handle(i, self.batch)]
            for item in single:
                if self.stop.is_set():
                    break  # the lease runs out and the next start picks it up
                if item.user in forgotten:
                    done.append(item)  # forgotten by an item earlier in this batch
                elif self._handle(item, nullcontext):
                    done.append(item)
                if item.kind == "forget" and item.user:
                    forgotten.add(item.user)
        finally:
            self.inbox.done(done, self.clock.now())
        return taken

    def _handle(self, item: Item, scope: Callable[[], AbstractContextManager]) -> bool:
        """Run one item; True when it is finished (handled, or has no handler)."""
        handler = self.handlers.get(item.kind)
        if handler is None:
            log.error("no handler for inbox item %s of kind %s; dropped", item.key, item.kind)
            return True
        channel = item.payload.get("channel")
        with bound(user=item.user, channel=channel if isinstance(channel, str) else None,
                   item=item.key, event_id=item.key.removeprefix("event:")
                   if item.key.startswith("event:") else None):
            return self._attempt(item, handler, scope)

    def _attempt(self, item: Item, handler: Handler,
                 scope: Callable[[], AbstractContextManager]) -> bool:
        try:
            with scope():
                handler(item.payload)
        except Exception as exc:  # every failure is recorded: retried, or a dead letter
            error = self.describe(exc)
            attempt = item.attempts + 1
            if self.permanent(exc) or attempt >= MAX_ATTEMPTS:
                why = "can never succeed" if self.permanent(exc) else f"failed {attempt} times"
                log.error("%s %s (%s): moved to the dead letters; see `leadbot inbox`",
                          item.key, why, error[:300], extra={"kind": item.kind})
                self.inbox.dead(item, error, self.clock.now())
                return False
            delay = retry_delay(item.attempts)
            if item.attempts == 0:  # the traceback once; later attempts in one line
                log.exception("handling %s failed (attempt 1); retrying in %ss", item.key,
                              int(delay.total_seconds()))
            else:
                log.warning("handling %s failed again (attempt %d: %s); retrying in %ss",
                            item.key, attempt, error[:300],
                            int(delay.total_seconds()))
            self.inbox.failed(item, error, self.clock.now() + delay)
            return False
        self.observe(item.kind, 1)
        return True
