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


def write_csv(store: Store, kind: str, since: datetime | None, out: TextIO) -> int:
    """Write one kind as CSV with a header row; return how many rows."""
    writer = csv.DictWriter(out, fieldnames=COLUMNS[kind], extrasaction="ignore",
                            lineterminator="\n")
    writer.writeheader()
    rows = store.export_rows(kind, since)
    for row in rows:
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return len(rows)


def write_csv_folder(store: Store, since: datetime | None, folder: Path) -> dict[str, int]:
    """Write one CSV file per kind (posts.csv, replies.csv, ...); return rows per file."""
    folder.mkdir(parents=True, exist_ok=True)
    counts = {}
    for kind in EXPORT_KINDS:
        path = folder / FILE_NAMES[kind]
        buffer = io.StringIO()
        counts[path.name] = write_csv(store, kind, since, buffer)
        path.write_text(buffer.getvalue(), encoding="utf-8")
    return counts
