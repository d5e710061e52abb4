"""One person's Home tab, gathered as plain values: the refrain, their next prompts, their
recent choices, reflections and sightings, their streak and their settings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.channels import Channels
from bot.clock import from_iso
from bot.config import Config
from bot.messages.home import HOME_ITEMS, HomeData
from bot.services.admin import next_run
from bot.services.reflections import weekly_streak
from bot.store import Store

FOLLOW_UPS = 20  # how many of their recent follow-ups are matched to their choices
SIGHTINGS = 3  # sightings shown each way (by them, about them)


def gather(store: Store, config: Config, channels: Channels, user: str, now: datetime, *,
           user_tz: ZoneInfo, members: Callable[[str], frozenset[str]]) -> HomeData:
    """``user``'s Home tab data; ``members`` says who is in a channel (the next prompts listed
    are those of the channels they are in)."""
    upcoming = []
    for channel, channel_id in channels.resolved():
        if user not in members(channel_id):
            continue
        at = next_run(channel, "prompt", now)
        if at is not None:
            upcoming.append((channel_id, at))
    times = [from_iso(t) for t in store.answer_times(user)]
    refrain = config.library.refrain
    return HomeData(
        refrain=refrain.text, attribution=refrain.attribution,
        reflections=store.reflections_of(user, HOME_ITEMS),
        choices=store.choices_of(user, HOME_ITEMS),
        streak=weekly_streak(times, config.timezone, now),
        upcoming=sorted(upcoming, key=lambda item: item[1]),
        follow_ups=store.follow_ups_of(user, FOLLOW_UPS),
        settings=store.person_settings(user), now=now, user_tz=user_tz,
        seen_by=store.sightings_by(user, SIGHTINGS),
        seen_about=store.sightings_about(user, SIGHTINGS))
