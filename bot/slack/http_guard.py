"""HTTP mode's front door: a WSGI layer that refuses what is too big, unsigned or malformed
before Bolt parses anything, with a 4xx, a short body and one log line (never a traceback).

The order is the point: the size from Content-Length (nothing read yet), then the raw bytes
read once, then Slack's v0 signature and timestamp on those bytes, and only then parsing, into
the shapes Slack sends. Bolt gets the same words (it does not verify again).
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import re
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from bot.clock import Clock
from bot.metrics import METRICS_PATH

log = logging.getLogger("leadbot.http")

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY = 1024 * 1024  # Slack's payloads are small: this leaves ample room
MAX_AGE = 5 * 60  # Slack's own advice: refuse timestamps more than five minutes away
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_DIGITS = re.compile(r"[0-9]{1,15}")

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]

# What Slack always sends in these keys, which Bolt (or a listener) reads without checking.
_IDS_OR_OBJECTS = ("user", "channel", "team", "enterprise")
_OBJECTS = ("event", "view", "message", "previous_message", "item", "container", "state")
_LISTS_OF_OBJECTS = ("authorizations", "actions", "response_urls")
_STRINGS = ("type", "subtype", "callback_id", "action_id", "response_url", "trigger_id")
_TIMESTAMPS = ("ts", "thread_ts", "event_ts", "message_ts", "action_ts", "deleted_ts")
_NESTED = ("event", "message", "previous_message", "view", "item", "container")
_SLACK_TS = re.compile(r"[0-9]{1,20}(\.[0-9]{1,20})?")


def bolt_safe(body: bytes, content_type: str | None) -> bytes:
    """The body as Bolt will read it right. Bolt takes any form body that holds the letters
    "payload" anywhere for an interaction (slack_bolt.request.internals.parse_body), so a
    command like "/reflect sent the payload to QA" would reach no listener. The same form with
    those letters percent-encoded ("p%61yload", which decodes to the same words) is read as
    the command it is. The signature was checked on the bytes Slack sent, before this."""
    media = content_type.split(";")[0] if content_type else None
    if media == "application/json" or body.startswith(b"{") or b"payload" not in body:
        return body
    if any(key == "payload" for key, _ in parse_qsl(body.decode("utf-8"),
                                                   keep_blank_values=True)):
        return body
    return body.replace(b"payload", b"p%61yload")


class Refused(Exception):
    """A request answered with ``status`` and a one-line ``reason``, without reaching Bolt."""

    def __init__(self, status: int, reason: str, headers: tuple = ()):
        super().__init__(reason)
        self.status, self.reason, self.headers = status, reason, headers


def signature_valid(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """Slack's v0 HMAC-SHA256 of ``v0:timestamp:body``, compared in constant time."""
    base = b"v0:" + timestamp.encode("ascii") + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    # WSGI header values are latin-1 strings; bytes keep compare_digest away from non-ASCII str
    return hmac.compare_digest(expected.encode(), signature.encode("latin-1", "replace"))


def verify_signature(secret: str, environ: dict, body: bytes, now: float) -> None:
    """Raise Refused(401) unless the request carries a fresh, valid signature of ``body``."""
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")
    signature = environ.get("HTTP_X_SLACK_SIGNATURE")
    if not timestamp or not signature:
        raise Refused(401, "missing signature")
    if not _TIMESTAMP.fullmatch(timestamp):
        raise Refused(401, "timestamp is not a number")
    if abs(now - int(timestamp)) > MAX_AGE:
        raise Refused(401, "timestamp is more than 5 minutes away")
    if not signature_valid(secret, timestamp, body, signature):
        raise Refused(401, "invalid signature")


def check_shape(body: bytes, content_type: str | None) -> None:
    """Raise Refused(400) unless ``body`` parses into a shape Slack sends, read as Bolt reads it.

    Bolt takes JSON when the content type is application/json or the body starts with "{";
    otherwise a form, whose ``payload`` field (if the body mentions one) holds JSON.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "body is not UTF-8") from None
    media = content_type.split(";")[0] if content_type else None
    if media == "application/json" or text.startswith("{"):
        _check_payload(_json_object(text, "body"), "body")
        return
    fields = dict(parse_qsl(text, keep_blank_values=True))
    if "payload" in fields:
        _check_payload(_json_object(fields["payload"], "payload"), "payload")
    elif fields.get("ssl_check") != "1" and not fields.get("command", "").startswith("/"):
        raise Refused(400, "form is neither a command nor an interaction")


def _json_object(text: str, what: str) -> dict[str, Any]:
    # A lone surrogate (\ud800) is valid JSON: it is let through, and the words are cleaned
    # where they are stored (bot.slack.parse.clean_text), so Slack's event is not refused.
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise Refused(400, f"{what} is not valid JSON") from None
    if not isinstance(value, dict):
        raise Refused(400, f"{what} is a JSON {type(value).__name__}, not an object")
    return value


def _check_payload(payload: dict[str, Any], where: str) -> None:
    if "type" not in payload:
        raise Refused(400, f"{where} has no type")
    _check_fields(payload, where)
    kind = payload["type"]
    actions = payload.get("actions")
    if kind == "block_actions" and not (actions and all("action_id" in a for a in actions)):
        raise Refused(400, f"{where} has no actions with an action_id")
    if kind in ("view_submission", "view_closed") and "type" not in payload.get("view", {}):
        raise Refused(400, f"{where} has no view with a type")


def _check_fields(obj: dict[str, Any], where: str) -> None:
    for key in _IDS_OR_OBJECTS:
        if obj.get(key) is not None and not isinstance(obj[key], str | dict):
            raise Refused(400, f"{where}.{key} is neither an id nor an object")
    for key in _OBJECTS:
        if key in obj and not isinstance(obj[key], dict):
            raise Refused(400, f"{where}.{key} is not an object")
    for key in _LISTS_OF_OBJECTS:
        if key in obj and not (isinstance(obj[key], list)
                               and all(isinstance(item, dict) for item in obj[key])):
            raise Refused(400, f"{where}.{key} is not a list of objects")
    for key in _STRINGS:
        if key in obj and not isinstance(obj[key], str):
            raise Refused(400, f"{where}.{key} is not a string")
    for key in _TIMESTAMPS:
        value = obj.get(key)
        if value is not None and not (isinstance(value, str) and _SLACK_TS.fullmatch(value)):
            raise Refused(400, f"{where}.{key} is not a Slack timestamp")
    for key in _NESTED:
        if key in obj:
            _check_fields(obj[key], f"{where}.{key}")
    for i, action in enumerate(obj.get("actions") or ()):
        _check_fields(action, f"{where}.actions[{i}]")


class SlackGuard:
    """WSGI app: POST /slack/events checked then handed to Bolt, GET /healthz and /metrics,
    4xx otherwise."""

    def __init__(self, bolt: WSGIApp, health: WSGIApp, signing_secret: str, clock: Clock, *,
                 metrics: WSGIApp | None = None):
        self.bolt, self.health, self.metrics = bolt, health, metrics
        self.signing_secret, self.clock = signing_secret, clock

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        """Answer one request: refused with a short text, or passed on with its body intact."""
        try:
            route = self._route(environ)
            if route is self.bolt:
                environ = self._checked(environ)
        except Refused as refused:
            return self._refuse(environ, start_response, refused)
        return route(environ, start_response)

    def _route(self, environ: dict) -> WSGIApp:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        if path == HEALTH_PATH:
            if method != "GET":
                raise Refused(405, "use GET", (("Allow", "GET"),))
            return self.health
        if path == METRICS_PATH and self.metrics is not None:
            if method != "GET":
                raise Refused(405, "use GET", (("Allow", "GET"),))
            return self.metrics
        if path == EVENTS_PATH:
            if method != "POST":
                raise Refused(405, "use POST", (("Allow", "POST"),))
            return self.bolt
        raise Refused(404, "not found")

    def _checked(self, environ: dict) -> dict:
        """The environ with the body read, verified and checked, in a fresh wsgi.input."""
        declared = environ.get("CONTENT_LENGTH") or "0"
        if not _DIGITS.fullmatch(declared):
            raise Refused(400, "bad Content-Length")
        length = int(declared)
        if length > MAX_BODY:
            raise Refused(413, f"body over {MAX_BODY} bytes")
        body = environ["wsgi.input"].read(length) if length else b""
        if len(body) != length:
            raise Refused(400, "body shorter than its Content-Length")
        verify_signature(self.signing_secret, environ, body, self.clock.now().timestamp())
        check_shape(body, environ.get("CONTENT_TYPE"))
        body = bolt_safe(body, environ.get("CONTENT_TYPE"))
        return {**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}

    def _refuse(self, environ: dict, start_response: Callable,
                refused: Refused) -> list[bytes]:
        log_refusal(environ.get("REQUEST_METHOD", "?"), environ.get("PATH_INFO", ""),
                    environ.get("REMOTE_ADDR", "?"), refused.status, refused.reason)
        text = f"{refused.reason}\n".encode()
        start_response(f"{refused.status} {HTTPStatus(refused.status).phrase}",
                       [("Content-Type", "text/plain; charset=utf-8"),
                        ("Content-Length", str(len(text))), *refused.headers])
        return [text]


def log_refusal(method: str, path: str, remote: str, status: int, reason: str) -> None:
    """One warning line per refused request; the client's path is quoted so it cannot fake
    lines of its own."""
    log.warning("refused %.10s %.100r from %s: %d %s", method, path, remote, status, reason)


def log_server_refusals(server: Any) -> None:
    """Make a waitress server log the requests it refuses itself (413 over
    max_request_body_size, 400 unparsable, 431 headers too large) like the guard does."""
    from waitress.channel import HTTPChannel
    from waitress.task import ErrorTask

    class LoggedErrorTask(ErrorTask):
        def execute(self):
            error = self.request.error
            if error.code != 500:  # waitress logs its 500s itself, with the traceback
                reason = f"body over {MAX_BODY} bytes" if error.code == 413 else error.body
                log_refusal(self.request.command or "?", self.request.path or "",
                            str(self.channel.addr[0]) if self.channel.addr else "?",
                            error.code, str(reason))
            super().execute()

    class LoggedChannel(HTTPChannel):
        error_task_class = LoggedErrorTask

    server.channel_class = LoggedChannel
