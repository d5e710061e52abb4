"""What leadbot keeps about a person, and forgetting it."""

from __future__ import annotations

from bot.inbox import Inbox
from bot.store import Store


def forget_person(store: Store, inbox: Inbox | None, user: str) -> dict[str, int]:
    """Delete every answer of ``user`` (and pending inbox work about them); counts by kind."""
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
    report["pending answers"] = inbox.forget_user(user) if inbox is not None else 0
    return report
