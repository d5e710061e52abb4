"""The prompt library and the per-channel rotation."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from bot.library import NUDGE_MAX, load_library, pick_next, rotation_order
from bot.yamlfile import FileProblems
from tests.conftest import REPO

NOTES = REPO.parent / "shared" / "reference" / "LEADERSHIP-NOTES.md"
THEMES = ["lead-from-any-level", "systems-not-heroes", "situational-leadership",
          "respect-for-people", "scientific-thinking", "flexible-practice", "go-to-gemba",
          "develop-people", "surface-problems"]


@pytest.fixture(scope="module")
def library():
    return load_library(REPO / "bot" / "data" / "prompts.yaml")


def test_every_theme_in_the_notes_has_four_nudges(library):
    if NOTES.exists():  # the notes live in ../shared; the list above mirrors them
        ids = re.findall(r"^\| `([a-z-]+)` \|", NOTES.read_text(), flags=re.M)
        assert ids == THEMES
    counts = Counter(n.theme for n in library.nudges)
    assert list(library.themes) == THEMES
    assert all(counts[t] >= 4 for t in THEMES), counts
    texts = len(library.nudges) + len(library.refrain.context) + 1
    assert texts >= 40


def test_refrain_is_quoted_exactly_with_attribution(library):
    # the article's typographic apostrophes; tests/test_library_content.py checks the rest
    assert library.refrain.text.splitlines() == [
        "When you see good leadership, follow it if you wish.",
        "If you don’t see it, take it. If you wish.",
        "If you don’t, don’t complain.",
    ]
    assert "John Shook" in library.refrain.attribution


def test_nudges_fit_slack_and_a_phone(library):
    assert all(len(n.text) <= NUDGE_MAX for n in library.nudges)
    assert len({n.id for n in library.nudges}) == len(library.nudges)


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "lib.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return path


def _base() -> dict:
    return yaml.safe_load((REPO / "bot" / "data" / "prompts.yaml").read_text())


@pytest.mark.parametrize(("mutate", "field", "fragment"), [
    (lambda d: d["nudges"].append(dict(d["nudges"][0])), f"nudges[{len(_base()['nudges'])}].id",
     "is used twice"),
    (lambda d: d["nudges"][3].update(theme="heroics"), "nudges[3].theme",
     "unknown theme 'heroics'"),
    (lambda d: d["nudges"][1].update(text="x" * 401), "nudges[1].text", "at most 400"),
    (lambda d: d["nudges"][2].update(id="Bad Id"), "nudges[2].id", "is not a valid id"),
    (lambda d: d["nudges"][2].update(colour="red"), "nudges[2].colour", "unknown key 'colour'"),
    (lambda d: d["nudges"][2].update(text=""), "nudges[2].text", "must not be empty"),
    (lambda d: d["refrain"].pop("attribution"), "refrain.attribution", "required"),
    (lambda d: d["refrain"].update(context=["y" * 201]), "refrain.context[0]", "at most 200"),
    (lambda d: d["themes"].update({"extra-theme": {"name": "Extra", "summary": "s"}}),
     "themes.extra-theme", "has no nudges"),
    (lambda d: d["themes"].update({"Bad Theme": {"name": "Bad", "summary": "s"}}),
     "themes.Bad Theme", "'Bad Theme' is not a valid theme id"),
    (lambda d: d["nudges"].append(dict(d["nudges"][0], text="")),
     f"nudges[{len(_base()['nudges'])}].id", "is used twice (first at line "),
])
def test_library_validation(tmp_path, mutate, field, fragment):
    data = _base()
    mutate(data)
    with pytest.raises(FileProblems) as info:
        load_library(_write(tmp_path, data))
    found = [p for p in info.value.problems if p.field == field]
    assert found, [str(p) for p in info.value.problems]
    assert fragment in found[0].message
    assert found[0].line is not None and found[0].line > 1


def test_rotation_never_repeats_until_the_themes_are_used_up(library):
    themes = ("respect-for-people", "go-to-gemba")
    order = rotation_order(library, themes, "C1")
    assert {n.theme for n in order} == set(themes)
    assert len(order) == len(library.nudges_for(themes))
    # themes alternate
    assert [n.theme for n in order[:4]] == [themes[0], themes[1], themes[0], themes[1]]
    cycle, used, seen = 0, set(), []
    for _ in range(len(order) * 2 + 1):
        pick = pick_next(order, cycle, used)
        if pick.cycle != cycle:
            assert len(used) == len(order)  # only after all were used
            cycle, used = pick.cycle, set()
        assert pick.nudge.id not in used
        used.add(pick.nudge.id)
        seen.append(pick.nudge.id)
    assert seen[: len(order)] == [n.id for n in order]
    assert cycle == 2


def test_rotation_differs_between_channels_and_is_stable(library):
    a = [n.id for n in rotation_order(library, None, "CAAA")]
    b = [n.id for n in rotation_order(library, None, "CBBB")]
    assert a != b
    assert a == [n.id for n in rotation_order(library, None, "CAAA")]


def test_rotation_state_survives_a_restart(tmp_path, library):
    from bot.store import Store

    order = rotation_order(library, None, "C1")
    at = datetime(2026, 11, 25, tzinfo=UTC)
    store = Store.open(tmp_path / "r.db")
    for i in range(3):
        cycle, used = store.rotation_state("C1")
        pick = pick_next(order, cycle, used)
        store.record_rotation("C1", pick.cycle, pick.nudge.id, None, at + timedelta(days=i))
    store.close()
    store = Store.open(tmp_path / "r.db")
    cycle, used = store.rotation_state("C1")
    assert used == {n.id for n in order[:3]}
    assert pick_next(order, cycle, used).nudge.id == order[3].id


def test_a_misspelt_theme_is_not_also_a_theme_without_nudges(tmp_path):
    data = _base()
    mine = [n for n in data["nudges"] if n["theme"] == "develop-people"]
    for nudge in mine:
        nudge["theme"] = "develop-peple"
    with pytest.raises(FileProblems) as info:
        load_library(_write(tmp_path, data))
    assert [p.message for p in info.value.problems] == [
        "unknown theme 'develop-peple'; did you mean 'develop-people'?"] * len(mine)
