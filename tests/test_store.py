"""The store: migrations, claims, answers, on real SQLite files."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from bot.store import Store, StoreError

AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_migrations_recorded_and_applying_twice_is_a_noop(tmp_path):
    path = tmp_path / "db" / "leadbot.db"  # folders are created
    store = Store.open(path)
    assert store.applied_migrations() == ["m001_initial", "m002_schedule_state", "m003_answers",
        "m004_reflections", "m005_follow_ups", "m006_people", "m007_sightings",
        "m008_reflection_shared_named", "m009_sightings_in_digest_setting",
        "m010_modal_sighting_id", "m011_theme_columns", "m012_applied_config"]
    assert store.migrate() == []
    store.close()
    store = Store.open(path)
    assert store.migrate() == []
    assert store.applied_migrations() == ["m001_initial", "m002_schedule_state", "m003_answers",
        "m004_reflections", "m005_follow_ups", "m006_people", "m007_sightings",
        "m008_reflection_shared_named", "m009_sightings_in_digest_setting",
        "m010_modal_sighting_id", "m011_theme_columns", "m012_applied_config"]
    tables = set(store.db.table_names())
    assert {"posts", "choices", "replies", "reflections", "rotation", "sightings"} <= tables


def test_pragmas(store):
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store.db.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000


def test_newer_database_is_refused(tmp_path):
    path = tmp_path / "leadbot.db"
    Store.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                 "VALUES ('leadbot', 'm999_from_the_future', '2030-01-01')")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError) as info:
        Store.open(path)
    assert "newer leadbot" in str(info.value) and "m999_from_the_future" in str(info.value)


def test_garbage_file_is_refused_clearly(tmp_path):
    path = tmp_path / "leadbot.db"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError) as info:
        Store.open(path)
    assert "is not a leadbot database" in str(info.value)


def _damage_last_page(path):
    store = Store.open(path)
    post = store.claim_post("C1", "prompt", AT, AT)
    with store.batch():
        for n in range(200):
            store.record_reply(channel="C1", thread_ts="1.1", ts=f"2.{n}", user="U1",
                               text="words " * 100, at=AT, post_id=post)
    store.close()
    data = path.read_bytes()
    path.write_bytes(data[:-4096] + bytes(range(256)) * 16)


def test_check_refuses_a_damaged_file(tmp_path):
    path = tmp_path / "leadbot.db"
    _damage_last_page(path)
    with pytest.raises(StoreError) as info:
        Store.open(path, check=True)
    assert str(info.value).startswith(f"{path} is damaged (") and ".recover" in str(info.value)
    assert "\n" not in str(info.value)
    Store.open(path).close()  # without check (the tests' default) the first pages still open


@pytest.mark.parametrize(("make", "fragment"), [
    (lambda p: p.mkdir(), "it is a folder"),
    (lambda p: p.parent.rmdir() or p.parent.write_text("a file"), "is a file, not a folder"),
])
def test_paths_that_cannot_hold_a_database(tmp_path, make, fragment):
    path = tmp_path / "data" / "leadbot.db"
    path.parent.mkdir()
    make(path)
    with pytest.raises(StoreError, match=fragment):
        Store.open(path)


def test_sqlite_errors_in_words_and_bugs_left_alone(tmp_path):
    from bot.store.files import explain

    path = tmp_path / "leadbot.db"
    Store.open(path).close()
    holder = sqlite3.connect(path)
    holder.execute("BEGIN EXCLUSIVE")
    with pytest.raises(sqlite3.OperationalError) as busy:
        sqlite3.connect(path, timeout=0).execute("UPDATE posts SET text = 'x'")
    holder.rollback()
    with pytest.raises(sqlite3.OperationalError) as read_only:
        sqlite3.connect(f"file:{path}?mode=ro", uri=True).execute("UPDATE posts SET text = 'x'")
    with pytest.raises(sqlite3.OperationalError) as bug:
        holder.execute("SELECT nothing FROM posts")
    assert "stayed locked by another process" in explain(busy.value, path)
    assert explain(read_only.value, path).startswith(f"cannot write to {path} (read-only")
    assert explain(bug.value, path) is None


def test_claims_are_unique_per_channel_kind_occurrence(tmp_path):
    path = tmp_path / "leadbot.db"
    first, second = Store.open(path), Store.open(path)  # two processes on one file
    assert first.claim_post("C1", "prompt", AT, AT) is not None
    assert second.claim_post("C1", "prompt", AT, AT) is None
    assert second.claim_post("C1", "nudge", AT, AT) is not None
    assert first.claim_post("C2", "prompt", AT, AT) is not None
    assert first.claim_post("C1", "prompt", AT + timedelta(days=7), AT) is not None
    assert len(first.posts()) == 4


def test_choice_latest_wins_history_kept(store):
    post = store.claim_post("C1", "prompt", AT, AT)
    store.mark_posted(post, ts="1700000000.000100", text="t", at=AT)
    assert store.record_choice(post, "U1", "follow", AT)
    assert not store.record_choice(post, "U1", "follow", AT + timedelta(minutes=1))
    assert store.record_choice(post, "U1", "take", AT + timedelta(minutes=2))
    rows = store.export_rows("choice")
    assert [r["choice"] for r in rows] == ["follow", "take"]
    (stat,) = store.stats()
    assert (stat["follow"], stat["take"], stat["people"]) == (0, 1, 1)


def test_choice_rejects_unknown_values(store):
    post = store.claim_post("C1", "prompt", AT, AT)
    with pytest.raises(ValueError):
        store.record_choice(post, "U1", "maybe", AT)
    with pytest.raises(ValueError):
        store.record_choice(9999, "U1", "take", AT)


def test_reply_recorded_once(store):
    args = dict(channel="C1", thread_ts="1.1", ts="1.2", user="U1", text="hi", at=AT)
    assert store.record_reply(**args)
    assert not store.record_reply(**args)
    assert len(store.export_rows("reply")) == 1


def test_times_stored_in_utc(store):
    from zoneinfo import ZoneInfo

    local = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
    store.record_reflection(user="U1", text="x", at=local)
    assert store.export_rows("reflection")[0]["at"] == "2026-11-23T09:00:00Z"


def test_two_processes_migrating_a_new_file_at_once(tmp_path):
    import subprocess
    import sys

    from tests.conftest import REPO

    code = ("import sys; from pathlib import Path; from bot.store import Store; "
            "Store.open(Path(sys.argv[1])).close()")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "new.db")],
                              cwd=REPO, stderr=subprocess.PIPE, text=True) for _ in range(6)]
    errors = [p.communicate(timeout=60)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 6, errors
    assert Store.open(tmp_path / "new.db").applied_migrations() == [
        "m001_initial", "m002_schedule_state", "m003_answers",
        "m004_reflections", "m005_follow_ups", "m006_people", "m007_sightings",
        "m008_reflection_shared_named", "m009_sightings_in_digest_setting",
        "m010_modal_sighting_id", "m011_theme_columns", "m012_applied_config"]


def test_sighting_forms_move_their_id_to_its_own_column(tmp_path):
    # a database from before m010: an "Add details" sighting form kept its id in reflection_id
    import sqlite3

    from bot.migrations import migrations

    path = tmp_path / "old.db"
    store = Store.open(path, migrate=False)
    migrations.apply(store.db, stop_before="m010_modal_sighting_id")
    store.db.execute("INSERT INTO modals (view_id, user, purpose, reflection_id, opened_at) "
                     "VALUES ('V1', 'U1', 'sighting', 7, '2026-12-01T00:00:00Z'), "
                     "('V2', 'U1', 'reflect', 8, '2026-12-01T00:00:00Z')")
    store.close()
    store = Store.open(path)
    assert (store.modal("V1")["sighting_id"], store.modal("V1")["reflection_id"]) == (7, None)
    assert (store.modal("V2")["sighting_id"], store.modal("V2")["reflection_id"]) == (None, 8)
    store.close()
    assert sqlite3.connect(path).execute("SELECT count(*) FROM modals").fetchone() == (2,)
