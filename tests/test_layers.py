"""The package's layers run one way: each module imports only from its own floor or below.

Floors, lowest first: the foundations (config, library, clock, words...), the store (every SQL
statement), messages (pure Block Kit), services (domain code), slack (all Slack I/O), and the
wiring (runtime, cli, the scheduler). The sandbox may use anything; nothing else uses it, but
the cli's lazy ``sandbox`` command.

The imports are read from the source (ast), lazy ones inside functions included.
"""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "bot"

FOUNDATION, STORE, MESSAGES, SERVICES, SLACK, WIRING = range(6)
# Each top-level part of bot/ and its floor; a module that is not listed fails the test, so a
# new one gets a floor on purpose.
FLOORS = {
    "bot": FOUNDATION, "bot.__init__": FOUNDATION, "bot.clock": FOUNDATION,
    "bot.config": FOUNDATION, "bot.library": FOUNDATION, "bot.words": FOUNDATION,
    "bot.cron": FOUNDATION, "bot.workdays": FOUNDATION, "bot.yamlfile": FOUNDATION,
    "bot.settings": FOUNDATION, "bot.sqlitedb": FOUNDATION, "bot.channels": FOUNDATION,
    "bot.metrics": FOUNDATION, "bot.logs": FOUNDATION,
    "bot.store": STORE, "bot.migrations": STORE, "bot.inbox": STORE, "bot.worker": STORE,
    "bot.messages": MESSAGES,
    "bot.services": SERVICES,
    "bot.slack": SLACK,
    "bot.runtime": WIRING, "bot.reload": WIRING, "bot.cli": WIRING, "bot.schedule": WIRING,
    "bot.__main__": WIRING,
}
NAMES = {FOUNDATION: "foundations", STORE: "store", MESSAGES: "messages",
         SERVICES: "services", SLACK: "slack", WIRING: "wiring"}
SANDBOX = "bot.sandbox"
# Third-party packages a floor must never import, whatever the floors allow.
FORBIDDEN = {
    "bot.services": ("slack_sdk", "slack_bolt", "prometheus_client"),
    "bot.messages": ("slack_sdk", "slack_bolt", "prometheus_client"),
    "bot.store": ("slack_sdk", "slack_bolt", "prometheus_client"),
}
# Parts of bot/ a floor must not use though they are below it: Block Kit builders take plain
# values, and never read the database themselves.
BANNED_PARTS = {"bot.messages": ("bot.store", "bot.inbox", "bot.migrations", "bot.worker")}
# The only core module allowed to reach the sandbox (lazily, for ``leadbot sandbox``).
SANDBOX_DOORS = {"bot.cli"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module imported) for every import in the file, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    name = _module_name(path) if path.is_relative_to(ROOT) else path.stem
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            # "from bot import runtime" imports the module bot.runtime
            if module == "bot":
                found += [(node.lineno, f"bot.{alias.name}") for alias in node.names]
    return found


def _part(module: str) -> str | None:
    """The part of bot/ a module belongs to (``bot.slack.listeners.x`` -> ``bot.slack``)."""
    if module != "bot" and not module.startswith("bot."):
        return None
    parts = module.split(".")
    if len(parts) >= 2 and parts[1] == "sandbox":
        return SANDBOX
    return ".".join(parts[:2])


def _modules() -> list[Path]:
    return sorted(ROOT.rglob("*.py"))


def _edges() -> list[tuple[str, str, int, str, str]]:
    """(importing part, imported part, line, file, module imported) for imports within bot."""
    edges = []
    for path in _modules():
        here = _part(_module_name(path))
        for line, module in _imports(path):
            there = _part(module)
            if there is not None and there != here:
                edges.append((here, there, line, str(path.relative_to(ROOT.parent)), module))
    return edges


def test_every_part_has_a_floor():
    """A module outside the table fails: decide its floor before it grows imports."""
    unknown = {_part(_module_name(p)) for p in _modules()} - set(FLOORS) - {SANDBOX}
    assert not unknown, f"give these a floor in tests/test_layers.py: {sorted(unknown)}"


def test_no_import_runs_up_a_floor():
    """Data flows down: a module imports only its own floor or the ones below it."""
    wrong = []
    for here, there, line, file, module in _edges():
        if here == SANDBOX or there not in FLOORS or here not in FLOORS:
            continue
        if FLOORS[there] > FLOORS[here]:
            wrong.append(f"{file}:{line} imports {module} ({NAMES[FLOORS[here]]} -> "
                         f"{NAMES[FLOORS[there]]}, a floor above)")
    assert not wrong, "imports running up the layers:\n" + "\n".join(wrong)


def test_no_two_parts_import_each_other():
    """No cycle between the parts of bot/ (services and slack, say), whatever the floors."""
    graph: dict[str, set[str]] = {}
    where: dict[tuple[str, str], str] = {}
    for here, there, line, file, module in _edges():
        graph.setdefault(here, set()).add(there)
        where.setdefault((here, there), f"{file}:{line} imports {module}")
    cycles = []
    for start in graph:
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in graph.get(node, ()):
                if nxt == start:
                    cycles.append([*path, start])
                elif nxt not in path:
                    stack.append((nxt, [*path, nxt]))
    shown = set()
    lines = []
    for cycle in cycles:
        key = frozenset(cycle)
        if key in shown:
            continue
        shown.add(key)
        lines.append(" -> ".join(cycle) + ": " + "; ".join(
            where[(a, b)] for a, b in itertools.pairwise(cycle)))
    assert not lines, "parts of bot/ that depend on each other:\n" + "\n".join(lines)


def test_no_forbidden_library():
    """Services, messages and the store never touch Slack's libraries."""
    wrong = []
    for path in _modules():
        part = _part(_module_name(path))
        banned = FORBIDDEN.get(part or "", ())
        for line, module in _imports(path):
            if module.split(".")[0] in banned:
                wrong.append(f"{path.relative_to(ROOT.parent)}:{line} imports {module}")
    assert not wrong, "Slack's libraries below bot/slack:\n" + "\n".join(wrong)


def test_messages_never_read_the_store():
    """Block Kit is built from plain values: messages/ never reaches the database."""
    wrong = [f"{file}:{line} imports {module}" for here, there, line, file, module in _edges()
             if there in BANNED_PARTS.get(here, ())]
    assert not wrong, "builders reaching the database:\n" + "\n".join(wrong)


def test_nothing_in_core_imports_the_sandbox():
    """The sandbox is an extra: the bot runs without it (the cli's own command aside)."""
    wrong = [f"{file}:{line} imports {module}" for here, there, line, file, module in _edges()
             if there == SANDBOX and here != SANDBOX and here not in SANDBOX_DOORS]
    assert not wrong, "core modules importing the sandbox:\n" + "\n".join(wrong)


@pytest.mark.parametrize("source, expected", [
    ("from bot.slack import ids\n", "bot.slack"),
    ("import slack_sdk.errors\n", "slack_sdk.errors"),
    ("def f():\n    from bot.services.posting import Poster\n", "bot.services.posting"),
])
def test_imports_are_read_lazy_ones_included(tmp_path, source, expected):
    """The reader sees top-level and function-level imports alike (so the test can fail)."""
    path = tmp_path / "x.py"
    path.write_text(source)
    assert expected in [module for _line, module in _imports(path)]
