"""Faults an unlucky operator meets: a damaged inbox or database, a read-only place, an
unwritable output, a number out of range. Each is one line and an exit code, never a
traceback, and nothing in a sound file is lost. Real SQLite files under tmp_path."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.inbox import Inbox, inbox_path
from bot.store import Store
from tests.conftest import MINIMAL, REPO
from tests.e2e import BotProcess, bot_env

AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
REPLIES = 300  # ~600 bytes each: the database spans well over 40 pages of 4096 bytes


def _seed(path: Path) -> None:
    """A real database with one post, a choice and enough replies to span many pages."""
    store = Store.open(path)
    post = store.claim_post("C1", "prompt", AT, AT)
    store.mark_posted(post, ts="1.1", text="When you see…", at=AT)
    store.record_choice(post, "U0000ANNA", "take", AT)
    with store.batch():
        for n in range(REPLIES):
            store.record_reply(channel="C1", thread_ts="1.1", ts=f"2.{n}", user="U0000BOB",
                               text=f"reply {n} " + "words " * 100, at=AT, post_id=post)
    store.close()


def _rows(path: Path) -> tuple[int, int, int]:
    """(posts, choices, replies) read straight from the file."""
    conn = sqlite3.connect(path)
    try:
        return tuple(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                     for table in ("posts", "choices", "replies"))
    finally:
        conn.close()


def _corrupt_last_page(path: Path) -> bytes:
    """Write garbage over the file's final 4096 bytes (its last page); return the new bytes."""
    data = bytearray(path.read_bytes())
    assert len(data) > 40 * 4096 and not Path(f"{path}-wal").exists()
    data[-4096:] = bytes((7 * i + 3) % 256 for i in range(4096))
    path.write_bytes(bytes(data))
    return bytes(data)


def _error_lines(output: str) -> list[str]:
    assert "Traceback" not in output, output
    return [line for line in output.splitlines() if line.startswith("error:")]


def _invoke(args: list[str], db: Path):
    return CliRunner().invoke(cli, args, obj={"environ": {"LEADBOT_DB": str(db)}},
                              catch_exceptions=False)


# --- a damaged inbox ----------------------------------------------------------------------


def _garbage(path: Path) -> None:
    path.write_bytes(b"\x8b\x1f not sqlite, just bytes " * 400)


def _truncated(path: Path) -> None:
    inbox = Inbox(path)
    for n in range(600):
        inbox.put(f"click-{n}", "click", {"user": "U0000ANNA", "text": "x" * 300}, AT,
                  user="U0000ANNA")
    inbox.close()
    data = path.read_bytes()
    for extra in (Path(f"{path}-wal"), Path(f"{path}-shm")):
        extra.unlink(missing_ok=True)
    path.write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize("damage", [_garbage, _truncated])
def test_forget_with_a_damaged_inbox_is_one_line(tmp_path, damage):
    db = tmp_path / "leadbot.db"
    _seed(db)
    inbox = inbox_path(db)
    damage(inbox)
    before = inbox.read_bytes()
    result = _invoke(["forget", "U0000ANNA", "--yes"], db)
    assert result.exit_code == 1
    [line] = _error_lines(result.output)
    assert f"the inbox {inbox} is damaged or not a database" in line
    assert "only answers received but not yet recorded" in line and "move it aside" in line
    assert inbox.read_bytes() == before  # left for the operator to look at, not "repaired"
    assert _rows(db) == (1, 1, REPLIES)  # nothing was forgotten half-way


def test_stats_with_a_damaged_inbox_is_never_a_traceback(tmp_path):
    """stats reads the main database; if it reads the inbox too, a damaged one is one line."""
    db = tmp_path / "leadbot.db"
    _seed(db)
    _garbage(inbox_path(db))
    result = _invoke(["stats"], db)
    lines = _error_lines(result.output)
    if result.exit_code == 0:
        assert result.output.splitlines()[1].split()[:2] == ["C1", "1"]
    else:
        assert result.exit_code == 1 and len(lines) == 1 and "move it aside" in lines[0]


# --- a damaged database -------------------------------------------------------------------


@pytest.mark.parametrize("args", [
    ["stats"], ["export"], ["export", "--format", "csv", "--kind", "reply"],
    ["purge", "--older-than", "1"], ["forget", "U0000ANNA", "--yes"], ["migrate"],
])
def test_a_damaged_last_page_is_found_before_anything_runs(tmp_path, args):
    db = tmp_path / "leadbot.db"
    _seed(db)
    damaged = _corrupt_last_page(db)
    result = _invoke(args, db)
    assert result.exit_code == 1
    [line] = _error_lines(result.output)
    assert line.startswith(f"error: {db} is damaged (")
    assert "restore a backup" in line and ".recover" in line
    assert db.read_bytes() == damaged  # nothing was written to it


def test_a_lock_held_too_long_is_one_line(tmp_path, monkeypatch):
    """SQLite errors after the checks (a lock, a full disk) are one line; bugs are not."""
    db = tmp_path / "leadbot.db"
    _seed(db)
    holder = sqlite3.connect(db)
    holder.execute("BEGIN EXCLUSIVE")
    waiter = sqlite3.connect(db, timeout=0)
    with pytest.raises(sqlite3.OperationalError) as busy:
        waiter.execute("UPDATE posts SET text = 'x'")
    holder.rollback()
    holder.close()
    waiter.close()

    def locked_out(self):
        raise busy.value  # the real error SQLite gave: its code says "busy"

    monkeypatch.setattr(Store, "stats", locked_out)
    result = _invoke(["stats"], db)
    assert result.exit_code == 1
    [line] = _error_lines(result.output)
    assert "stayed locked by another process (database is locked)" in line

    def bug(self):
        raise sqlite3.OperationalError("no such column: oops")  # no SQLite code: ours

    monkeypatch.setattr(Store, "stats", bug)
    with pytest.raises(sqlite3.OperationalError, match="oops"):
        _invoke(["stats"], db)


# --- leadbot run: the same faults stop it at start, in one line -----------------------------


@pytest.mark.e2e
@pytest.mark.parametrize("fault", ["inbox", "database"])
def test_run_refuses_a_damaged_file_in_one_line(fake, tmp_path, fault):
    env = bot_env(fake, tmp_path, MINIMAL)
    db = Path(env["LEADBOT_DB"])
    _seed(db)
    if fault == "inbox":
        _garbage(inbox_path(db))
        expected = f"error: the inbox {inbox_path(db)} is damaged or not a database"
    else:
        _corrupt_last_page(db)
        expected = f"error: {db} is damaged ("
    bot = BotProcess(["run"], env, tmp_path)
    assert bot.proc.wait(timeout=30) == 1
    bot.stop()
    [line] = _error_lines(bot.output)
    assert line.startswith(expected), bot.output
    if fault == "inbox":
        assert _rows(db) == (1, 1, REPLIES)


# --- read-only places -----------------------------------------------------------------------
# Tests run as root here, and chmod does not stop root. A read-only bind mount does: each case
# runs the real `leadbot` inside its own user and mount namespace (`unshare -rm`, no privilege
# needed) where the folder or the file is mounted read-only, as on a read-only filesystem.


def _can_mount_read_only() -> bool:
    if shutil.which("unshare") is None:
        return False
    with tempfile.TemporaryDirectory() as folder:
        probe = subprocess.run(["unshare", "-rm", "sh", "-c", 'mount --bind -o ro "$0" "$0"',
                                folder], capture_output=True, check=False)
    return probe.returncode == 0


needs_ro_mount = pytest.mark.skipif(not _can_mount_read_only(),
                                    reason="needs unshare -rm to mount a folder read-only")


def _run_read_only(read_only: Path, db: Path, *args: str) -> subprocess.CompletedProcess:
    script = 'mount --bind -o ro "$0" "$0" && exec "$@"'
    return subprocess.run(
        ["unshare", "-rm", "sh", "-c", script, str(read_only), sys.executable, "-m", "bot",
         *args], cwd=REPO, env={"LEADBOT_DB": str(db), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=60, check=False)


@needs_ro_mount
@pytest.mark.parametrize("args", [["stats"], ["purge", "--older-than", "1"],
                                  ["forget", "U0000ANNA", "--yes"]])
@pytest.mark.parametrize("where", ["folder", "file", "new file"])
def test_a_read_only_place_says_so(tmp_path, where, args):
    folder = tmp_path / "data"
    folder.mkdir()
    db = folder / ("new.db" if where == "new file" else "leadbot.db")
    if where != "new file":
        _seed(db)
    result = _run_read_only(db if where == "file" else folder, db, *args)
    assert result.returncode == 1, result.stderr
    [line] = _error_lines(result.stdout + result.stderr)
    named = {"folder": (db, folder), "file": (db,), "new file": (folder,)}[where]
    assert any(line.startswith(f"error: cannot write to {p} (read-only):") for p in named), line
    assert "not a leadbot database" not in line
    if where == "new file":
        assert not db.exists()
    else:
        assert _rows(db) == (1, 1, REPLIES)


def test_a_database_path_that_is_a_folder(tmp_path):
    (tmp_path / "leadbot.db").mkdir()
    result = _invoke(["stats"], tmp_path / "leadbot.db")
    assert result.exit_code == 1
    [line] = _error_lines(result.output)
    assert "it is a folder" in line


# --- where export writes --------------------------------------------------------------------


@pytest.mark.parametrize(("args", "reason"), [
    (["--output", "/proc/leadbot.json"], "No such file or directory"),
    (["--output", "{tmp}/missing/out.json"], "No such file or directory"),
    (["--output", "{tmp}"], "Is a directory"),
    (["--format", "csv", "--kind", "reply", "--output", "/proc/replies.csv"],
     "No such file or directory"),
    (["--format", "csv", "--output", "{tmp}/leadbot.db"], "it is a file, not a folder"),
    (["--format", "csv", "--output", "/proc/leadbot-export"], "No such file or directory"),
])
def test_export_to_a_place_it_cannot_write_is_one_line(tmp_path, args, reason):
    db = tmp_path / "leadbot.db"
    _seed(db)
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = _invoke(["export", *args], db)
    assert result.exit_code == 1
    [line] = _error_lines(result.output)
    assert line.startswith("error: cannot write ") and line.endswith(reason)
    assert _rows(db) == (1, 1, REPLIES)


# --- numbers out of range -------------------------------------------------------------------


@pytest.mark.parametrize(("args", "fragment"), [
    (["purge", "--older-than", "99999999"], "99999999 is not in the range 1<=x<=36500"),
    (["purge", "--older-than", "0"], "0 is not in the range 1<=x<=36500"),
    (["preview", "--days", "99999999"], "99999999 is not in the range 1<=x<=366"),
    (["export", "--since", "0001-01-01T00:00:00+05:00"], "is out of range"),
    (["export", "--since", "9999-12-31T23:00:00-05:00"], "is out of range"),
    (["export", "--since", "99999-01-01"], "is not a date"),
])
def test_numbers_out_of_range_are_usage_errors(run_cli, write_config, args, fragment):
    result = run_cli("--config", str(write_config(MINIMAL)), *args)
    assert result.exit_code == 2
    assert fragment in result.output and "Traceback" not in result.output


def test_the_longest_purge_still_runs(run_cli, clock):
    result = run_cli("purge", "--older-than", "36500")
    assert result.exit_code == 0
    cutoff = (clock.now() - timedelta(days=36500)).date().isoformat()
    assert f"written before {cutoff}" in result.output
