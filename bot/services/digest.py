"""The weekly digest of one channel, as plain data: what was posted, how people answered compared
with the week before, the themes they answered most, and the reflections they chose to share.

Only counts and shared reflections leave the store: who chose what is never part of a digest.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo

from bot.library import Library
from bot.store import CHOICES, Store

WEEK = timedelta(days=7)
WEEKS_CHARTED = 8
SHARED_MAX = 3
SEEN_MAX = 5
TOP_THEMES = 3


@dataclass(frozen=True)
class SharedReflection:
    """A reflection its author shared with the team; ``author`` only when they shared it with
    their name (fixed when they shared it, whatever the channel's show_names is today)."""

    text: str
    choice: str | None
    theme: str | None
    author: str | None = None


@dataclass(frozen=True)
class Seen:
    """Leadership someone saw: whom, what, the theme, and who saw it (None: anonymous)."""

    about: str
    text: str
    theme: str | None
    seer: str | None


@dataclass(frozen=True)
class Digest:
    """One channel's week [week_start, week_end) and the week before it, in numbers."""

    channel: str
    week_start: datetime
    week_end: datetime
    posts: list[tuple[str, str, str | None]]  # (kind, text posted, theme name or None)
    counts: dict[str, int]
    last_counts: dict[str, int]
    replies: int
    last_replies: int
    people: int
    last_people: int
    top_themes: list[tuple[str, int]]  # (theme name, answers), most answered first
    shared: list[SharedReflection]
    weeks: list[tuple[date, dict[str, int]]]  # (week's first day, counts), oldest first
    reflections: int = 0  # this week's reflections in the channel, shared or not
    hidden_below: int | None = None  # min_group_size, when fewer answered and counts are hidden
    last_hidden: bool = False  # last week had too few people to show (or compare) its counts
    seen: list[Seen] = field(default_factory=list)  # "Leadership we saw this week"

    @property
    def empty(self) -> bool:
        """True when nobody chose, replied, reflected or recorded a sighting this week."""
        return (not any(self.counts.values()) and not self.replies and not self.reflections
                and not self.seen)


def build_digest(store: Store, library: Library, channel_id: str, end: datetime, tz: tzinfo,
                 min_group_size: int = 1) -> Digest:
    """The digest of the week before ``end`` (``end`` excluded) in ``channel_id``.

    With fewer than ``min_group_size`` people answering, a week's choice counts and shared
    reflections are left out (in the chart too), so small groups stay anonymous.
    """
    if end.tzinfo is None:
        raise ValueError("build_digest needs a timezone-aware end")
    end = end.astimezone(tz)  # weeks are counted on the team's calendar, across DST changes
    start, last_start = end - WEEK, end - 2 * WEEK
    themes = _theme_counts(store, library, channel_id, start, end)
    shared = [
        SharedReflection(text=row["text"], choice=row["choice"],
                         theme=_theme_name(library, row["behavior"]),
                         author=row["user"] if row["shared_named"] else None)
        for row in store.digest_shared_reflections(channel_id, start, end, SHARED_MAX)
    ]
    people = store.digest_people_count(channel_id, start, end)
    last_people = store.digest_people_count(channel_id, last_start, start)
    hide = people < min_group_size
    zero = dict.fromkeys(CHOICES, 0)
    weeks = []
    for week_start, counts in store.digest_weekly_choice_counts(channel_id, end, WEEKS_CHARTED):
        few = store.digest_people_count(channel_id, week_start, week_start + WEEK)
        weeks.append((week_start.astimezone(tz).date(),
                      counts if few >= min_group_size else dict(zero)))
    last_counts = store.digest_choice_counts(channel_id, last_start, start)
    return Digest(
        channel=channel_id,
        week_start=start,
        week_end=end,
        posts=[(row["kind"], row["text"] or "", _nudge_theme(library, row["nudge_id"]))
               for row in store.digest_posts(channel_id, start, end)],
        counts=store.digest_choice_counts(channel_id, start, end),
        last_counts=dict(zero) if last_people < min_group_size else last_counts,
        replies=store.digest_reply_count(channel_id, start, end),
        last_replies=store.digest_reply_count(channel_id, last_start, start),
        people=people,
        last_people=last_people,
        top_themes=themes,
        shared=[] if hide else shared,
        weeks=weeks,
        reflections=store.digest_reflection_count(channel_id, start, end),
        hidden_below=min_group_size if hide else None,
        last_hidden=last_people < min_group_size,
        seen=[Seen(about=row["about"], text=row["text"],
                   theme=_theme_name(library, row["behavior"]),
                   seer=None if row["anonymous"] else row["seer"])
              for row in store.digest_sightings(channel_id, start, end, SEEN_MAX)],
    )


def _theme_name(library: Library, behavior: str | None) -> str | None:
    found = library.behaviors.get(behavior) if behavior else None
    return found.name if found else None


def _nudge_theme(library: Library, nudge_id: str | None) -> str | None:
    nudge = library.nudge(nudge_id) if nudge_id else None
    return _theme_name(library, nudge.behavior) if nudge else None


def _theme_counts(store: Store, library: Library, channel_id: str, start: datetime,
                  end: datetime) -> list[tuple[str, int]]:
    """Answers on each theme's nudges plus reflections naming it; themes no longer in the
    library are left out."""
    by_behavior: Counter[str] = Counter()
    for nudge_id, n in store.digest_nudge_answer_counts(channel_id, start, end).items():
        nudge = library.nudge(nudge_id)
        if nudge is not None:
            by_behavior[nudge.behavior] += n
    for behavior, n in store.digest_reflection_theme_counts(channel_id, start, end).items():
        by_behavior[behavior] += n
    named = [(library.behaviors[b].name, n) for b, n in by_behavior.items()
             if b in library.behaviors]
    return sorted(named, key=lambda item: (-item[1], item[0]))[:TOP_THEMES]


def day_label(day: date) -> str:
    """``5 Oct``."""
    return f"{day.day} {day:%b}"


def date_range(start: datetime, end: datetime, tz: tzinfo) -> str:
    """The days of [start, end) in ``tz``: ``2–9 Oct 2026``, ``28 Sep – 5 Oct 2026``."""
    first = start.astimezone(tz).date()
    last = (end.astimezone(tz) - timedelta(microseconds=1)).date()
    if first.year != last.year:
        return f"{day_label(first)} {first.year} – {day_label(last)} {last.year}"
    if first.month != last.month:
        return f"{day_label(first)} – {day_label(last)} {last.year}"
    return f"{first.day}–{day_label(last)} {last.year}"


def _counts_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{counts.get(choice, 0)} {choice}" for choice in CHOICES)


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def chart_alt_text(digest: Digest) -> str:
    """What the weekly chart shows, in words and numbers, for people who cannot see it."""
    weeks = "; ".join(f"week of {day_label(day)}: {_counts_text(counts)}"
                      for day, counts in digest.weeks)
    if digest.hidden_below:
        weeks += (f" (weeks where fewer than {digest.hidden_below} people answered are "
                  "shown as zero)")
    span = _plural(len(digest.weeks), "week", "weeks")
    return f"Answers per week for the last {span}, by choice: {weeks}."


def digest_fallback_text(digest: Digest) -> str:
    """The notification text: the week and its main numbers."""
    when = date_range(digest.week_start, digest.week_end, digest.week_end.tzinfo)
    if digest.empty:
        return f"Weekly digest, {when}: a quiet week, no answers yet."
    if digest.hidden_below:
        return (f"Weekly digest, {when}: fewer than {digest.hidden_below} people answered, "
                "so the counts stay hidden.")
    return (f"Weekly digest, {when}: {_counts_text(digest.counts)}; "
            f"{_plural(digest.replies, 'reply', 'replies')}; "
            f"{_plural(digest.people, 'person', 'people')} took part.")
