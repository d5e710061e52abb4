"""Load a YAML file with the line of every value, and turn validation errors into
``file:line: field.path: message`` lines an admin can act on."""

from __future__ import annotations

import difflib
import gc
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from yaml.composer import Composer
from yaml.constructor import ConstructorError, SafeConstructor
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
        text = f"{where}: {self.field}: " if self.field else f"{where}: "
        text += self.message
        # one problem, one line: a value quoted in the message may hold a line break
        return text.replace("\r", "\\r").replace("\n", "\\n")


class FileProblems(Exception):
    """Every problem found in one or more files, reported together."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class LoadedYaml:
    """A parsed document, and its node tree to find the 1-based line of any value or key.

    ``problems`` are those found while reading that did not stop it (a key written twice, a
    value YAML types but cannot build, such as the date 2026-02-30); ``validate`` reports them
    with the rest. ``replaced`` names the fields whose unbuildable value was kept as its text.
    """

    file: str
    data: Any
    root: yaml.Node | None = None
    problems: list[Problem] = field(default_factory=list)
    replaced: set[str] = field(default_factory=set)

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

    def rename_key(self, path: Path_, old: str, new: str) -> Problem | None:
        """Read the key ``old`` of the mapping at ``path`` as ``new`` (an older name of a
        setting), in the data and the node tree alike so lines stay exact; a warning to show,
        or None when there was nothing to rename. Both written: left alone, so the checks say
        the old one is unknown."""
        mapping: Any = self.data
        node = self.root
        for part in path:
            try:
                mapping = mapping[part]
            except (KeyError, IndexError, TypeError):
                return None
            node = _child(node, part)[0] if node is not None else None
        if not isinstance(mapping, dict) or old not in mapping or new in mapping:
            return None
        mapping[new] = mapping.pop(old)
        line = self.line_for((*path, old), key=True)
        if isinstance(node, yaml.MappingNode):
            for key_node, _ in node.value:
                if key_node.value == old:
                    key_node.value = new
        return Problem(self.file, line, format_path((*path, old)),
                       f"'{old}' is the old name of '{new}': it still works, but rename it")


def _child(node: yaml.Node, part: str | int) -> tuple[yaml.Node | None, yaml.Node | None]:
    """The value at ``part`` under ``node`` and its key node (the last, if a key repeats)."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in reversed(node.value):
            if str(key_node.value) == str(part):
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


class _Refused(yaml.YAMLError):
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
_COLLECTION_TAGS = {f"tag:yaml.org,2002:{tag}": kind for tag, kind in (
    ("map", yaml.MappingNode), ("set", yaml.MappingNode), ("seq", yaml.SequenceNode),
    ("omap", yaml.SequenceNode), ("pairs", yaml.SequenceNode))}
_KINDS = {"timestamp": "date", "int": "whole number", "float": "number",
          "bool": "true/false value", "binary": "base64 binary value", "null": "null"}


def _unbuilt_reason(node: yaml.Node, exc: Exception) -> str:
    """Why YAML could not build ``node``, in words."""
    tag = node.tag.removeprefix("tag:yaml.org,2002:")
    if isinstance(exc, ConstructorError):
        if "could not determine a constructor" in str(exc.problem):
            return f"the tag {node.tag} is not one leadbot reads; remove it"
        return f"cannot read this as !!{tag}: {exc.problem}"
    value = node.value if isinstance(node, yaml.ScalarNode) else ""
    value = value if len(value) <= 60 else value[:57] + "..."
    if tag == "timestamp" and len(value) > 10:
        kind = "date and time"
    else:
        kind = _KINDS.get(tag, f"!!{tag} value")
    why = f": {exc}" if isinstance(exc, ValueError) and str(exc) else ""
    return f"'{value}' is not a valid {kind}{why}"


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
        self._path: list[str | int] = []  # where the node being composed is
        self._keys: dict[int, dict[str, int]] = {}  # per open mapping: each key, its line
        self.twice: list[tuple[int, Path_, int]] = []  # keys written twice: line, path, first
        self.unbuilt: list[tuple[yaml.Node, str]] = []  # nodes kept as text, and why

    def construct_object(self, node, deep=False):
        """PyYAML's hook for every value: build it, or keep it as written and note why.

        One value YAML cannot build (the date 2026-02-30, ``!!bool maybe``, an unknown tag)
        must not hide the problems in the rest of the file.
        """
        was_deep = self.deep_construct
        try:
            kind = _COLLECTION_TAGS.get(node.tag)
            if kind is not None and not isinstance(node, kind):
                # PyYAML would find this only later, outside any one value, and stop there
                raise ConstructorError(None, None, f"expected a {kind.id} node, but found "
                                                   f"{node.id}", node.start_mark)
            return super().construct_object(node, deep)
        except (ValueError, KeyError, AttributeError, TypeError, ConstructorError) as exc:
            self.recursive_objects.pop(node, None)
            self.deep_construct = was_deep
            kept = node.value if isinstance(node, yaml.ScalarNode) else None
            self.constructed_objects[node] = kept  # an alias of it is not reported again
            self.unbuilt.append((node, _unbuilt_reason(node, exc)))
            return kept

    def compose_node(self, parent, index):
        """PyYAML's hook for every node: compose it, counting its size against the bounds and
        noting a key written twice in its block (as it goes: a later syntax error keeps them)."""
        if index is None:  # the document, or a mapping's key
            return self._compose(parent, index)
        if isinstance(parent, yaml.MappingNode):
            part: str | int = str(index.value)
            seen = self._keys.setdefault(id(parent), {})
            line = index.start_mark.line + 1
            if part in seen:
                self.twice.append((line, (*self._path, part), seen[part]))
            else:
                seen[part] = line
        else:
            part = index
        self._path.append(part)
        node = self._compose(parent, index)
        self._path.pop()
        return node

    def _compose(self, parent, index):
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
            self._keys.pop(id(node), None)
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
    """Read and parse ``path``; raise FileProblems for a missing file or YAML that stops reading.

    Refuses control characters, nesting deeper than MAX_DEPTH and aliases that would repeat
    more than MAX_ALIASED values, each with its line, before building anything. Keys written
    twice and values YAML cannot build do not stop it: they are in ``problems`` of the result.
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
    try:
        node = loader.get_single_node()
        loaded.problems = _twice(name, loader.twice)
        if node is not None:
            loaded.data = loader.construct_document(node)
            loaded.root = node
            _note_unbuilt(loaded, loader.unbuilt)
    except yaml.YAMLError as exc:
        # reading stops here; the keys written twice before this point are reported with it
        raise FileProblems([*_twice(name, loader.twice), _stopped(name, exc)]) from None
    finally:
        loader.dispose()
    return loaded


def _stopped(name: str, exc: yaml.YAMLError) -> Problem:
    """The problem that stopped the reading of a file, with its line when YAML knows it."""
    if isinstance(exc, _Refused):
        return Problem(name, exc.line, "", exc.message)
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = exc.problem or exc.context or "invalid YAML"
        if what == "exceeded maximum nesting depth":  # libyaml's own limit (1,000) came first
            return Problem(name, line, "", _TOO_DEEP)
        return Problem(name, line, "", f"invalid YAML: {what}")
    return Problem(name, None, "", f"invalid YAML: {exc}")


def _twice(name: str, found: list[tuple[int, Path_, int]]) -> list[Problem]:
    """A problem for each key written twice in the same block, in file order."""
    return [Problem(name, line, format_path(path), f"this key appears twice in the same block "
                                                   f"(first at line {first}); keep one")
            for line, path, first in found]


def _note_unbuilt(loaded: LoadedYaml, unbuilt: list[tuple[yaml.Node, str]]) -> None:
    """Add a problem for each value kept as text, at its line and the first path it has."""
    if not unbuilt:
        return
    paths: dict[int, list[Path_]] = {}
    wanted = {id(node) for node, _ in unbuilt}
    stack: list[tuple[yaml.Node, Path_]] = [(loaded.root, ())]  # aliases are few and bounded
    while stack:
        node, path = stack.pop()
        if id(node) in wanted:
            paths.setdefault(id(node), []).append(path)
        if isinstance(node, yaml.MappingNode):
            stack.extend((value, (*path, str(key.value))) for key, value in node.value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, (*path, index)) for index, item in enumerate(node.value))
    for node, reason in unbuilt:
        found = sorted(paths.get(id(node), [()]), key=lambda p: loaded.line_for(p) or 0)
        loaded.replaced.update(format_path(p) for p in found if p)
        loaded.problems.append(Problem(loaded.file, node.start_mark.line + 1,
                                       format_path(found[0]), reason))
    loaded.problems.sort(key=lambda p: p.line or 0)


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
    if isinstance(value, date):  # YAML reads 2026-12-24 as a date, not as text
        return f"the date {value} (quote it to make it text)"
    return repr(value)


def validate(loaded: LoadedYaml, model: type[M], *, context: dict | None = None,
             what: str = "file") -> M:
    """Validate ``loaded.data`` against ``model``; raise FileProblems naming every error,
    with the problems found while reading, each once, in line order."""
    data = loaded.data
    if data is None:
        # a document YAML could not build at all was reported where it was read
        raise FileProblems(loaded.problems or [Problem(loaded.file, None, "",
                                                       f"the {what} is empty")])
    if not isinstance(data, dict):
        raise FileProblems([*loaded.problems, Problem(
            loaded.file, 1, "", f"expected a mapping of keys at the top of the {what}, got "
                                f"{_describe(data)}")])
    try:
        with collector_paused():
            parsed = model.model_validate(data, context=context or {})
    except ValidationError as exc:
        # a value kept as text was reported where it was read; its field's own check would
        # only say the same again (an unknown key is still a problem of its own)
        found = [_problem(loaded, model, err) for err in exc.errors()
                 if err["type"] == "extra_forbidden"
                 or format_path(_loc(err)) not in loaded.replaced]
        raise FileProblems(unique_problems([*loaded.problems, *found])) from None
    if loaded.problems:
        raise FileProblems(loaded.problems)
    return parsed


def unique_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Each problem once (the same line, field and message are one problem), in line order."""
    seen, out = set(), []
    for p in problems:
        if (p.file, p.line, p.field, p.message) not in seen:
            seen.add((p.file, p.line, p.field, p.message))
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


def _loc(err: dict) -> Path_:
    """The path of a pydantic error in the file (without its markers such as ``[key]``)."""
    return tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))


def _problem(loaded: LoadedYaml, model: type[BaseModel], err: dict) -> Problem:
    loc = _loc(err)
    kind = err["type"]
    field = format_path(loc)
    if err["loc"] and err["loc"][-1] == "[key]":  # a mapping's key, not its value, is wrong
        line = loaded.line_for(loc, key=True)
        if kind == "value_error":
            return Problem(loaded.file, line, field, str(err["ctx"]["error"]))
        return Problem(loaded.file, line, field, f"key: expected {_TYPE_NAMES.get(kind, kind)}, "
                                                 f"got {_describe(err.get('input'))}")
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
        size = len(err["input"]) if isinstance(err.get("input"), str | list) else None
        if kind == "string_too_long":
            count = f"{size} characters, " if size is not None else ""
            return Problem(loaded.file, line, field, f"too long: {count}at most {limit}")
        return Problem(loaded.file, line, field, f"too many items: at most {limit}")
    if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        return Problem(loaded.file, line, field, err["msg"].lower())
    if kind == "string_pattern_mismatch":
        return Problem(loaded.file, line, field, f"{_describe(err.get('input'))} is not valid here")
    return Problem(loaded.file, line, field, err["msg"])
