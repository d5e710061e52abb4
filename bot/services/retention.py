"""Retention: after ``retention_days`` the words people wrote are deleted; counts stay."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.store import Store

log = logging.getLogger(__name__)


def purge_old_words(store: Store, now: datetime, days: int) -> dict[str, int]:
    """Delete the words of replies, reflections, sightings and sent DMs older than ``days``
    (0 keeps everything); return how many of each."""
    if days <= 0:
        return {}
    counts = store.purge_words(now - timedelta(days=days))
    if any(counts.values()):
        log.info("retention (%d days): deleted the words of %s", days,
                 ", ".join(f"{n} {kind}" for kind, n in counts.items()))
    return counts
