"""`leadbot backup` and `leadbot restore` on real SQLite files: checked copies, counts, an
existing or unwritable PATH, and the copies restore refuses (newer, damaged)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from bot.inbox import Inbox, inbox_path
from bot.store import Store
from bot.store import backup as backups

AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def fill(db, replies: int) -> None:
    """A posted prompt with ``replies`` thread replies, and one answer waiting in the inbox."""
    store = Store.open(db)
    try:
        post = store.claim_post("C0123TEAM", "prompt", AT, AT)
        store.mark_posted(post, ts="1764000000.000100", text="the refrain", at=AT)
        for n in range(replies):
            store.record_reply(channel="C0123TEAM", thread_ts="1764000000.000100",
                               ts=f"1764000001.{n:06d}", user="U0000BOB", text=f"reply {n}",
                               at=AT, post_id=post)
    finally:
        store.close()
    box = Inbox(inbox_path(db))
    box.put("Ev1", "event", {"n": 1}, AT)
    box.close()


def count(path, table: str) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "cli.db"
    fill(path, 3)
    return path


def test_backup_copies_database_and_inbox_and_prints_counts(run_cli, db, tmp_path):
    dest = tmp_path / "backups" / "leadbot-2026-11-25.db"
    dest.parent.mkdir()
    result = run_cli("backup", str(dest))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(f"Backed up to {dest} (") and lines[0].endswith("kB)")
    assert "  replies: 3 row(s)" in lines and "  posts: 1 row(s)" in lines
    assert f"Backed up to {inbox_path(dest)} (" in result.output and "  inbox: 1 row(s)" in lines
    assert result.output.count("integrity_check: ok") == 2
    assert count(dest, "replies") == 3 and count(inbox_path(dest), "inbox") == 1
    # single files, no temporary left behind, no -wal beside the copy
    assert sorted(p.name for p in dest.parent.iterdir()) == [
        "leadbot-2026-11-25-inbox.db", "leadbot-2026-11-25.db"]
    conn = sqlite3.connect(dest)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    conn.close()


def test_backup_keeps_an_existing_path_unless_overwrite(run_cli, db, tmp_path):
    dest = tmp_path / "daily.db"
    dest.write_text("yesterday's backup")
    result = run_cli("backup", str(dest))
    assert result.exit_code == 1
    assert result.output.startswith(f"error: {dest} exists and is kept")
    assert len(result.output.splitlines()) == 1
    assert dest.read_text() == "yesterday's backup" and not inbox_path(dest).exists()
    result = run_cli("backup", "--overwrite", str(dest))
    assert result.exit_code == 0, result.output
    assert count(dest, "replies") == 3


@pytest.mark.parametrize("where, said", [
    ("/proc/leadbot-backup.db", "cannot write /proc/leadbot-backup"),
    ("{tmp}/missing/folder/b.db", "there is no folder {tmp}/missing/folder"),
    ("{tmp}/cli.db/b.db", "there is no folder {tmp}/cli.db"),  # a file, not a folder
])
def test_backup_to_an_unwritable_path_is_one_line(run_cli, db, tmp_path, where, said):
    result = run_cli("backup", where.format(tmp=tmp_path))
    assert result.exit_code == 1
    assert result.output.startswith("error: "), result.output
    assert said.format(tmp=tmp_path) in result.output, result.output
    assert len(result.output.splitlines()) == 1
    assert not list(tmp_path.glob(".*.tmp"))


def test_backup_to_a_folder_is_a_usage_error(run_cli, db, tmp_path):
    result = run_cli("backup", str(tmp_path))
    assert result.exit_code == 2 and "is a directory" in result.output


def test_backup_without_a_database_says_so(run_cli, tmp_path):
    result = run_cli("backup", str(tmp_path / "b.db"))
    assert result.exit_code == 1
    assert result.output == f"error: no database at {tmp_path / 'cli.db'}: nothing to back " \
                            "up (check --db or LEADBOT_DB)\n"
    assert not (tmp_path / "b.db").exists()


def test_restore_puts_the_backup_back_and_keeps_what_it_replaces(run_cli, db, tmp_path):
    dest = tmp_path / "b.db"
    assert run_cli("backup", str(dest)).exit_code == 0
    fill(db, 2)  # after the backup: 2 more posts' worth of rows (same ts: ignored), 1 post
    store = Store.open(db)
    store.record_reply(channel="C0123TEAM", thread_ts="1764000000.000100", ts="1764000009.1",
                       user="U0000BOB", text="after the backup", at=AT)
    store.close()
    assert count(db, "replies") == 4
    result = run_cli("restore", str(dest))
    assert result.exit_code == 0, result.output
    kept = tmp_path / "cli.db.before-restore-20261125T120000Z"
    assert f"Kept what it replaces as {kept} (restore it to undo)." in result.output
    assert f"Restored from {dest}: {db} (" in result.output
    assert "  replies: 3 row(s)" in result.output
    assert count(db, "replies") == 3 and count(kept, "replies") == 4
    assert count(inbox_path(db), "inbox") == 1
    assert (tmp_path / "cli-inbox.db.before-restore-20261125T120000Z").exists()
    # the restored database opens and works as before
    store = Store.open(db, check=True)
    assert len(store.posts()) == 1
    store.close()


def test_restore_refuses_a_copy_from_a_newer_leadbot(run_cli, db, tmp_path):
    dest = tmp_path / "b.db"
    assert run_cli("backup", str(dest)).exit_code == 0
    conn = sqlite3.connect(dest)
    conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                 "VALUES ('leadbot', 'm999_future', 'x')")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    result = run_cli("restore", str(dest))
    assert result.exit_code == 1
    assert result.output == (f"error: {dest} was written by a newer leadbot (it has migration "
                             "m999_future, which this version does not know): upgrade "
                             "leadbot, then restore\n")
    assert db.read_bytes() == before
    assert not list(tmp_path.glob("*before-restore*"))


def test_restore_refuses_a_damaged_copy(run_cli, db, tmp_path):
    dest = tmp_path / "b.db"
    assert run_cli("backup", str(dest)).exit_code == 0
    damage(dest)
    result = run_cli("restore", str(dest))
    assert result.exit_code == 1
    assert result.output.startswith(f"error: the backup {dest} failed the integrity check (")
    assert len(result.output.splitlines()) == 1
    assert count(db, "replies") == 3


def test_restore_refuses_what_is_not_a_backup(run_cli, db, tmp_path):
    assert run_cli("restore", str(tmp_path / "none.db")).output == \
        f"error: no backup at {tmp_path / 'none.db'}\n"
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    result = run_cli("restore", str(other))
    assert result.exit_code == 1 and "is not a leadbot database" in result.output
    result = run_cli("restore", str(db))
    assert result.exit_code == 1 and "is the database itself" in result.output


def test_table_counts_every_table(tmp_path):
    fill(tmp_path / "x.db", 2)
    counts = backups.table_counts(tmp_path / "x.db")
    assert counts["replies"] == 2 and counts["posts"] == 1 and "_sqlite_migrations" in counts


def test_restore_onto_a_new_machine_creates_the_database(run_cli, db, tmp_path):
    dest = tmp_path / "b.db"
    assert run_cli("backup", str(dest)).exit_code == 0
    fresh = tmp_path / "new" / "leadbot.db"
    result = run_cli("restore", str(dest), environ={"LEADBOT_DB": str(fresh)})
    assert result.exit_code == 0, result.output
    assert "Kept" not in result.output and not list(fresh.parent.glob("*before-restore*"))
    assert count(fresh, "replies") == 3 and count(inbox_path(fresh), "inbox") == 1
    store, before = Store.open(fresh, check=True), Store.open(db)
    assert store.applied_migrations() == before.applied_migrations()
    store.close()
    before.close()


def damage(path) -> None:
    """Overwrite the start of every page but the first (b-tree headers, cell pointers)."""
    data = bytearray(path.read_bytes())
    for start in range(4096, len(data), 4096):
        data[start:start + 64] = b"\xff" * 64
    path.write_bytes(bytes(data))


def test_backup_of_a_damaged_database_fails_and_leaves_no_file(run_cli, db, tmp_path):
    Store.open(db).checkpoint()  # everything in the main file, none in the -wal
    damage(db)
    dest = tmp_path / "b.db"
    result = run_cli("backup", str(dest))
    assert result.exit_code == 1
    # SQLite stops on the damage while copying, or the check finds it in the copy
    assert result.output.startswith((f"error: cannot back up {db}: database {db} is damaged",
                                     f"error: the copy of {db} failed the integrity check (")), \
        result.output
    assert len(result.output.splitlines()) == 1
    assert not dest.exists() and not list(tmp_path.glob(".*.tmp"))
