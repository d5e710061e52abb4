"""The Home tab: gather one person's data and publish it (run by the inbox worker)."""

from __future__ import annotations

import logging
import time

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clock import from_iso
from bot.services.admin import next_run
from bot.services.reflections import weekly_streak
from bot.slack.deps import Deps
from bot.slack.reflect_blocks import HOME_ITEMS, home_view, sightings_section
from bot.slack.settings_blocks import settings_blocks

log = logging.getLogger(__name__)
MEMBERS_TTL = 600.0  # seconds a channel's member list is trusted for the Home tab


def channel_members(deps: Deps, client: WebClient, channel_id: str) -> frozenset[str]:
    """The channel's members (cached); empty when Slack will not say."""
    now = time.monotonic()
    with deps.lock:
        cached = deps.members.get(channel_id)
    if cached and now - cached[0] < MEMBERS_TTL:
        return cached[1]
    members: set[str] = set()
    try:
        for page in client.conversations_members(channel=channel_id, limit=1000):
            members.update(page.get("members") or [])
    except SlackApiError as exc:
        log.warning("cannot list the members of %s (%s)", channel_id,
                    exc.response.get("error"))
        return frozenset()
    found = frozenset(members)
    with deps.lock:
        deps.members[channel_id] = (now, found)
    return found


def build_home(deps: Deps, client: WebClient, user: str) -> dict:
    """``user``'s Home tab as a view."""
    store, config, now = deps.store, deps.config, deps.clock.now()
    upcoming = []
    for channel, channel_id in deps.channels.resolved():
        if user not in channel_members(deps, client, channel_id):
            continue
        at = next_run(channel, "prompt", now)
        if at is not None:
            upcoming.append((channel_id, at))
    times = [from_iso(t) for t in store.answer_times(user)]
    refrain = config.library.refrain
    return home_view(refrain=refrain.text, attribution=refrain.attribution,
                     reflections=store.reflections_of(user, HOME_ITEMS),
                     choices=store.choices_of(user, HOME_ITEMS),
                     streak=weekly_streak(times, config.timezone, now),
                     upcoming=sorted(upcoming, key=lambda item: item[1]),
                     themes=deps.themes(), tz=config.timezone,
                     follow_ups=store.follow_ups_of(user, 20),
                     settings=settings_blocks(store.person_settings(user), now,
                                              deps.user_tz(user)),
                     sightings=sightings_section(store.sightings_by(user, 3),
                                                 store.sightings_about(user, 3),
                                                 config.timezone))


def publish_home(deps: Deps, client: WebClient, user: str) -> None:
    """Publish ``user``'s Home tab."""
    client.views_publish(user_id=user, view=build_home(deps, client, user))
