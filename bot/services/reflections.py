"""Reflections: what each person writes down about what they followed, took or let go.

Plain values in and out; the Slack layer turns these into commands, modals and the Home tab.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import Clock, from_iso
from bot.messages.reflect import TEXT_MAX, Stats
from bot.store import CHOICES, Store

SUBCOMMANDS = ("history", "stats", "settings", "forget", "help")
_PREFIX = re.compile(r"^\s*(follow(?:ed)?|take|took|pass(?:ed)?)\s*:\s*", re.IGNORECASE)
_PREFIX_CHOICE = {"follow": "follow", "followed": "follow", "take": "take", "took": "take",
                  "pass": "pass", "passed": "pass"}


class InvalidReflection(ValueError):
    """Input that cannot be stored as a reflection; the message says why, for the person, and
    ``field`` which part of the form it is about ("text", "choice" or "theme")."""

    def __init__(self, message: str, field: str = "text"):
        super().__init__(message)
        self.field = field


def clean_text(text: str) -> str:
    """The text without control characters (newlines and tabs stay), trimmed."""
    kept = "".join(ch for ch in text
                   if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs"))
    return kept.replace("\r", "").strip()


def cleaned_within(text: str | None, limit: int, empty: str) -> tuple[str, str | None]:
    """The cleaned text and what is wrong with it for the person (``empty`` when there are no
    words; too long over ``limit``), or None when it is fine."""
    cleaned = clean_text(text or "")
    if not cleaned:
        return cleaned, empty
    if len(cleaned) > limit:
        return cleaned, (f"That is {len(cleaned):,} characters; the limit is {limit:,}. "
                         "Shorten it a little.")
    return cleaned, None


def check_text(text: str | None) -> str:
    """The cleaned text, or InvalidReflection saying what is wrong with it."""
    cleaned, problem = cleaned_within(text, TEXT_MAX, "Write a few words about what happened.")
    if problem:
        raise InvalidReflection(problem)
    return cleaned


@dataclass(frozen=True)
class Request:
    """What someone asked of ``/reflect``: a subcommand, a quick reflection, or the form."""

    action: str  # "open", "quick", "history", "stats", "forget", "help", "unknown"
    text: str = ""
    choice: str | None = None


def parse_request(text: str) -> Request:
    """Read the words after ``/reflect``.

    Nothing opens the form; a known subcommand runs it; a single unknown word gets the help
    (it is most likely a mistyped subcommand); anything longer is a quick reflection, whose
    choice is read from a leading ``follow:``, ``take:`` or ``pass:``.
    """
    stripped = clean_text(text or "")
    if not stripped:
        return Request("open")
    word = stripped.lower()
    if word in SUBCOMMANDS:
        return Request(word)
    match = _PREFIX.match(stripped)
    if match:
        return Request("quick", stripped[match.end():].strip(),
                       _PREFIX_CHOICE[match.group(1).lower()])
    if len(stripped.split()) == 1:
        return Request("unknown", stripped)
    return Request("quick", stripped)


@dataclass(frozen=True)
class Draft:
    """A reflection as written in the form or the command, before it is stored."""

    text: str
    choice: str | None = None
    theme: str | None = None
    shared: bool = False
    named: bool = False  # shared with the author's name (what the form said when sharing)

    def checked(self, themes: set[str]) -> Draft:
        """This draft cleaned, or InvalidReflection."""
        if self.choice is not None and self.choice not in CHOICES:
            raise InvalidReflection(f"Unknown choice {self.choice!r}.", "choice")
        if self.theme is not None and self.theme not in themes:
            raise InvalidReflection("That theme is no longer in the library; pick another.",
                                    "theme")
        return Draft(check_text(self.text), self.choice, self.theme, bool(self.shared),
                     bool(self.shared and self.named))


def save(store: Store, clock: Clock, user: str, draft: Draft, *, themes: set[str],
         channel: str | None = None, source: str = "modal",
         follow_up_id: int | None = None) -> int:
    """Check and store a new reflection (linked to a follow-up when it answers one)."""
    good = draft.checked(themes)
    return store.record_reflection(user=user, text=good.text, at=clock.now(), channel=channel,
                                   choice=good.choice, theme=good.theme,
                                   shared=good.shared, source=source,
                                   follow_up_id=follow_up_id, named=good.named)


def amend(store: Store, clock: Clock, user: str, reflection_id: int, draft: Draft, *,
          themes: set[str]) -> bool:
    """Replace a quick reflection with the fuller version from the form; False if it is gone."""
    good = draft.checked(themes)
    return store.update_reflection(reflection_id, user, text=good.text, choice=good.choice,
                                   theme=good.theme, shared=good.shared, at=clock.now(),
                                   named=good.named)


def submit(store: Store, clock: Clock, user: str, form: dict, draft: Draft, *,
           themes: set[str]) -> bool:
    """Save a submitted form once: the fuller version of the quick reflection it was opened
    for, else a new one; False when the form was already saved (sent twice)."""
    with store.batch():
        if not store.close_modal(form["view_id"], clock.now()):
            return False
        amended = form["reflection_id"] is not None and amend(
            store, clock, user, form["reflection_id"], draft, themes=themes)
        if not amended:  # a new reflection, or its quick version was forgotten meanwhile
            save(store, clock, user, draft, themes=themes, channel=form["channel"],
                 follow_up_id=form["follow_up_id"])
    return True


def save_quick(store: Store, clock: Clock, user: str, draft: Draft, *, themes: set[str],
               channel: str | None) -> dict:
    """Check and store ``/reflect some text``; the stored reflection."""
    reflection_id = save(store, clock, user, draft, themes=themes, channel=channel,
                         source="quick")
    return store.reflection(reflection_id) or {"id": reflection_id}


def mine(store: Store, user: str, reflection_id: str) -> dict | None:
    """``user``'s reflection with this id (as a button carries it), else None."""
    row = store.reflection(int(reflection_id)) if reflection_id.isdigit() else None
    return row if row is not None and row["user"] == user else None


@dataclass(frozen=True)
class History:
    """What ``/reflect history`` shows: someone's last reflections, how their recent "take"s
    went, and the leadership they saw and were seen in."""

    reflections: list[dict]
    follow_ups: list[dict]
    seen_by: list[dict]
    seen_about: list[dict]


def history(store: Store, user: str, limit: int = 10) -> History:
    """``user``'s history, newest first."""
    return History(store.reflections_of(user, limit), store.follow_ups_of(user, 5),
                   store.sightings_by(user, 5), store.sightings_about(user, 5))


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def weekly_streak(times: list[datetime], tz: ZoneInfo, now: datetime) -> int:
    """Weeks in a row (Monday to Sunday, in ``tz``) with at least one answer or reflection.

    This week counts once it has one; until then the streak runs to last week, so it is not
    broken on a Monday morning.
    """
    weeks = {week_start(t.astimezone(tz).date()) for t in times}
    current = week_start(now.astimezone(tz).date())
    if current not in weeks:
        current -= timedelta(weeks=1)
    streak = 0
    while current in weeks:
        streak += 1
        current -= timedelta(weeks=1)
    return streak


def personal_stats(store: Store, user: str, tz: ZoneInfo, now: datetime) -> Stats:
    """Counts by choice (prompts answered, reflections) and theme, and the weekly streak."""
    choices = Counter(row["choice"] for row in store.choices_of(user))
    reflections = store.reflections_of(user)
    by_choice = Counter(r["choice"] for r in reflections if r["choice"])
    themes = Counter(r["theme"] for r in reflections if r["theme"])
    times = [from_iso(t) for t in store.answer_times(user)]
    return Stats(choices={c: choices.get(c, 0) for c in CHOICES}, reflections=len(reflections),
                 reflection_choices={c: by_choice.get(c, 0) for c in CHOICES},
                 themes=themes.most_common(), streak=weekly_streak(times, tz, now))
