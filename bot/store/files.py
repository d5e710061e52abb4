"""What can go wrong with a SQLite file before and while leadbot uses it, said in one line an
operator can act on: a read-only place, a damaged file, a lock held too long.

Both files use it: the main database (``bot.store``) and the inbox beside it (``bot.inbox``).
"""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

from bot.store.base import StoreError

# SQLite's primary result codes (https://www.sqlite.org/rescode.html) that come from the file
# or the machine, not from leadbot's SQL; anything else is a bug and keeps its traceback.
_READ_ONLY = {sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM}
_DAMAGED = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}
_BUSY = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}
_MACHINE = {sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL, sqlite3.SQLITE_CANTOPEN}


def read_only(where: Path, path: Path) -> str:
    """The line for a database that cannot be written at ``where`` (its file or folder)."""
    why = "" if where == path else f" leadbot keeps {path.name} and its -wal and -shm files there;"
    return (f"cannot write to {where} (read-only):{why} make it writable, or choose another "
            "place with --db or LEADBOT_DB")


def prepare(path: Path) -> None:
    """Create the folders of ``path`` and check leadbot may write there; raise StoreError."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            raise StoreError(read_only(Path(exc.filename or path.parent), path)) from None
        if exc.errno in (errno.EEXIST, errno.ENOTDIR):
            raise StoreError(f"cannot open database {path}: {exc.filename or path.parent} is "
                             "a file, not a folder") from None
        raise StoreError(f"cannot open database {path}: {exc.strerror or exc}") from None
    if path.is_dir():
        raise StoreError(f"cannot open database {path}: it is a folder (--db and LEADBOT_DB "
                         "name the database file)")
    # SQLite opens a file it cannot write read-only and fails only at the first write; say so
    # now. The folder must take the -wal and -shm files. (os.access honours read-only mounts
    # and immutable files; root passes permission bits, and so does SQLite.)
    if path.exists() and not os.access(path, os.W_OK):
        raise StoreError(read_only(path, path))
    if not os.access(path.parent, os.W_OK):
        raise StoreError(read_only(path.parent, path))


def quick_check(conn: sqlite3.Connection) -> str | None:
    """SQLite's ``PRAGMA quick_check``: None when the file is sound, else its first finding.

    It reads every page (0.1 s for 60 MB once cached) without comparing indexes to tables.
    """
    try:
        rows = conn.execute("PRAGMA quick_check(1)").fetchall()
    except sqlite3.DatabaseError as exc:
        if code(exc) in _BUSY or code(exc) in _READ_ONLY:
            raise
        return str(exc)
    if rows == [("ok",)]:
        return None
    found = " ".join(str(row[0]) for row in rows).replace("*** in database main ***", "")
    return " ".join(found.split())  # one line


def code(exc: sqlite3.Error) -> int | None:
    """SQLite's primary result code of an error (None when Python raised it itself)."""
    extended = getattr(exc, "sqlite_errorcode", None)
    return None if extended is None else extended & 0xFF


def explain(exc: sqlite3.Error, path: Path | None = None) -> str | None:
    """One line for an error the file or the machine caused; None for anything else (a bug)."""
    primary = code(exc)
    where = f"database {path}" if path else "the database"
    if primary in _READ_ONLY:
        return (f"cannot write to {path or 'the database'} (read-only: {exc}); make it writable "
                "or choose another place with --db or LEADBOT_DB")
    if primary in _DAMAGED:
        return f"{where} is damaged ({exc}); {damaged_hint(path)}"
    if primary in _BUSY:
        return (f"{where} stayed locked by another process ({exc}); try again when it has "
                "finished")
    if primary in _MACHINE:
        return f"{where} could not be read or written ({exc}): check the disk and its space"
    return None


def not_usable(path: Path, exc: sqlite3.Error) -> str:
    """The line for a database file that failed as it was opened or migrated."""
    line = explain(exc, path)
    if line is None or code(exc) == sqlite3.SQLITE_NOTADB:
        return f"{path} is not a leadbot database ({exc})"
    return line


def damaged_hint(path: Path | None) -> str:
    """What to do about a damaged main database."""
    name = str(path) if path else "leadbot.db"
    return ("stop leadbot, keep a copy of the file, then restore a backup or rescue what is "
            f"readable with `sqlite3 {name} .recover | sqlite3 rescued.db`")
