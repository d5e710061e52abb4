"""The weekly digest of one channel, as plain data: what was posted, how people answered compared
with the week before, the themes they answered most, and the reflections they chose to share.

Only counts and shared reflections leave the store: who chose what is never part of a digest.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, tzinfo

from bot.library import Library
from bot.messages.digest import Digest, Seen, SharedReflection
from bot.store import CHOICES, Store

WEEK = timedelta(days=7)
WEEKS_CHARTED = 8
SHARED_MAX = 3
SEEN_MAX = 5
TOP_THEMES = 3


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
                         theme=_theme_name(library, row["theme"]),
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
                   theme=_theme_name(library, row["theme"]),
                   seer=None if row["anonymous"] else row["seer"])
              for row in store.digest_sightings(channel_id, start, end, SEEN_MAX)],
    )


def _theme_name(library: Library, theme: str | None) -> str | None:
    found = library.themes.get(theme) if theme else None
    return found.name if found else None


def _nudge_theme(library: Library, nudge_id: str | None) -> str | None:
    nudge = library.nudge(nudge_id) if nudge_id else None
    return _theme_name(library, nudge.theme) if nudge else None


def _theme_counts(store: Store, library: Library, channel_id: str, start: datetime,
                  end: datetime) -> list[tuple[str, int]]:
    """Answers on each theme's nudges plus reflections naming it; themes no longer in the
    library are left out."""
    by_theme: Counter[str] = Counter()
    for nudge_id, n in store.digest_nudge_answer_counts(channel_id, start, end).items():
        nudge = library.nudge(nudge_id)
        if nudge is not None:
            by_theme[nudge.theme] += n
    for theme, n in store.digest_reflection_theme_counts(channel_id, start, end).items():
        by_theme[theme] += n
    named = [(library.themes[b].name, n) for b, n in by_theme.items()
             if b in library.themes]
    return sorted(named, key=lambda item: (-item[1], item[0]))[:TOP_THEMES]
