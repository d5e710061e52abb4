"""Export everything people answered, as JSON lines or CSV.

What the forms promised to keep from everyone else is left out unless the caller asks for it
(``include_private``): the words of a reflection its author did not share ("Only you see
it"), who wrote a reflection shared "in the team digest, without your name", and who
recorded an anonymous sighting ("They see your words, not your name"). A value left out is
``None``, like any value the database does not have: an absent key in JSON, an empty cell in
CSV; the row's ``shared``, ``shared_named`` or ``anonymous`` says why.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TextIO

from bot.store import EXPORT_KINDS, Store

# CSV columns per kind: the common fields first, then the kind's own.
COMMON = ["kind", "channel", "user", "text", "choice", "ts", "at"]
COLUMNS = {
    "post": [*COMMON, "post_kind", "status", "occurrence", "nudge_id", "error"],
    "reply": [*COMMON, "thread_ts", "edited_at"],
    "choice": [*COMMON, "current"],
    "reaction": [*COMMON, "removed_at"],
    "reflection": [*COMMON, "theme", "shared", "shared_named", "source", "updated_at",
                   "follow_up_id"],
    "follow_up": [*COMMON, "follow_up_id", "due_at", "status", "sent_at", "outcome",
                  "answered_at"],
    "sighting": [*COMMON, "about", "theme", "anonymous", "in_digest", "permalink",
                 "updated_at"],
}
# A spreadsheet opening the CSV runs a cell that starts with one of these as a formula
# (=HYPERLINK(...), +1+1, @SUM(A1), -2+3). OWASP's "CSV Injection" page
# (https://owasp.org/www-community/attacks/CSV_Injection) lists =, +, -, @, tab (0x09),
# carriage return (0x0D) and line feed (0x0A), and says to prefix such a cell with a single
# quote, which spreadsheets read as "this is text". Its other worry, a separator, quote or
# line break starting a new cell mid-text, the csv module answers by quoting every cell that
# holds a comma, a quote or a character of the line terminator: hence RFC 4180's "\r\n", as
# with "\n" alone a lone carriage return went out unquoted and began a new row. (A
# spreadsheet set to split on ";" is not covered.)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
FILE_NAMES = {"post": "posts.csv", "reply": "replies.csv", "choice": "choices.csv",
              "reaction": "reactions.csv", "reflection": "reflections.csv",
              "follow_up": "follow_ups.csv", "sighting": "sightings.csv"}


def in_a_dm(where: str | None) -> bool:
    """Whether a channel id or a message link points into a DM, whose id stands for the two
    people in it."""
    return bool(where) and (where.startswith("D") or "/archives/D" in where)


def keep_promises(kind: str, row: dict) -> dict:
    """The row without what its author was promised others would not see: an unshared
    reflection's words; who wrote a reflection shared without their name, or an anonymous
    sighting; and whatever would name them instead (the follow-up it answers, a DM's id)."""
    if kind == "reflection" and not row.get("shared"):
        return {**row, "text": None}
    if kind == "reflection" and not row.get("shared_named"):
        return {**row, "user": None, "follow_up_id": None}  # a follow-up row names its person
    if kind == "sighting" and row.get("anonymous"):
        hidden = {"user": None}
        hidden.update({field: None for field in ("channel", "permalink")
                       if in_a_dm(row.get(field))})
        return {**row, **hidden}
    return row


def export_rows(store: Store, kind: str, since: datetime | None, *,
                include_private: bool = False) -> list[dict]:
    """The rows of one kind to export: private values left out unless ``include_private``."""
    rows = store.export_rows(kind, since)
    return rows if include_private else [keep_promises(kind, row) for row in rows]


def write_json(store: Store, kinds: Iterable[str], since: datetime | None, out: TextIO, *,
               include_private: bool = False) -> int:
    """Write one JSON object per line, values left out or missing omitted; return how many."""
    count = 0
    for kind in kinds:
        for row in export_rows(store, kind, since, include_private=include_private):
            clean = {k: v for k, v in row.items() if v is not None}
            out.write(json.dumps(clean, ensure_ascii=False, sort_keys=False) + "\n")
            count += 1
    return count


def csv_cell(value: object) -> object:
    """A value as a CSV cell a spreadsheet shows as text: text starting like a formula gets a
    leading ``'``.

    Numbers from the database are left as they are: ``-2`` can only be the number it is, and
    a prefix would turn it into text a spreadsheet no longer adds up. Text that merely looks
    like a number (a reply "-2") is prefixed like any other text.
    """
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(store: Store, kind: str, since: datetime | None, out: TextIO, *,
              include_private: bool = False) -> int:
    """Write one kind as CSV with a header row, formula-like text neutralised (JSON keeps it
    exact) and private values empty unless ``include_private``; return how many rows."""
    writer = csv.DictWriter(out, fieldnames=COLUMNS[kind], extrasaction="ignore",
                            lineterminator="\r\n")
    writer.writeheader()
    rows = export_rows(store, kind, since, include_private=include_private)
    for row in rows:
        writer.writerow({k: csv_cell(v) for k, v in row.items()})
    return len(rows)


def write_csv_folder(store: Store, since: datetime | None, folder: Path, *,
                     include_private: bool = False) -> dict[str, int]:
    """Write one CSV file per kind (posts.csv, replies.csv, ...); return rows per file."""
    folder.mkdir(parents=True, exist_ok=True)
    counts = {}
    for kind in EXPORT_KINDS:
        path = folder / FILE_NAMES[kind]
        buffer = io.StringIO()
        counts[path.name] = write_csv(store, kind, since, buffer,
                                        include_private=include_private)
        path.write_text(buffer.getvalue(), encoding="utf-8", newline="")
    return counts
