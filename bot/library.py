"""The prompt library (the refrain and the behaviour nudges) and the per-channel rotation."""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from bot.yamlfile import FileProblems, Problem, load_yaml, validate

# The bundled library ships inside the package, so a non-editable install (pipx) has it too.
DEFAULT_LIBRARY = Path(__file__).resolve().parent / "data" / "prompts.yaml"

# Slack allows 3000 characters in a section; we keep nudges phone-sized.
NUDGE_MAX = 400
CONTEXT_MAX = 200
NAME_MAX = 60
REFRAIN_MAX = 1000

_ID = r"^[a-z0-9][a-z0-9-]{0,63}$"
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Refrain(_Strict):
    """The refrain the prompt quotes, its attribution, and one-line context lines."""

    text: Annotated[Text, StringConstraints(max_length=REFRAIN_MAX)]
    attribution: Annotated[Text, StringConstraints(max_length=200)]
    context: Annotated[
        list[Annotated[Text, StringConstraints(max_length=CONTEXT_MAX)]], Field(min_length=1)
    ]


class Behavior(_Strict):
    """A behaviour theme: its display name and a one-sentence summary."""

    name: Annotated[Text, StringConstraints(max_length=NAME_MAX)]
    summary: Annotated[Text, StringConstraints(max_length=CONTEXT_MAX)]


class Nudge(_Strict):
    """One behaviour nudge."""

    id: str
    behavior: str
    text: Annotated[Text, StringConstraints(max_length=NUDGE_MAX)]

    @field_validator("id")
    @classmethod
    def _id_format(cls, value: str) -> str:
        if not re.match(_ID, value):
            raise ValueError(f"'{value}' is not a valid id: use lowercase letters, digits and "
                             "hyphens (e.g. gemba-1)")
        return value


class Library(_Strict):
    """The whole prompt library, validated."""

    version: int = 1
    refrain: Refrain
    behaviors: Annotated[dict[str, Behavior], Field(min_length=1)]
    nudges: Annotated[list[Nudge], Field(min_length=1)]

    @field_validator("behaviors")
    @classmethod
    def _behavior_ids(cls, value: dict[str, Behavior]) -> dict[str, Behavior]:
        bad = [key for key in value if not re.match(_ID, key)]
        if bad:
            raise ValueError(f"behaviour id '{bad[0]}' is not valid: use lowercase letters, "
                             "digits and hyphens")
        return value

    @model_validator(mode="after")
    def _cross_checks(self) -> Library:
        seen: set[str] = set()
        problems = []
        for index, nudge in enumerate(self.nudges):
            if nudge.id in seen:
                problems.append(f"nudges[{index}].id: '{nudge.id}' is used twice; ids must be "
                                "unique")
            seen.add(nudge.id)
            if nudge.behavior not in self.behaviors:
                problems.append(f"nudges[{index}].behavior: unknown behaviour '{nudge.behavior}'; "
                                f"declare it under behaviors (known: {', '.join(self.behaviors)})")
        empty = [b for b in self.behaviors if not any(n.behavior == b for n in self.nudges)]
        for behavior in empty:
            problems.append(f"behaviors.{behavior}: has no nudges; add at least one or remove it")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def nudges_for(self, behaviors: Iterable[str] | None) -> list[Nudge]:
        """The nudges of the given themes (all themes when None), in library order."""
        wanted = set(self.behaviors if behaviors is None else behaviors)
        return [n for n in self.nudges if n.behavior in wanted]

    def nudge(self, nudge_id: str) -> Nudge | None:
        """The nudge with this id, if the library still has it."""
        return next((n for n in self.nudges if n.id == nudge_id), None)


def load_library(path: Path) -> Library:
    """Load and validate a prompt library file; raise FileProblems with every error."""
    loaded = load_yaml(path)
    try:
        return validate(loaded, Library, what="prompt library")
    except FileProblems as exc:
        raise FileProblems(_split_cross_checks(loaded, exc.problems)) from None


def _split_cross_checks(loaded, problems: list[Problem]) -> list[Problem]:
    """The model-level check joins its findings with '; ': give each its own line and field."""
    out: list[Problem] = []
    for p in problems:
        if p.field == "" and ": " in p.message and p.message.split(": ")[0].startswith(
            ("nudges[", "behaviors.")
        ):
            for part in p.message.split("; "):
                field, _, message = part.partition(": ")
                path = _parse_field(field)
                out.append(Problem(p.file, loaded.line_for(path), field, message))
        else:
            out.append(p)
    return out


def _parse_field(field: str) -> tuple:
    parts: list[str | int] = []
    for token in re.findall(r"[^.\[\]]+|\[\d+\]", field):
        parts.append(int(token[1:-1]) if token.startswith("[") else token)
    return tuple(parts)


# --- rotation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Pick:
    """The next nudge for a channel and the rotation cycle it belongs to."""

    nudge: Nudge
    cycle: int


def rotation_order(library: Library, behaviors: Sequence[str] | None, channel: str) -> list[Nudge]:
    """The channel's fixed nudge order: themes interleaved, each theme shuffled by channel.

    Interleaving keeps consecutive nudges on different themes; the shuffle is seeded by the
    channel so two teams do not get the same sequence, and the order is the same on every start.
    """
    themes = [b for b in (behaviors or list(library.behaviors)) if b in library.behaviors]
    rng = random.Random(f"leadbot:{channel}")
    queues = []
    for theme in themes:
        items = [n for n in library.nudges if n.behavior == theme]
        rng.shuffle(items)
        queues.append(items)
    order: list[Nudge] = []
    while any(queues):
        for queue in queues:
            if queue:
                order.append(queue.pop(0))
    return order


def pick_next(order: Sequence[Nudge], cycle: int, used_in_cycle: set[str]) -> Pick:
    """The first nudge of ``order`` not used in the current cycle; a new cycle once all are."""
    if not order:
        raise ValueError("no nudges to choose from")
    for nudge in order:
        if nudge.id not in used_in_cycle:
            return Pick(nudge, cycle)
    return Pick(order[0], cycle + 1)


def refrain_context(library: Library, index: int) -> str:
    """The context line for the ``index``-th prompt in a channel (rotates through the list)."""
    lines = library.refrain.context
    return lines[index % len(lines)]
