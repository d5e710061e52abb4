"""One word for one thing: a theme is called "theme" in the configuration, the library, the
database and the export; files written before 0.12 (``behaviors:``, ``behavior:``) still load,
with a warning that says what to rename."""

from __future__ import annotations

import sqlite3

import pytest

from bot.config import load_config
from bot.library import DEFAULT_LIBRARY, load_library
from bot.store import Store
from bot.yamlfile import FileProblems
from tests.conftest import REPO

OLD_CONFIG = """\
timezone: UTC
channels:
  - channel: C0123TEAM
    prompt: "0 9 * * MON"
    behaviors: [respect-for-people, go-to-gemba]
"""


def test_bundled_files_say_theme():
    for path in (DEFAULT_LIBRARY, REPO / "config" / "leadbot.yaml",
                 REPO / "bot" / "sandbox" / "demo.yaml"):
        text = path.read_text(encoding="utf-8")
        assert "behavior:" not in text and "behaviors:" not in text, path
    library = load_library(DEFAULT_LIBRARY)
    assert library.themes and all(n.theme in library.themes for n in library.nudges)


def test_old_config_key_still_loads_and_warns(write_config, run_cli):
    path = write_config(OLD_CONFIG)
    config = load_config(path)
    assert config.channels[0].themes == ("respect-for-people", "go-to-gemba")
    assert [str(n) for n in config.notes] == [
        f"{path}:5: channels[0].behaviors: 'behaviors' is the old name of 'themes': it still "
        "works, but rename it"]
    result = run_cli("check-config", str(path))
    assert result.exit_code == 0
    assert "warning: " in result.stderr and "old name of 'themes'" in result.stderr


def test_new_config_key_has_no_warning(write_config):
    config = load_config(write_config(OLD_CONFIG.replace("behaviors:", "themes:")))
    assert config.channels[0].themes == ("respect-for-people", "go-to-gemba")
    assert config.notes == ()


def test_old_key_errors_point_at_its_line(write_config):
    path = write_config(OLD_CONFIG.replace("go-to-gemba", "go-to-gembaa"))
    with pytest.raises(FileProblems) as info:
        load_config(path)
    assert [str(p) for p in info.value.problems] == [
        f"{path}:5: channels[0].themes[1]: unknown theme 'go-to-gembaa'; did you mean "
        "'go-to-gemba'?"]


def test_both_names_written_is_an_error(write_config):
    path = write_config(OLD_CONFIG + "    themes: [go-to-gemba]\n")
    with pytest.raises(FileProblems) as info:
        load_config(path)
    assert any("channels[0].behaviors" in str(p) and "unknown key 'behaviors'" in str(p)
               for p in info.value.problems)


def test_old_library_keys_still_load_with_one_warning_each(tmp_path):
    text = DEFAULT_LIBRARY.read_text(encoding="utf-8")
    old = tmp_path / "prompts.yaml"
    old.write_text(text.replace("\nthemes:\n", "\nbehaviors:\n").replace("    theme: ",
                                                                       "    behavior: "),
                   encoding="utf-8")
    notes: list = []
    library = load_library(old, notes)
    assert library == load_library(DEFAULT_LIBRARY)
    messages = [n.message for n in notes]
    assert messages[0] == "'behaviors' is the old name of 'themes': it still works, but rename it"
    assert messages[1] == ("'behavior' is the old name of 'theme': it still works, but rename it "
                           f"(in {len(library.nudges)} nudges)")
    assert len(notes) == 2


def test_database_columns_are_renamed_with_their_data(tmp_path):
    path = tmp_path / "leadbot.db"
    store = Store.open(path)
    store.close()
    # a database from 0.11: the columns were called behavior
    with sqlite3.connect(path) as db:
        db.execute("ALTER TABLE reflections RENAME COLUMN theme TO behavior")
        db.execute("ALTER TABLE sightings RENAME COLUMN theme TO behavior")
        db.execute("INSERT INTO reflections (user, channel, text, behavior, shared, at, source) "
                   "VALUES ('U1', 'C1', 'words', 'go-to-gemba', 0, '2026-11-25T12:00:00+00:00', "
                   "'command')")
        db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm011_theme_columns'")
    db = None
    store = Store.open(path)
    try:
        columns = {row[1] for row in store.db.execute("PRAGMA table_info(reflections)")}
        assert "theme" in columns and "behavior" not in columns
        assert store.db.execute("SELECT theme FROM reflections").fetchall() == [("go-to-gemba",)]
        columns = {row[1] for row in store.db.execute("PRAGMA table_info(sightings)")}
        assert "theme" in columns and "behavior" not in columns
    finally:
        store.close()


def test_forms_queued_by_0_11_keep_their_theme():
    from bot.services import sightings
    from bot.slack.deferred import queued_by_0_11

    reflect = {"user": "U1", "text": "words", "behavior": "go-to-gemba", "shared": True}
    assert queued_by_0_11(reflect) == {"user": "U1", "text": "words", "theme": "go-to-gemba",
                                       "shared": True}
    sighting = {"user": "U1", "draft": {"about": "U2", "text": "words",
                                        "behavior": "go-to-gemba"}}
    upgraded = queued_by_0_11(sighting)
    assert sightings.Draft(**upgraded["draft"]).theme == "go-to-gemba"
    assert sighting["draft"]["behavior"] == "go-to-gemba"  # the item itself is left as it was
    today = {"user": "U1", "text": "words", "theme": "go-to-gemba"}
    assert queued_by_0_11(today) == today
