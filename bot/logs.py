"""Logging for ``leadbot run``: plain text, or one JSON object per line (``--log-format json``).

The ids of what is being handled (a Slack event, an inbox item, a post) live in a context
variable that the Bolt middleware, the worker and the poster set with ``bound``; a filter
copies them onto every record, so a line says which channel, user and event it is about
wherever it was logged from.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

CONTEXT_KEYS = ("channel", "user", "event_id", "item")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_context: ContextVar[dict[str, str]] = ContextVar("leadbot_log_context", default={})  # noqa: B039 (never mutated)
# LogRecord attributes of the logging module itself: the rest came in through ``extra=``.
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message", "asctime", "taskName", *CONTEXT_KEYS}


@contextmanager
def bound(**ids: Any) -> Iterator[None]:
    """Within the block, log lines carry these ids (None values are left out)."""
    token = _context.set({**_context.get(), **{k: str(v) for k, v in ids.items()
                                               if v is not None and v != ""}})
    try:
        yield
    finally:
        _context.reset(token)


def current() -> dict[str, str]:
    """The ids bound here and now."""
    return dict(_context.get())


class ContextFilter(logging.Filter):
    """Copies the bound ids onto each record (``extra=`` given to the call wins)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Always keep the record; only add to it."""
        for key, value in _context.get().items():
            if getattr(record, key, None) is None:
                setattr(record, key, value)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line: time (UTC, ISO 8601), level, logger, message,
    the ids known, anything given with ``extra=``, and the exception as a field."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        for key in CONTEXT_KEYS:
            if getattr(record, key, None) is not None:
                line[key] = getattr(record, key)
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_") and key not in line:
                line[key] = value
        if record.exc_info:
            line["exception"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        elif record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, default=str, ensure_ascii=False)


def json_active() -> bool:
    """Whether logging writes JSON lines (``setup(fmt="json")``), so errors go that way too."""
    return any(getattr(h, "leadbot_json", False) for h in logging.getLogger().handlers)


def setup(level: str = "INFO", fmt: str = "text") -> None:
    """Log every logger to stderr, in text or JSON lines; quiet apscheduler's per-job lines."""
    number = getattr(logging, level.upper(), logging.INFO)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    if fmt != "json":
        logging.basicConfig(level=number, format=TEXT_FORMAT)  # a no-op if something logs
        return
    root = logging.getLogger()
    root.setLevel(number)
    for old in [h for h in root.handlers if getattr(h, "leadbot_json", False)]:
        root.removeHandler(old)
    handler = logging.StreamHandler(sys.stderr)
    handler.leadbot_json = True  # type: ignore[attr-defined]
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    # Python's warnings and uncaught exceptions would print lines of their own: they go
    # through logging instead, so every line on stderr is JSON.
    logging.captureWarnings(True)
    sys.excepthook = _log_uncaught
    threading.excepthook = lambda args: _log_uncaught(
        args.exc_type, args.exc_value, args.exc_traceback,
        thread=args.thread.name if args.thread else None)


def _log_uncaught(exc_type, exc_value, tb, thread: str | None = None) -> None:
    if exc_type is not None and issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc_value, tb)
        return
    logging.getLogger("leadbot").critical("uncaught exception%s",
                                          f" in thread {thread}" if thread else "",
                                          exc_info=(exc_type, exc_value, tb))
