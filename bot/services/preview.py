"""What each channel will post next, and when, without posting or writing anything."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.config import Channel, Config
from bot.cron import occurrences, parse_cron
from bot.library import pick_next, rotation_order
from bot.services.content import nudge_content, prompt_content
from bot.store import Store

DIGEST_PREVIEW = ("Weekly digest: this week's prompt and nudges, follow / take / pass and "
                  "replies against last week, people who answered, top themes, up to 3 "
                  "reflections shared by their authors, and a chart of the last 8 weeks")


@dataclass(frozen=True)
class PlannedPost:
    """One future post."""

    channel: str
    kind: str
    at: datetime  # aware, in the channel's timezone
    text: str
    nudge_id: str | None = None
    skipped: str | None = None  # why nothing will be posted then (holiday, skip_dates...)


def preview(config: Config, store: Store, now: datetime, days: int) -> list[PlannedPost]:
    """Every post due in the next ``days`` days, in time order, from the real rotation state."""
    if days < 1:
        raise ValueError("days must be at least 1")
    end = now + timedelta(days=days)
    planned: list[PlannedPost] = []
    for channel in config.channels:
        planned.extend(_channel_plan(config, store, channel, now, end))
    return sorted(planned, key=lambda p: (p.at, p.channel, p.kind))


def _channel_plan(config: Config, store: Store, channel: Channel, now: datetime,
                  end: datetime) -> list[PlannedPost]:
    out: list[PlannedPost] = []
    times = {
        kind: occurrences(parse_cron(cron, channel.tz), now, end)
        for kind, cron in channel.schedules().items()
    }
    key = store.channel_for_ref(channel.channel) or channel.channel  # #names: last resolved ID
    prompt_index = store.count_posts(key, "prompt")
    skipped = {at: why for ats in times.values() for at in ats
               if (why := channel.calendar.why_off(at.astimezone(channel.tz).date()))}
    for at in times.get("prompt", []):
        if at in skipped:
            out.append(PlannedPost(channel.channel, "prompt", at, "", skipped=skipped[at]))
            continue
        content = prompt_content(config.library, prompt_index)
        prompt_index += 1
        out.append(PlannedPost(channel.channel, "prompt", at, content.fallback_text()))
    cycle, used = store.rotation_state(key)
    used = set(used)
    order = rotation_order(config.library, channel.themes, key)
    for at in times.get("nudge", []):
        if at in skipped:
            out.append(PlannedPost(channel.channel, "nudge", at, "", skipped=skipped[at]))
            continue
        pick = pick_next(order, cycle, used)
        if pick.cycle != cycle:
            cycle, used = pick.cycle, set()
        used.add(pick.nudge.id)
        content = nudge_content(config.library, pick.nudge)
        out.append(PlannedPost(channel.channel, "nudge", at, content.fallback_text(),
                               pick.nudge.id))
    for at in times.get("digest", []):
        out.append(PlannedPost(channel.channel, "digest", at, DIGEST_PREVIEW,
                               skipped=skipped.get(at)))
    return out
