"""Works off the inbox in order, after the ack: failures are logged and retried, never dropped."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from bot.clock import Clock
from bot.inbox import Inbox, Item

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
MAX_DELAY = timedelta(minutes=5)
KEEP_DONE = timedelta(days=2)

Handler = Callable[[dict[str, Any]], None]


def retry_delay(attempts: int) -> timedelta:
    """1 s, 2 s, 4 s ... up to 5 minutes."""
    return min(timedelta(seconds=2 ** min(attempts, 10)), MAX_DELAY)


class Worker:
    """One thread that hands each inbox item to the handler for its kind."""

    def __init__(self, inbox: Inbox, handlers: dict[str, Handler], clock: Clock,
                 stop: threading.Event):
        self.inbox = inbox
        self.handlers = handlers
        self.clock = clock
        self.stop = stop
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
            if not self.run_once():
                self.inbox.wakeup.wait(1.0)
                self.inbox.wakeup.clear()

    def run_once(self) -> int:
        """Handle what is due now; return how many items were taken."""
        items = self.inbox.take(self.clock.now(), LEASE)
        for item in items:
            if self.stop.is_set():
                break  # the lease runs out and the next start picks it up
            self._handle(item)
        return len(items)

    def _handle(self, item: Item) -> None:
        handler = self.handlers.get(item.kind)
        if handler is None:
            log.error("no handler for inbox item %s of kind %s; dropped", item.key, item.kind)
            self.inbox.done(item.id, self.clock.now())
            return
        try:
            handler(item.payload)
        except Exception as exc:  # every failure is logged and retried, whatever it is
            delay = retry_delay(item.attempts)
            log.exception("handling %s failed (attempt %d); retrying in %ss", item.key,
                          item.attempts + 1, int(delay.total_seconds()))
            self.inbox.failed(item.id, f"{type(exc).__name__}: {exc}", self.clock.now() + delay)
            return
        self.inbox.done(item.id, self.clock.now())
