"""Export everything people answered, as JSON lines or CSV."""

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
    "reflection": [*COMMON, "behavior", "shared", "source", "updated_at", "follow_up_id"],
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


def write_json(store: Store, kinds: Iterable[str], since: datetime | None, out: TextIO) -> int:
    """Write one JSON object per line; return how many."""
    count = 0
    for kind in kinds:
        for row in store.export_rows(kind, since):
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


def write_csv(store: Store, kind: str, since: datetime | None, out: TextIO) -> int:
    """Write one kind as CSV with a header row, formula-like text neutralised (JSON keeps it
    exact); return how many rows."""
    writer = csv.DictWriter(out, fieldnames=COLUMNS[kind], extrasaction="ignore",
                            lineterminator="\r\n")
    writer.writeheader()
    rows = store.export_rows(kind, since)
    for row in rows:
        writer.writerow({k: csv_cell(v) for k, v in row.items()})
    return len(rows)


def write_csv_folder(store: Store, since: datetime | None, folder: Path) -> dict[str, int]:
    """Write one CSV file per kind (posts.csv, replies.csv, ...); return rows per file."""
    folder.mkdir(parents=True, exist_ok=True)
    counts = {}
    for kind in EXPORT_KINDS:
        path = folder / FILE_NAMES[kind]
        buffer = io.StringIO()
        counts[path.name] = write_csv(store, kind, since, buffer)
        path.write_text(buffer.getvalue(), encoding="utf-8", newline="")
    return counts
