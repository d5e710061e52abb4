"""Load a YAML file with the line of every value, and turn validation errors into
``file:line: field.path: message`` lines an admin can act on."""

from __future__ import annotations

import difflib
import gc
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.reader import Reader
from yaml.resolver import Resolver

Path_ = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)

# A leadbot file nests a few levels; deeper is a mistake or an attack (and Python's recursion
# limit is near 1,000). Aliases repeat what an anchor names: a "billion laughs" file of 500
# bytes would repeat a billion values, so all the aliases of a file may repeat at most this many.
MAX_DEPTH = 50
MAX_ALIASED = 100_000
_TOO_DEEP = f"blocks nest more than {MAX_DEPTH} levels deep here; leadbot's files need a few"
_CONTROL_NAMES = {0x00: "NUL", 0x07: "BEL", 0x08: "backspace", 0x0B: "vertical tab",
                  0x0C: "form feed", 0x1B: "ESC", 0x7F: "DEL"}


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
    """A parsed document, and its node tree to find the 1-based line of any value or key."""

    file: str
    data: Any
    root: yaml.Node | None = None

    def line_for(self, path: Path_, *, key: bool = False) -> int | None:
        """The line of ``path``, or of its nearest parent that has one.

        With ``key``, the line of the nearest mapping key on the path instead of the value.
        """
        node = self.root
        if node is None:
            return 1
        value_line = key_line = node.start_mark.line + 1
        for part in path:
            child, key_node = _child(node, part)
            if child is None:
                break
            if key_node is not None:
                key_line = key_node.start_mark.line + 1
            if child.start_mark.line < (key_node or node).start_mark.line:
                # an alias of an anchor written earlier: the line is where the alias is
                value_line = key_line if key_node is not None else value_line
                break
            value_line = child.start_mark.line + 1
            node = child
        return key_line if key else value_line


def _child(node: yaml.Node, part: str | int) -> tuple[yaml.Node | None, yaml.Node | None]:
    """The value at ``part`` under ``node`` and its key node (the last, if a key repeats)."""
    if isinstance(node, yaml.MappingNode) and isinstance(part, str):
        for key_node, value_node in reversed(node.value):
            if str(key_node.value) == part:
                return value_node, key_node
    elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and not isinstance(
            part, bool) and 0 <= part < len(node.value):
        return node.value[part], None
    return None, None


def format_path(path: Path_) -> str:
    """``('channels', 1, 'prompt')`` -> ``channels[1].prompt``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


class _Refused(Exception):
    """A file the loader will not build, at ``mark``."""

    def __init__(self, mark: yaml.Mark, message: str):
        super().__init__(message)
        self.line = mark.line + 1
        self.message = message


# libyaml reads events several times faster than pure Python; the composer stays in Python
# so that it can count depth and aliases as it goes.
if yaml.__with_libyaml__:
    from yaml.cyaml import CParser

    class _Base(Composer, CParser, SafeConstructor, Resolver):
        def __init__(self, text: str):
            CParser.__init__(self, text)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)
else:  # pragma: no cover - PyYAML built without libyaml
    _Base = yaml.SafeLoader


_BLOCK_STARTS = (yaml.SequenceStartEvent, yaml.MappingStartEvent)


class _BoundedLoader(_Base):
    """PyYAML's safe loader that refuses deep nesting, self-containing aliases and alias bombs.

    Each node's size (values, levels of nesting) is counted as it is composed, so an alias adds
    the size of its anchor without walking it, and loading stops at the first node too many.
    """

    def __init__(self, text: str):
        super().__init__(text)
        self._open: list[list[int]] = [[0, 0]]  # per open block: [values, levels inside]
        self._sizes: dict[str, tuple[int, int]] = {}  # per finished anchor
        self._aliased = 0

    def compose_node(self, parent, index):
        """PyYAML's hook for every node: compose it, counting its size against the bounds."""
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            node = super().compose_node(parent, index)
            self._alias(event)
            return node
        opened = self._open
        if isinstance(event, _BLOCK_STARTS):
            if len(opened) > MAX_DEPTH:
                raise _Refused(event.start_mark, _TOO_DEEP)
            opened.append([0, 0])
            node = super().compose_node(parent, index)
            values, levels = opened.pop()
            size = (values + 1, levels + 1)
        else:
            node = super().compose_node(parent, index)
            size = (1, 0)
        if event.anchor is not None:
            self._sizes[event.anchor] = size
        self._add(size)
        return node

    def _alias(self, event: yaml.AliasEvent) -> None:
        size = self._sizes.get(event.anchor)
        if size is None:
            raise _Refused(event.start_mark, f"the alias *{event.anchor} is inside the block "
                                             f"&{event.anchor} it repeats; a block cannot "
                                             "contain itself")
        if len(self._open) - 1 + size[1] > MAX_DEPTH:
            raise _Refused(event.start_mark, f"the alias *{event.anchor} nests blocks more "
                                             f"than {MAX_DEPTH} levels deep")
        self._aliased += size[0]
        if self._aliased > MAX_ALIASED:
            raise _Refused(event.start_mark, f"the aliases (*{event.anchor} and others) repeat "
                                             f"more than {MAX_ALIASED:,} values in all; write "
                                             "the values out instead")
        self._add(size)

    def _add(self, size: tuple[int, int]) -> None:
        parent = self._open[-1]
        parent[0] += size[0]
        parent[1] = max(parent[1], size[1])


def _unprintable(name: str, text: str) -> Problem | None:
    """The first character YAML does not allow (it allows printable text only), with its place."""
    found = Reader.NON_PRINTABLE.search(text)
    if found is None:
        return None
    at = found.start()
    line = text.count("\n", 0, at) + 1
    column = at - (text.rfind("\n", 0, at) + 1) + 1
    char = found.group()
    kind = "control character" if unicodedata.category(char) == "Cc" else "character"
    label = f" ({_CONTROL_NAMES[ord(char)]})" if ord(char) in _CONTROL_NAMES else ""
    return Problem(name, line, "", f"column {column}: {kind} U+{ord(char):04X}{label} is not "
                                   "allowed: YAML files hold printable text only; remove it")


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a big file becomes objects.

    Building 100,000 channels makes millions of objects and no cycles (a self-containing
    alias is refused); the collector would walk them all again and again, doubling the time.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_yaml(path: Path) -> LoadedYaml:
    """Read and parse ``path``; raise FileProblems for a missing file or bad YAML.

    Refuses control characters, nesting deeper than MAX_DEPTH and aliases that would repeat
    more than MAX_ALIASED values, each with its line, before building anything.
    """
    with collector_paused():
        return _load_yaml(path)


def _load_yaml(path: Path) -> LoadedYaml:
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
    bad = _unprintable(name, text)
    if bad is not None:
        raise FileProblems([bad])
    loader = _BoundedLoader(text)
    loaded = LoadedYaml(name, None)
    duplicates: list[Problem] = []
    node = None
    try:
        node = loader.get_single_node()
        if node is not None:
            # before building: merge keys (<<) are still as written, not yet copied in
            duplicates = _duplicate_keys(name, node)
            loaded.data = loader.construct_document(node)
            loaded.root = node
    except _Refused as exc:
        raise FileProblems([Problem(name, exc.line, "", exc.message)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = exc.problem or exc.context or "invalid YAML"
        if what == "exceeded maximum nesting depth":  # libyaml's own limit (1,000) came first
            raise FileProblems([Problem(name, line, "", _TOO_DEEP)]) from None
        raise FileProblems([Problem(name, line, "", f"invalid YAML: {what}")]) from None
    except yaml.YAMLError as exc:
        raise FileProblems([Problem(name, None, "", f"invalid YAML: {exc}")]) from None
    except ValueError as exc:
        # A scalar YAML types but cannot build, such as the date 2026-02-30.
        bad_node = _unbuildable(node)
        line, value = (bad_node.start_mark.line + 1, bad_node.value) if bad_node else (None,
                                                                                     "a value")
        value = value if len(value) <= 60 else value[:57] + "..."
        raise FileProblems([Problem(name, line, "", f"invalid value '{value}': {exc}")]) from None
    finally:
        loader.dispose()
    if duplicates:
        raise FileProblems(duplicates)
    return loaded


def _unbuildable(node: yaml.Node | None, seen: set[int] | None = None) -> yaml.ScalarNode | None:
    """The first scalar under ``node`` that YAML's constructors reject."""
    seen = set() if seen is None else seen
    if node is None or id(node) in seen:
        return None
    seen.add(id(node))
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
        found = _unbuildable(child, seen)
        if found is not None:
            return found
    return None


def _duplicate_keys(file: str, root: yaml.Node) -> list[Problem]:
    """Keys written twice in one mapping, in file order; an alias is not checked again."""
    out: list[Problem] = []
    seen_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, Path_]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            keys: set[str] = set()
            for key_node, value_node in node.value:
                key = str(key_node.value)
                if key in keys:
                    out.append(Problem(file, key_node.start_mark.line + 1, format_path(
                        (*path, key)), "this key appears twice in the same block; keep one"))
                keys.add(key)
                if isinstance(value_node, yaml.CollectionNode):
                    stack.append((value_node, (*path, key)))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, (*path, index)) for index, item in enumerate(node.value)
                         if isinstance(item, yaml.CollectionNode))
    return sorted(out, key=lambda p: p.line or 0)


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
        with collector_paused():
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
