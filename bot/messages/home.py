"""The person's Home tab: their practice at a glance, from plain values a service gathered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.messages import ids
from bot.messages.kit import Block, View, context, day_text, escape, plain, quote, section
from bot.messages.reflect import reflection_section, streak_line
from bot.messages.settings import settings_blocks
from bot.messages.sightings import sightings_section

HOME_ITEMS = 5


@dataclass(frozen=True)
class HomeData:
    """Everything one person's Home tab shows, as plain values (``services.home`` gathers it)."""

    refrain: str
    attribution: str
    reflections: list[dict]
    choices: list[dict]
    streak: int
    upcoming: list[tuple[str, datetime]]  # (channel id, next prompt), soonest first
    follow_ups: list[dict]
    settings: dict
    now: datetime
    user_tz: ZoneInfo  # the person's own zone, for their settings
    seen_by: list[dict]  # sightings they recorded
    seen_about: list[dict]  # sightings about them


def home_tab(data: HomeData, themes: dict[str, str], tz: ZoneInfo) -> View:
    """The Home tab view of ``data`` (dates in ``tz``, settings in the person's own zone)."""
    return home_view(refrain=data.refrain, attribution=data.attribution,
                     reflections=data.reflections, choices=data.choices, streak=data.streak,
                     upcoming=data.upcoming, themes=themes, tz=tz, follow_ups=data.follow_ups,
                     settings=settings_blocks(data.settings, data.now, data.user_tz),
                     sightings=sightings_section(data.seen_by, data.seen_about, tz))


def home_view(*, reflections: list[dict], choices: list[dict], streak: int,
              upcoming: list[tuple[str, datetime]], themes: dict[str, str],
              tz: ZoneInfo, follow_ups: list[dict] | None = None,
              settings: list[Block] | None = None,
              sightings: list[Block] | None = None,
              refrain: str = "", attribution: str = "") -> View:
    """The person's Home tab: the refrain (the library's, with its attribution), what comes
    next, their recent choices and reflections."""
    quoted = f"{quote(escape(refrain))}\n— _{escape(attribution)}_\n\n" if refrain else ""
    blocks: list[Block] = [
        {"type": "header", "text": plain("Your leadership practice")},
        section(quoted + streak_line(streak)),
        {"type": "actions", "block_id": "leadbot_home_actions", "elements": [
            {"type": "button", "action_id": ids.OPEN_REFLECT_ACTION, "style": "primary",
             "text": plain("Write a reflection"), "value": "new",
             "accessibility_label": "Write a reflection in a form"}]},
        {"type": "divider"},
    ]
    if upcoming:
        lines = [f"• <#{channel}>: {at.strftime('%a %d %b, %H:%M %Z')}"
                 for channel, at in upcoming]
        blocks.append(section("*Next prompt in your channels*\n" + "\n".join(lines)))
    else:
        blocks.append(section("*Next prompt*\nNone of leadbot's channels has you as a member, "
                               "or none has a prompt scheduled."))
    blocks.append({"type": "divider"})
    outcomes = {row["post_id"]: row for row in follow_ups or []}
    if choices:
        lines = []
        for row in choices[:HOME_ITEMS]:
            line = (f"• {day_text(row['at'], tz)} · {ids.CHOICE_LABELS[row['choice']]} · "
                    f"<#{row['channel']}>")
            asked = outcomes.get(row.get("post_id")) if row["choice"] == "take" else None
            if asked:
                line += " · how it went: " + ids.FOLLOW_UP_OUTCOMES.get(
                    asked.get("outcome") or "", "not answered yet")
            lines.append(line)
        blocks.append(section("*Your recent choices*\n" + "\n".join(lines)))
    else:
        blocks.append(section("*Your recent choices*\nNone yet: the buttons under each prompt "
                               "record one."))
    blocks.append({"type": "divider"})
    if reflections:
        blocks.append(section("*Your recent reflections*"))
        blocks.extend(reflection_section(row, themes, tz, 300)
                      for row in reflections[:HOME_ITEMS])
    else:
        blocks.append(section("*Your recent reflections*\nNone yet. A reflection is a few "
                               "words on what you followed, took or let go, and what you "
                               "learned."))
    if sightings:
        blocks.append({"type": "divider"})
        blocks.extend(sightings)
    if settings:
        blocks.append({"type": "divider"})
        blocks.extend(settings)
    blocks.append(context("Only you see this page. `/reflect help` lists what you can do; "
                           "`/reflect forget` deletes everything leadbot keeps about you."))
    return {"type": "home", "blocks": blocks}
