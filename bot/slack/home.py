"""The Home tab: who is in each channel (cached), and publishing one person's tab (run by the
inbox worker); what it shows is gathered by ``bot.services.home``."""

from __future__ import annotations

import logging
import time

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.messages.home import home_tab
from bot.services import home
from bot.slack.deps import Deps

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
    data = home.gather(deps.store, deps.config, deps.channels, user, deps.clock.now(),
                       user_tz=deps.user_tz(user),
                       members=lambda channel_id: channel_members(deps, client, channel_id))
    return home_tab(data, deps.themes(), deps.config.timezone)


def publish_home(deps: Deps, client: WebClient, user: str) -> None:
    """Publish ``user``'s Home tab."""
    client.views_publish(user_id=user, view=build_home(deps, client, user))
