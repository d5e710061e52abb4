"""The sign that a bot runs on a database: a lock on ``<db>.lock`` beside it.

`leadbot run` holds it shared for its lifetime (two bots may share a database); `leadbot
restore` takes it exclusive, without waiting, so it never replaces a database under a running
bot. The kernel drops a flock when its process ends, however it ends: a killed bot leaves no
stale lock behind, only the empty file.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.store import files


def lock_path(db_path: Path) -> Path:
    """``data/leadbot.db`` -> ``data/leadbot.db.lock``."""
    return db_path.with_name(f"{db_path.name}.lock")


class RunLock:
    """A shared hold on a database's lock file, kept until ``release``."""

    def __init__(self, fd: int):
        self._fd: int | None = fd

    def release(self) -> None:
        """Let go of the lock (closing the file releases it)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _open(db_path: Path) -> int:
    return os.open(lock_path(db_path), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)


def hold_shared(db_path: Path) -> RunLock:
    """Hold the lock shared, waiting for a restore under way to finish (creates the folder)."""
    files.prepare(db_path)
    fd = _open(db_path)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
    except BaseException:
        os.close(fd)
        raise
    return RunLock(fd)


@contextmanager
def exclusive(db_path: Path) -> Iterator[bool]:
    """Hold the lock exclusive for the block, without waiting: yields False when a bot runs."""
    fd = _open(db_path)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)
