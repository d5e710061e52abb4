"""Web API method catalogue from Slack's OpenAPI spec, plus argument checks done as Slack does."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Slack's OpenAPI spec, vendored: the methods the fake handles, cut from Slack's published file
# by scripts/slack_spec_subset.py (reference/README.md names the source, commit and licence).
REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
DEFAULT_SPEC_PATH = REFERENCE_DIR / "slack_web_openapi_v2_subset.json"

# Arguments whose value is JSON: a JSON string in form bodies, a structure in JSON bodies.
JSON_ARGS = frozenset({"blocks", "attachments", "view", "metadata"})
JSON_ARGS_BY_METHOD = {"files.completeUploadExternal": frozenset({"files"})}

# Methods newer than the spec (October 2020): name -> {arg: type}; required ones: EXTRA_REQUIRED.
EXTRA_METHODS: dict[str, dict[str, str]] = {
    "apps.connections.open": {},
    "files.getUploadURLExternal": {
        "filename": "string", "length": "integer", "alt_txt": "string", "snippet_type": "string",
    },
    "files.completeUploadExternal": {
        "files": "string", "channel_id": "string", "channels": "string",
        "initial_comment": "string", "thread_ts": "string",
    },
    "views.publish": {"user_id": "string", "view": "string", "hash": "string"},
}

# Required arguments the spec does not flag (its `required` flags are incomplete).
EXTRA_REQUIRED: dict[str, tuple[str, ...]] = {
    "chat.postMessage": ("channel",),
    "chat.postEphemeral": ("channel", "user"),
    "chat.update": ("channel", "ts"),
    "chat.getPermalink": ("channel", "message_ts"),
    "conversations.join": ("channel",),
    "conversations.info": ("channel",),
    "conversations.history": ("channel",),
    "conversations.replies": ("channel", "ts"),
    "users.info": ("user",),
    "views.open": ("trigger_id", "view"),
    "views.push": ("trigger_id", "view"),
    "views.publish": ("user_id", "view"),
    "views.update": ("view",),
    "reactions.add": ("channel", "timestamp", "name"),
    "files.getUploadURLExternal": ("filename", "length"),
    "files.completeUploadExternal": ("files",),
}

# At least one of these must be given; the error Slack answers when none is.
ONE_OF: dict[str, tuple[tuple[str, ...], str]] = {
    "chat.postMessage": (("text", "blocks", "attachments"), "no_text"),
    "chat.postEphemeral": (("text", "blocks", "attachments"), "no_text"),
    "chat.update": (("text", "blocks", "attachments"), "no_text"),
    "views.update": (("view_id", "external_id"), "invalid_arguments"),
}

TRUE_STRINGS = frozenset({"true", "1"})
FALSE_STRINGS = frozenset({"false", "0"})


class ArgError(Exception):
    """A Web API error answer: HTTP 200 with ok=false, `error` and optional response_metadata."""

    def __init__(self, error: str, messages: list[str] | None = None, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.messages = messages or []
        self.extra = extra

    def body(self) -> dict[str, Any]:
        """The JSON body Slack would answer."""
        body: dict[str, Any] = {"ok": False, "error": self.error, **self.extra}
        if self.messages:
            body["response_metadata"] = {"messages": list(self.messages)}
        return body


@dataclass(frozen=True)
class Param:
    """One documented argument of a method."""

    name: str
    type: str
    required: bool


@dataclass
class MethodSpec:
    """A Web API method's documented arguments (token excluded)."""

    name: str
    params: dict[str, Param] = field(default_factory=dict)

    def required(self) -> list[str]:
        """Names of the required arguments, spec flags and EXTRA_REQUIRED together."""
        names = [p.name for p in self.params.values() if p.required]
        names += [n for n in EXTRA_REQUIRED.get(self.name, ()) if n not in names]
        return names


def find_spec(path: Path | str | None = None) -> Path | None:
    """The spec file: ``path``, else $LEADBOT_SLACK_SPEC, else the vendored subset."""
    for candidate in (path, os.environ.get("LEADBOT_SLACK_SPEC"), DEFAULT_SPEC_PATH):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


def load_spec(path: Path | str | None = None) -> dict[str, MethodSpec]:
    """Read the Swagger 2.0 file and return every method, plus EXTRA_METHODS."""
    found = find_spec(path)
    if found is None:
        raise FileNotFoundError(f"Slack's Web API spec is not at {path or DEFAULT_SPEC_PATH}")
    data = json.loads(found.read_text(encoding="utf-8"))
    methods: dict[str, MethodSpec] = {}
    for route, operations in data["paths"].items():
        name = route.lstrip("/")
        spec = MethodSpec(name)
        for operation in operations.values():
            for p in operation.get("parameters", []):
                if p.get("in") not in ("header", "query", "formData") or p["name"] == "token":
                    continue
                spec.params[p["name"]] = Param(p["name"], p.get("type", "string"),
                                               bool(p.get("required")))
        methods[name] = spec
    for name, params in EXTRA_METHODS.items():
        spec = methods.setdefault(name, MethodSpec(name))
        for arg, typ in params.items():
            spec.params.setdefault(arg, Param(arg, typ, False))
    return methods


def is_blank(value: Any) -> bool:
    """True for values Slack treats as absent: None, empty strings, empty lists."""
    return value is None or value == "" or value == []


def _missing(name: str) -> ArgError:
    return ArgError("invalid_arguments", [f"[ERROR] missing required field: {name}"])


def _bad_type(name: str, expected: str) -> ArgError:
    return ArgError("invalid_arguments", [f"[ERROR] expected {expected} for field: {name}"])


def parse_json_args(method: str, args: dict[str, Any]) -> dict[str, Any]:
    """Return args with JSON-string values of blocks/view/attachments/... decoded."""
    names = JSON_ARGS | JSON_ARGS_BY_METHOD.get(method, frozenset())
    out = dict(args)
    for name in names & out.keys():
        value = out[name]
        if not isinstance(value, str) or value == "":
            continue
        try:
            out[name] = json.loads(value)
        except ValueError as exc:
            error = "invalid_blocks_format" if name == "blocks" else "invalid_arguments"
            raise ArgError(error, [f"[ERROR] invalid JSON for field: {name}"]) from exc
    return out


def check_type(name: str, typ: str, value: Any) -> None:
    """Raise invalid_arguments unless value is acceptable for the spec type."""
    if typ == "boolean":
        if isinstance(value, bool) or value in (0, 1):
            return
        if isinstance(value, str) and value.lower() in TRUE_STRINGS | FALSE_STRINGS:
            return
        raise _bad_type(name, "boolean")
    if typ == "integer":
        if isinstance(value, int) and not isinstance(value, bool):
            return
        try:
            int(str(value))
        except ValueError:
            raise _bad_type(name, "integer") from None
        return
    if typ == "number":
        if isinstance(value, bool):
            raise _bad_type(name, "number")
        try:
            float(str(value))
        except ValueError:
            raise _bad_type(name, "number") from None
        return
    if isinstance(value, (dict, list)):
        raise _bad_type(name, "string")


def check_args(spec: MethodSpec, args: dict[str, Any]) -> None:
    """Check required arguments and documented types; raise ArgError like Slack does."""
    for name in spec.required():
        if is_blank(args.get(name)):
            raise _missing(name)
    one_of = ONE_OF.get(spec.name)
    if one_of and all(is_blank(args.get(n)) for n in one_of[0]):
        names, error = one_of
        if error == "invalid_arguments":
            raise ArgError(error, [f"[ERROR] one of {', '.join(names)} is required"])
        raise ArgError(error)
    json_names = JSON_ARGS | JSON_ARGS_BY_METHOD.get(spec.name, frozenset())
    for name, value in args.items():
        param = spec.params.get(name)
        if param is None or value is None or name in json_names:
            continue
        check_type(name, param.type, value)


def as_bool(value: Any, default: bool = False) -> bool:
    """Interpret a boolean argument (JSON bool, 1/0, "true"/"false")."""
    if value is None or value == "":
        return default
    if isinstance(value, str):
        return value.lower() in TRUE_STRINGS
    return bool(value)


def as_int(value: Any, default: int) -> int:
    """Interpret an integer argument that has passed check_type."""
    if value is None or value == "":
        return default
    return int(str(value))
