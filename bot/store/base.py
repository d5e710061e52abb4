"""What the store modules share: the lock decorator, row helpers, constants, the error."""

from __future__ import annotations

import sqlite3
from functools import wraps

BUSY_TIMEOUT_MS = 10_000
EXPORT_KINDS = ("post", "reply", "choice", "reaction", "reflection", "follow_up", "sighting")
CHOICES = ("follow", "take", "pass")


class StoreError(Exception):
    """The database cannot be used (unreadable, or written by a newer leadbot)."""


def locked(method):
    """Run a store method holding the store's lock (threads share one connection)."""

    @wraps(method)
    def inner(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)

    return inner


def all_rows(cursor: sqlite3.Cursor) -> list[dict]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def one_row(cursor: sqlite3.Cursor) -> dict | None:
    found = all_rows(cursor)
    return found[0] if found else None


