"""The prompt library (the refrain, its themes and their nudges) and the per-channel rotation."""

from __future__ import annotations

import difflib
import random
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from bot.yamlfile import (
    FileProblems,
    LoadedYaml,
    Problem,
    load_yaml,
    unique_problems,
    validate,
)

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


class Theme(_Strict):
    """A theme the bot teaches (a behaviour of lean leadership): its display name and a
    one-sentence summary."""

    name: Annotated[Text, StringConstraints(max_length=NAME_MAX)]
    summary: Annotated[Text, StringConstraints(max_length=CONTEXT_MAX)]


class Nudge(_Strict):
    """One nudge: a short, concrete suggestion on one theme."""

    id: str
    theme: str
    text: Annotated[Text, StringConstraints(max_length=NUDGE_MAX)]

    @field_validator("id")
    @classmethod
    def _id_format(cls, value: str) -> str:
        if not re.match(_ID, value):
            raise ValueError(f"'{value}' is not a valid id: use lowercase letters, digits and "
                             "hyphens (e.g. gemba-1)")
        return value


def _theme_id(value: str) -> str:
    if not re.match(_ID, value):
        raise ValueError(f"'{value}' is not a valid theme id: use lowercase letters, digits "
                         "and hyphens")
    return value


class Library(_Strict):
    """The whole prompt library, each part validated; ``load_library`` also checks across
    parts (unique nudge ids, declared themes, no theme without nudges)."""

    version: int = 1
    refrain: Refrain
    themes: Annotated[dict[Annotated[str, AfterValidator(_theme_id)], Theme],
                      Field(min_length=1)]
    nudges: Annotated[list[Nudge], Field(min_length=1)]

    def nudges_for(self, themes: Iterable[str] | None) -> list[Nudge]:
        """The nudges of the given themes (all themes when None), in library order."""
        wanted = set(self.themes if themes is None else themes)
        return [n for n in self.nudges if n.theme in wanted]

    def nudge(self, nudge_id: str) -> Nudge | None:
        """The nudge with this id, if the library still has it."""
        return next((n for n in self.nudges if n.id == nudge_id), None)


class LibraryProblems(FileProblems):
    """Every problem in a prompt library, and the theme ids it declares all the same, so
    that a configuration naming them can still be checked."""

    def __init__(self, problems: Iterable[Problem], themes: Iterable[str] = ()):
        super().__init__(problems)
        self.themes = tuple(themes)


def load_library(path: Path, notes: list[Problem] | None = None) -> Library:
    """Load and validate a prompt library file; raise FileProblems with every error.

    A library written before themes had that name (``behaviors:``, a nudge's ``behavior:``)
    still loads; each old name read adds a warning to ``notes``."""
    loaded = load_yaml(path)
    renamed = old_names(loaded)
    if notes is not None:
        notes.extend(renamed)
    across = _cross_checks(loaded)
    try:
        library = validate(loaded, Library, what="prompt library")
    except FileProblems as exc:
        raise LibraryProblems(unique_problems([*exc.problems, *across]),
                              _declared(loaded.data)) from None
    if across:
        raise LibraryProblems(across, library.themes)
    return library


def old_names(loaded: LoadedYaml) -> list[Problem]:
    """Read the library's old key names as today's (0.11 and before said "behavior" for
    theme); a warning for each one renamed."""
    top = loaded.rename_key((), "behaviors", "themes")
    nudges = loaded.data.get("nudges") if isinstance(loaded.data, dict) else None
    in_nudges = [loaded.rename_key(("nudges", index), "behavior", "theme")
                 for index in range(len(nudges) if isinstance(nudges, list) else 0)]
    in_nudges = [problem for problem in in_nudges if problem is not None]
    if len(in_nudges) > 1:  # one warning for the lot, at the first
        first = in_nudges[0]
        in_nudges = [Problem(first.file, first.line, first.field,
                             f"{first.message} (in {len(in_nudges)} nudges)")]
    return [problem for problem in (top, *in_nudges) if problem is not None]


def _declared(data: object) -> list[str]:
    """The theme ids written under ``themes:``, valid or not."""
    themes = data.get("themes") if isinstance(data, dict) else None
    if not isinstance(themes, dict):
        return []
    return [key for key in themes if isinstance(key, str)]


def _cross_checks(loaded: LoadedYaml) -> list[Problem]:
    """Checks across nudges and themes, on the data as read, so that an error elsewhere
    (an empty text, a wrong type) does not hide them: ids used twice, themes not declared,
    themes without a nudge."""
    nudges = loaded.data.get("nudges") if isinstance(loaded.data, dict) else None
    if not isinstance(nudges, list):
        return []
    known = _declared(loaded.data)
    out: list[Problem] = []
    first: dict[str, int] = {}  # each id, the line of its first use
    times: Counter[str] = Counter()
    used: set[str] = set()
    unsure = False
    for index, nudge in enumerate(nudges):
        if not isinstance(nudge, dict):
            unsure = True
            continue
        nudge_id, theme = nudge.get("id"), nudge.get("theme")
        if isinstance(nudge_id, str):
            line = loaded.line_for(("nudges", index, "id"))
            times[nudge_id] += 1
            if nudge_id in first:
                count = "twice" if times[nudge_id] == 2 else f"{times[nudge_id]} times"
                out.append(Problem(loaded.file, line, f"nudges[{index}].id",
                                   f"'{nudge_id}' is used {count} (first at line "
                                   f"{first[nudge_id]}); give each nudge its own id"))
            else:
                first[nudge_id] = line or 0
        if not isinstance(theme, str):
            unsure = True  # its own line says what is wrong; which theme it is for is unknown
        elif theme in known or not known:
            used.add(theme)
        else:
            close = difflib.get_close_matches(theme, known, n=1, cutoff=0.6)
            used.update(close)  # a misspelt theme is one problem, not also a theme left empty
            hint = (f"did you mean '{close[0]}'?" if close else
                    f"declare it under themes (known: {', '.join(known)})")
            out.append(Problem(loaded.file, loaded.line_for(("nudges", index, "theme")),
                               f"nudges[{index}].theme",
                               f"unknown theme '{theme}'; {hint}"))
    if nudges and not unsure:
        out.extend(Problem(loaded.file, loaded.line_for(("themes", theme), key=True),
                           f"themes.{theme}", "has no nudges; add at least one or remove it")
                   for theme in known if theme not in used)
    return out


# --- rotation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Pick:
    """The next nudge for a channel and the rotation cycle it belongs to."""

    nudge: Nudge
    cycle: int


def rotation_order(library: Library, themes: Sequence[str] | None, channel: str) -> list[Nudge]:
    """The channel's fixed nudge order: themes interleaved, each theme shuffled by channel.

    Interleaving keeps consecutive nudges on different themes; the shuffle is seeded by the
    channel so two teams do not get the same sequence, and the order is the same on every start.
    """
    themes = [t for t in (themes or list(library.themes)) if t in library.themes]
    rng = random.Random(f"leadbot:{channel}")
    queues = []
    for theme in themes:
        items = [n for n in library.nudges if n.theme == theme]
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
