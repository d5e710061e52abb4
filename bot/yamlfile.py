"""Load a YAML file with the line of every value, and turn validation errors into
``file:line: field.path: message`` lines an admin can act on."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

Path_ = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a file, with where it is."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        if self.field:
            return f"{where}: {self.field}: {self.message}"
        return f"{where}: {self.message}"


class FileProblems(Exception):
    """Every problem found in one or more files, reported together."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class LoadedYaml:
    """A parsed document and the 1-based line of each value and each mapping key."""

    file: str
    data: Any
    value_lines: dict[Path_, int]
    key_lines: dict[Path_, int]

    def line_for(self, path: Path_, *, key: bool = False) -> int | None:
        """The line of ``path``, or of its nearest parent that has one."""
        lines = self.key_lines if key else self.value_lines
        p = tuple(path)
        while p:
            if p in lines:
                return lines[p]
            if not key and p in self.key_lines:
                return self.key_lines[p]
            p = p[:-1]
        return self.value_lines.get((), 1)


def format_path(path: Path_) -> str:
    """``('channels', 1, 'prompt')`` -> ``channels[1].prompt``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def load_yaml(path: Path) -> LoadedYaml:
    """Read and parse ``path``; raise FileProblems for a missing file or bad YAML."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileProblems([Problem(name, None, "", "file not found")]) from None
    except IsADirectoryError:
        raise FileProblems([Problem(name, None, "", "is a folder, expected a YAML file")]) from None
    except UnicodeDecodeError as exc:
        raise FileProblems([Problem(name, None, "", f"not UTF-8 text ({exc.reason})")]) from None
    except OSError as exc:
        raise FileProblems([Problem(name, None, "", f"cannot read: {exc.strerror}")]) from None
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = exc.problem or exc.context or "invalid YAML"
        raise FileProblems([Problem(name, line, "", f"invalid YAML: {what}")]) from None
    except yaml.YAMLError as exc:
        raise FileProblems([Problem(name, None, "", f"invalid YAML: {exc}")]) from None
    except ValueError as exc:
        # A scalar YAML types but cannot build, such as the date 2026-02-30.
        bad = _unbuildable(node)
        line, text = (bad.start_mark.line + 1, bad.value) if bad else (None, "a value")
        raise FileProblems([Problem(name, line, "", f"invalid value '{text}': {exc}")]) from None
    finally:
        loader.dispose()
    loaded = LoadedYaml(name, data, {(): 1}, {})
    duplicates: list[Problem] = []
    if node is not None:
        _walk(node, (), loaded, duplicates)
    if duplicates:
        raise FileProblems(duplicates)
    return loaded


def _unbuildable(node: yaml.Node | None) -> yaml.ScalarNode | None:
    """The first scalar under ``node`` that YAML's constructors reject."""
    if isinstance(node, yaml.ScalarNode):
        probe = yaml.SafeLoader("")
        try:
            probe.construct_object(node, deep=True)
        except ValueError:
            return node
        finally:
            probe.dispose()
        return None
    children = node.value if isinstance(node, yaml.SequenceNode) else (
        [n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode) else [])
    for child in children:
        found = _unbuildable(child)
        if found is not None:
            return found
    return None


def _walk(node: yaml.Node, path: Path_, out: LoadedYaml, dups: list[Problem]) -> None:
    out.value_lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = (*path, key)
            if key in seen:
                dups.append(
                    Problem(out.file, key_node.start_mark.line + 1, format_path(child),
                            "this key appears twice in the same block; keep one")
                )
            seen.add(key)
            out.key_lines[child] = key_node.start_mark.line + 1
            _walk(value_node, child, out, dups)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), out, dups)


_TYPE_NAMES = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping of keys to values",
    "model_type": "a mapping of keys to values",
    "model_attributes_type": "a mapping of keys to values",
    "date_type": "a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "a date (YYYY-MM-DD)",
    "float_type": "a number",
    "float_parsing": "a number",
}


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"{str(value).lower()} (true/false)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int | float):
        return f"the number {value}"
    return repr(value)


def validate(loaded: LoadedYaml, model: type[M], *, context: dict | None = None,
             what: str = "file") -> M:
    """Validate ``loaded.data`` against ``model``; raise FileProblems naming every error."""
    data = loaded.data
    if data is None:
        raise FileProblems([Problem(loaded.file, None, "", f"the {what} is empty")])
    if not isinstance(data, dict):
        raise FileProblems(
            [Problem(loaded.file, 1, "", f"expected a mapping of keys at the top of the {what}, "
                                         f"got {_describe(data)}")]
        )
    try:
        return model.model_validate(data, context=context or {})
    except ValidationError as exc:
        problems = [_problem(loaded, model, err) for err in exc.errors()]
        raise FileProblems(_unique(problems)) from None


def _unique(problems: list[Problem]) -> list[Problem]:
    seen, out = set(), []
    for p in problems:
        if (p.line, p.field, p.message) not in seen:
            seen.add((p.line, p.field, p.message))
            out.append(p)
    return sorted(out, key=lambda p: (p.line or 0))


def _known_fields(model: type[BaseModel], loc: Path_) -> list[str]:
    """The field names allowed at ``loc`` (walks nested models and lists of models)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            return []
        current = _inner_model(fields[part].annotation)
    return list(getattr(current, "model_fields", {}) or [])


def _inner_model(annotation: Any) -> Any:
    for arg in getattr(annotation, "__args__", ()) or ():
        inner = _inner_model(arg)
        if inner is not None:
            return inner
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _problem(loaded: LoadedYaml, model: type[BaseModel], err: dict) -> Problem:
    loc: Path_ = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
    kind = err["type"]
    field = format_path(loc)
    if kind == "extra_forbidden":
        key = str(loc[-1])
        known = _known_fields(model, loc[:-1])
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else (
            f"; allowed keys here: {', '.join(known)}" if known else "")
        return Problem(loaded.file, loaded.line_for(loc, key=True), field,
                       f"unknown key '{key}'{hint}")
    line = loaded.line_for(loc)
    if kind == "missing":
        return Problem(loaded.file, line, field, "required, but missing")
    if kind in _TYPE_NAMES:
        return Problem(loaded.file, line, field,
                       f"expected {_TYPE_NAMES[kind]}, got {_describe(err.get('input'))}")
    if kind == "value_error":
        message = str(err["ctx"]["error"]) if "ctx" in err else err["msg"]
        return Problem(loaded.file, line, field, message)
    if kind in {"too_short", "string_too_short"}:
        return Problem(loaded.file, line, field, "must not be empty")
    if kind in {"string_too_long", "too_long"}:
        limit = err.get("ctx", {}).get("max_length")
        return Problem(loaded.file, line, field, f"too long: at most {limit} characters"
                       if kind == "string_too_long" else f"too many items: at most {limit}")
    if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        return Problem(loaded.file, line, field, err["msg"].lower())
    if kind == "string_pattern_mismatch":
        return Problem(loaded.file, line, field, f"{_describe(err.get('input'))} is not valid here")
    return Problem(loaded.file, line, field, err["msg"])
