"""Write the subset of Slack's Web API spec that leadbot's fake Slack needs.

    .venv/bin/python scripts/slack_spec_subset.py path/to/slack_web_openapi_v2.json

The input is Slack's full Swagger 2.0 file (slackapi/slack-api-specs,
web-api/slack_web_openapi_v2_without_examples.json). The output keeps the file's structure
(every top-level key as it is) but only the paths of the methods the fake handles (the keys of
HANDLERS) and the definitions those paths refer to, directly or not. It is written
deterministically (sorted keys, indent 1), so regenerating an unchanged input changes nothing.
Default output: bot/sandbox/workspace/reference/slack_web_openapi_v2_subset.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = (REPO / "bot" / "sandbox" / "workspace" / "reference"
                  / "slack_web_openapi_v2_subset.json")
DEFINITION = "#/definitions/"


def handled_methods() -> list[str]:
    """The Web API methods the fake Slack answers, sorted."""
    sys.path.insert(0, str(REPO))
    import bot.sandbox.workspace  # noqa: F401 - importing registers every handler
    from bot.sandbox.workspace.methods import HANDLERS

    return sorted(HANDLERS)


def _refs(node: Any) -> Iterator[str]:
    """Every definition name a `$ref` inside node points at."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(DEFINITION):
            yield ref[len(DEFINITION):]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def subset(full: dict[str, Any], methods: Iterable[str]) -> dict[str, Any]:
    """The spec with only these methods' paths and the definitions they need, transitively.

    Methods the spec does not list (newer than it) are left out: the fake adds them itself.
    """
    paths = {f"/{m}": full["paths"][f"/{m}"] for m in methods if f"/{m}" in full["paths"]}
    definitions = full.get("definitions", {})
    needed: set[str] = set()
    todo = list(_refs(paths))
    while todo:
        name = todo.pop()
        if name not in needed:
            needed.add(name)
            todo.extend(_refs(definitions[name]))
    out = dict(full)
    out["paths"] = paths
    out["definitions"] = {name: definitions[name] for name in needed}
    return out


def render(spec: dict[str, Any]) -> str:
    """The JSON text written to disk: sorted keys, indent 1, final newline."""
    return json.dumps(spec, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Read the full spec, write the subset; print what was written."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spec", type=Path, help="Slack's full slack_web_openapi_v2.json")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT,
                        help=f"where to write the subset (default: {DEFAULT_OUTPUT})")
    args = parser.parse_args(argv)
    full = json.loads(args.spec.read_text(encoding="utf-8"))
    small = subset(full, handled_methods())
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(small), encoding="utf-8")
    print(f"{args.output}: {len(small['paths'])} methods, {len(small['definitions'])} definitions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
