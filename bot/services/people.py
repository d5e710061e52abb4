"""What leadbot keeps about a person, and forgetting it."""

from __future__ import annotations

import threading
import time

from bot.clock import Clock
from bot.inbox import Inbox
from bot.store import Store

# How long `leadbot forget` waits for a running bot's worker to let go of the person's items.
WORKER_WAIT_SECONDS = 30.0


def forget_person(store: Store, inbox: Inbox | None, user: str, clock: Clock, *,
                  wait_for_worker: bool = True) -> dict[str, int]:
    """Delete everything stored about ``user``; counts by kind.

    First the person is marked as being forgotten, so a running bot's worker drops their items
    from then on, and (``wait_for_worker``: from another process) this waits until the worker
    holds none of them. Then every row about them goes (answers, reflections, sightings by and
    about them, DMs quoting them, inbox items and keys, dead letters), and both databases'
    WALs are checkpointed with secure_delete on, so no copy of their words stays on disk.
    Nothing about them reaches Slack after this returns."""
    if inbox is not None:
        inbox.begin_forgetting(user, clock.now())
    try:
        if inbox is not None and wait_for_worker:
            _wait_for_worker(inbox, user, clock)
        report = _delete(store, inbox, user)
    finally:
        if inbox is not None:
            inbox.end_forgetting(user)
    store.checkpoint()
    if inbox is not None:
        inbox.checkpoint()
    return report


def held(store: Store, inbox: Inbox | None, user: str) -> dict[str, int]:
    """What leadbot keeps about ``user``, counted by kind (what forgetting would delete)."""
    counts = store.held_about(user)
    if inbox is not None:
        counts["pending answers"] = inbox.pending_for(user)
    return counts


def _wait_for_worker(inbox: Inbox, user: str, clock: Clock) -> None:
    deadline = time.monotonic() + WORKER_WAIT_SECONDS
    pause = threading.Event()
    while inbox.leased_for(user, clock.now()) and time.monotonic() < deadline:
        pause.wait(0.05)


def _delete(store: Store, inbox: Inbox | None, user: str) -> dict[str, int]:
    counts = store.forget_user(user)
    report = {
        "choices": counts["choices"],
        "replies": counts["replies"],
        "reactions": counts["reactions"],
        "reflections": counts["reflections"],
        "follow-ups": counts["follow_ups"],
        "settings": counts["person_settings"],
        "messages waiting": counts["outbox"],
    }
    sightings = store.forget_sightings(user)
    report["sightings"] = sightings["sightings"]
    report["sightings about them"] = sightings["sightings_about"]
    report["messages waiting"] += sightings["sighting_dms"]
    report["sent messages quoting them"] = sightings["sent_dms"]
    report["pending answers"] = inbox.forget_user(user) if inbox is not None else 0
    return report
