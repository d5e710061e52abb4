"""The weekly digest as people read it: the Digest (plain numbers a service counted) in, the
message's blocks, its notification text and the chart's alt text out."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo

from bot.messages import ids
from bot.messages.kit import (
    HEADER_TEXT_MAX,
    Block,
    clip,
    context,
    escape,
    plain,
    quote,
    section,
)

CHOICES = tuple(ids.CHOICE_LABELS)  # follow, take, pass: in the order people read them
SHARED_TEXT_MAX = 700  # a shared reflection is quoted, not printed in full
CHOICE_PAST = {"follow": "followed", "take": "took the lead", "pass": "let it go"}
MINUS = "\N{MINUS SIGN}"

QUIET_WEEK = (
    "*A quiet week: no answers yet.*\n"
    "The refrain still stands: follow good leadership when you see it, take the lead when you "
    "don't, or let it go without complaint. Each choice is yours."
)
QUIET_INVITATION = (
    "One small thing to try, if you wish: notice one moment this week when someone led well, "
    "from any seat, and tell them what you saw."
)
PRIVACY_NOTE = (
    ":lock: Nothing private is shown here: counts only, never who chose what, and reflections "
    "only when their author shared them. `/reflect` keeps your own notes."
)


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


def change(now: int, before: int) -> str:
    """A number's change since last week: ``+2``, ``−1`` or ``=``."""
    if now == before:
        return "="
    return f"+{now - before}" if now > before else f"{MINUS}{before - now}"


def _with_change(now: int, before: int, what: str) -> str:
    return f"{now} {what} ({change(now, before)})"


def _post_line(kind: str, theme: str | None) -> str:
    if kind == "prompt":
        return "• The refrain: follow, take or pass"
    if theme:
        return f"• Nudge: _{escape(theme)}_"
    return "• A nudge no longer in the prompt library"


def _shared_section(item: SharedReflection, index: int) -> Block:
    meta = [f"<@{item.author}>" if item.author else "shared anonymously"]
    if item.choice in CHOICE_PAST:
        meta.append(CHOICE_PAST[item.choice])
    if item.theme:
        meta.append(f"_{escape(item.theme)}_")
    text = quote(clip(escape(item.text), SHARED_TEXT_MAX)) + "\n— " + " · ".join(meta)
    return section(text, f"leadbot_digest_shared_{index}")


def _seen(digest: Digest) -> list[Block]:
    """"Leadership we saw this week": whom, what, and who saw it unless they chose not to say."""
    if not digest.seen:
        return []
    items = []
    for item in digest.seen:
        by = f"seen by <@{item.seer}>" if item.seer else "seen by a teammate"
        theme = f" · _{escape(item.theme)}_" if item.theme else ""
        items.append(f"<@{item.about}>, {by}{theme}\n{quote(clip(escape(item.text), 500))}")
    return [section("*Leadership we saw this week*\n" + "\n".join(items),
                     "leadbot_digest_seen")]


def _themes(digest: Digest) -> list[Block]:
    if not digest.top_themes:
        return []
    lines = [f"{i}. {escape(name)} ({n})" for i, (name, n) in enumerate(digest.top_themes, 1)]
    return [section("*Themes answered most*\n" + "\n".join(lines), "leadbot_digest_themes")]


def digest_blocks(digest: Digest, tz: tzinfo) -> list[Block]:
    """The weekly digest message; a short, encouraging one for a week without answers."""
    when = date_range(digest.week_start, digest.week_end, tz)
    blocks: list[Block] = [{"type": "header", "block_id": "leadbot_digest_header",
                            "text": plain(f"Weekly digest: {when}", HEADER_TEXT_MAX)}]
    if digest.empty:
        blocks.append(section(f"{QUIET_WEEK}\n\n{QUIET_INVITATION}", "leadbot_digest_quiet"))
        return blocks
    if digest.posts:
        # each line once, with how often: the refrain four times is one line, "× 4"
        counted = Counter(_post_line(kind, theme) for kind, _text, theme in digest.posts)
        lines = [line if n == 1 else f"{line} × {n}" for line, n in counted.items()]
        blocks.append(section("*Posted this week*\n" + "\n".join(lines),
                               "leadbot_digest_posts"))
    if digest.hidden_below:
        blocks.append(section(
            f"*How the team answered*\nFewer than {digest.hidden_below} people answered this "
            "week, so the choice counts and shared reflections stay hidden: in a small group, "
            "numbers can tell who chose what.", "leadbot_digest_counts"))
        return [*blocks, *_themes(digest), *_seen(digest),
                context(PRIVACY_NOTE, "leadbot_digest_privacy")]
    c, last = digest.counts, digest.last_counts
    if digest.last_hidden and digest.last_people:
        choices = " · ".join(f"{c.get(k, 0)} {k}" for k in ("follow", "take", "pass"))
        choices += " (too few answered last week to compare)"
    else:
        choices = " · ".join(_with_change(c.get(k, 0), last.get(k, 0), k)
                             for k in ("follow", "take", "pass"))
    replies = _with_change(digest.replies, digest.last_replies,
                           "reply" if digest.replies == 1 else "replies")
    people = _with_change(digest.people, digest.last_people,
                          "person" if digest.people == 1 else "people")
    blocks.append(section(f"*How the team answered* (change since last week)\n{choices}\n"
                           f"{replies} in threads · {people} took part",
                           "leadbot_digest_counts"))
    blocks.extend(_themes(digest))
    if digest.shared:
        blocks.append(section("*Reflections shared with the team*", "leadbot_digest_shared"))
        blocks.extend(_shared_section(item, i) for i, item in enumerate(digest.shared[:3]))
    blocks.extend(_seen(digest))
    blocks.append(context(PRIVACY_NOTE, "leadbot_digest_privacy"))
    return blocks
