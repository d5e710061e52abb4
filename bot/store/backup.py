"""Backups while the bot runs, and restores when it does not, through SQLite's online backup
API (https://www.sqlite.org/backup.html).

A backup copies the database in one step, inside one read transaction: a consistent snapshot
as of its start, while the bot goes on writing (WAL readers do not block writers). The copy is
made beside its final name, checked with ``PRAGMA integrity_check``, then renamed into place,
so PATH is never half written. The inbox beside the database (answers acked but not yet
recorded, and dead letters) is copied first, the database second: whatever the inbox copy holds
as pending and the database copy already holds is recorded again, harmlessly, after a restore
(the worker is at-least-once anyway); nothing acked before the backup began is missing.

A restore checks the copy (integrity, and no migration this leadbot does not know), takes the
database's lock exclusive (``runlock``: refused while a bot runs), keeps the file it replaces
beside it under a dated name, and writes the copy into place through the same API, so SQLite
keeps the -wal and -shm files coherent.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bot.migrations import migrations
from bot.sqlitedb import Database
from bot.store import files, runlock
from bot.store.base import BUSY_TIMEOUT_MS, StoreError


@dataclass(frozen=True)
class Copy:
    """One file written by a backup or a restore, and what it holds."""

    path: Path
    size: int
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Restored:
    """What a restore did: the database (and inbox) written, and the files it kept aside."""

    database: Copy
    inbox: Copy | None
    kept: list[Path]
    migrations: list[str]


InboxOf = Callable[[Path], Path]  # bot.inbox.inbox_path (the inbox imports this package)


def backup(db_path: Path, dest: Path, inbox_path: InboxOf, *,
           overwrite: bool = False) -> list[Copy]:
    """Copy the database (and its inbox, when there is one) to ``dest`` (and ``dest``'s
    inbox name), each checked then renamed into place; raise StoreError in one line."""
    db_path, dest = Path(db_path), Path(dest)
    if not db_path.is_file():
        raise StoreError(f"no database at {db_path}: nothing to back up (check --db or "
                         "LEADBOT_DB)")
    pairs = [(db_path, dest)]
    if inbox_path(db_path).is_file():
        pairs.insert(0, (inbox_path(db_path), inbox_path(dest)))  # the inbox first: see above
    for _, target in reversed(pairs):  # the database's name first
        _check_target(target, overwrite)
    temps: list[tuple[Path, Path]] = []
    try:
        for source, target in pairs:
            temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            temps.append((temp, target))
            _copy(source, temp, f"cannot back up {source}", shown=target)
            _check(temp, f"the copy of {source}")
        copies = []
        for temp, target in temps:
            counts = table_counts(temp)
            os.replace(temp, target)
            copies.append(Copy(target, target.stat().st_size, counts))
        _sync_folder(dest.parent)
    except OSError as exc:
        raise StoreError(f"cannot write {exc.filename or dest}: {exc.strerror or exc}") from None
    finally:
        for temp, _ in temps:
            temp.unlink(missing_ok=True)
    return copies[::-1]  # the database first


def restore(copy: Path, db_path: Path, inbox_path: InboxOf, at: datetime) -> Restored:
    """Put ``copy`` (and its inbox, when it has one) in place of the database; refuse a
    damaged copy, one from a newer leadbot, and a database a running bot holds."""
    copy, db_path = Path(copy), Path(db_path)
    if not copy.is_file():
        raise StoreError(f"no backup at {copy}")
    if db_path.exists() and copy.resolve() == db_path.resolve():
        raise StoreError(f"{copy} is the database itself: give a backup")
    applied = _check_copy(copy)
    pairs = [(copy, db_path)]
    if inbox_path(copy).is_file():
        _check(inbox_path(copy), f"the backup's inbox {inbox_path(copy)}")
        pairs.append((inbox_path(copy), inbox_path(db_path)))
    files.prepare(db_path)
    stamp = at.strftime("%Y%m%dT%H%M%SZ")
    kept: list[Path] = []
    with runlock.exclusive(db_path) as free:
        if not free:
            raise StoreError(f"a leadbot is running on {db_path} (it holds "
                             f"{runlock.lock_path(db_path)}): stop it, then restore")
        for source, target in pairs:
            if target.exists():
                aside = target.with_name(f"{target.name}.before-restore-{stamp}")
                _copy(target, aside, f"cannot keep {target} aside")
                kept.append(aside)
            _copy(source, target, f"cannot restore {target}", keep_mode=True)
    written = [Copy(target, target.stat().st_size, table_counts(target))
               for _, target in pairs]
    return Restored(written[0], written[1] if len(written) > 1 else None, kept, applied)


def table_counts(path: Path) -> dict[str, int]:
    """Rows per table of the SQLite file at ``path``, by table name."""
    conn = sqlite3.connect(_uri(path, "ro"), uri=True)
    try:
        names = [row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name")]
        return {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
                for name in names}
    finally:
        conn.close()


def _uri(path: Path, mode: str) -> str:
    return f"{path.resolve().as_uri()}?mode={mode}"


def _check_target(target: Path, overwrite: bool) -> None:
    if target.is_dir():
        raise StoreError(f"cannot write {target}: it is a folder (give the backup's file name)")
    if target.exists() and not overwrite:
        raise StoreError(f"{target} exists and is kept: give a new name (cron: "
                         "leadbot-$(date +%F).db) or --overwrite")
    if not target.parent.is_dir():
        raise StoreError(f"cannot write {target}: there is no folder {target.parent}")
    if not os.access(target.parent, os.W_OK):
        raise StoreError(f"cannot write {target}: the folder {target.parent} is read-only")


def _copy(source: Path, target: Path, failure: str, *, keep_mode: bool = False,
          shown: Path | None = None) -> None:
    """The backup API, all pages in one step (one consistent snapshot); the target becomes a
    single file (journal_mode DELETE) unless ``keep_mode`` (a live database keeps WAL)."""
    try:
        src = sqlite3.connect(_uri(source, "rw"), uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as exc:
        raise StoreError(f"{failure}: {files.explain(exc, source) or exc}") from None
    try:
        dst = sqlite3.connect(str(target), timeout=BUSY_TIMEOUT_MS / 1000)
        dst.execute("PRAGMA user_version").fetchone()  # opens the file: fails here if it cannot
    except sqlite3.Error as exc:
        src.close()
        raise StoreError(f"cannot write {shown or target}: {exc}") from None
    try:
        try:
            src.backup(dst)
            if keep_mode:
                dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            else:
                dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
    except sqlite3.Error as exc:  # the target is new or checked: the source is the suspect
        raise StoreError(f"{failure}: {files.explain(exc, source) or exc}") from None
    finally:
        src.close()
    if not keep_mode:
        fd = os.open(target, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _check(path: Path, what: str) -> None:
    """``PRAGMA integrity_check`` (indexes against tables too); StoreError on any finding."""
    try:
        conn = sqlite3.connect(_uri(path, "ro"), uri=True)
        try:
            rows = conn.execute("PRAGMA integrity_check(5)").fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{what} failed the integrity check ({exc})") from None
    if rows != [("ok",)]:
        found = " ".join(" ".join(str(row[0]) for row in rows).split())
        raise StoreError(f"{what} failed the integrity check ({found})")


def _check_copy(copy: Path) -> list[str]:
    """The copy's applied migrations, after checking it is sound and not from a newer leadbot."""
    _check(copy, f"the backup {copy}")
    conn = sqlite3.connect(_uri(copy, "ro"), uri=True)
    try:
        applied = [m.name for m in migrations.applied(Database(conn, execute_plugins=False))]
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{copy} is not a leadbot database ({exc})") from None
    finally:
        conn.close()
    if not applied:
        raise StoreError(f"{copy} is not a leadbot database (it has no migrations)")
    known = {m.name for m in migrations._migrations}
    unknown = [name for name in applied if name not in known]
    if unknown:
        raise StoreError(f"{copy} was written by a newer leadbot (it has migration "
                         f"{', '.join(unknown)}, which this version does not know): upgrade "
                         "leadbot, then restore")
    return applied


def _sync_folder(folder: Path) -> None:
    """Make the renames durable (a crash after rename keeps the new name)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
