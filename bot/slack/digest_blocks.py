"""Pure Block Kit builders for the weekly digest: a Digest in, the message's blocks out."""

from __future__ import annotations

from collections import Counter
from datetime import tzinfo

from bot.services.digest import Digest, SharedReflection, date_range
from bot.slack.blocks import (
    HEADER_TEXT_MAX,
    Block,
    clip,
    context,
    escape,
    plain,
    quote,
    section,
)

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
