"""Works off the inbox in order, after the ack: failures are logged and retried, never dropped."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import timedelta
from typing import Any

from bot.clock import Clock
from bot.inbox import Inbox, Item

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
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
                 batch: Callable[[], AbstractContextManager] = nullcontext):
        self.inbox = inbox
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
            if not self.run_once() and self.inbox.wakeup.wait(1.0):
                self.inbox.wakeup.clear()
                self.stop.wait(GATHER)

    def run_once(self) -> int:
        """Handle what is due now; return how many items were taken."""
        items = self.inbox.take(self.clock.now(), LEASE)
        grouped = [i for i in items if i.kind in self.many]
        single = [i for i in items if i.kind not in self.many]
        done: list[int] = []
        try:
            if grouped:
                try:
                    with self.batch():
                        for kind in dict.fromkeys(i.kind for i in grouped):
                            self.many[kind]([i.payload for i in grouped if i.kind == kind])
                    done += [i.id for i in grouped]
                except Exception:  # rolled back: find the failing item by going one by one
                    log.debug("batch of %d failed; handling one by one", len(grouped))
                    done += [i.id for i in grouped if self._handle(i, self.batch)]
            for item in single:
                if self.stop.is_set():
                    break  # the lease runs out and the next start picks it up
                if self._handle(item, nullcontext):
                    done.append(item.id)
        finally:
            self.inbox.done(done, self.clock.now())
        return len(items)

    def _handle(self, item: Item, scope: Callable[[], AbstractContextManager]) -> bool:
        """Run one item; True when it is finished (handled, or has no handler)."""
        handler = self.handlers.get(item.kind)
        if handler is None:
            log.error("no handler for inbox item %s of kind %s; dropped", item.key, item.kind)
            return True
        try:
            with scope():
                handler(item.payload)
        except Exception as exc:  # every failure is logged and retried, whatever it is
            delay = retry_delay(item.attempts)
            log.exception("handling %s failed (attempt %d); retrying in %ss", item.key,
                          item.attempts + 1, int(delay.total_seconds()))
            self.inbox.failed(item.id, f"{type(exc).__name__}: {exc}", self.clock.now() + delay)
            return False
        return True
