"""Resolve the configured channels to Slack IDs and make sure the bot can post in them."""

from __future__ import annotations

import logging
from collections.abc import Collection

from bot.clock import Clock
from bot.config import Config
from bot.services.ports import Slack, SlackFailure
from bot.store import Store

log = logging.getLogger(__name__)


def resolve_channels(slack: Slack, config: Config, store: Store, clock: Clock,
                     only: str | Collection[str] | None = None) -> dict[str, str]:
    """Map each config ref (ID or #name) to a channel ID the bot can post in; warn otherwise.

    ``only``: just this ref, or these refs (a reload resolves the channels it adds)."""
    refs = {only} if isinstance(only, str) else only
    wanted = [c for c in config.channels if refs is None or c.channel in refs]
    by_name: dict[str, dict] = {}
    if any(c.channel.startswith("#") for c in wanted):
        try:
            by_name = {channel["name"]: channel for channel in slack.channels()}
        except SlackFailure as exc:
            if not exc.answered:
                raise
            log.warning("cannot list channels to resolve #names (%s): add the channels:read and "
                        "groups:read scopes, or use channel IDs in the config", exc.error)
    out: dict[str, str] = {}
    for channel in wanted:
        ref = channel.channel
        if ref.startswith("#"):
            match = by_name.get(ref[1:])
            if match is None:
                log.warning("%s not found: check the name; a private channel is visible only "
                            "after you invite the bot (/invite @leadbot)", ref)
                continue
            channel_id = match["id"]
        else:
            channel_id = ref
        if _ensure_member(slack, ref, channel_id):
            out[ref] = channel_id
            store.save_channel_ref(ref, channel_id, ref.lstrip("#") if ref.startswith("#")
                                   else None, clock.now())
    return out


def _ensure_member(slack: Slack, ref: str, channel_id: str) -> bool:
    """True when the bot can post in the channel (joining a public one if needed)."""
    try:
        info = slack.channel(channel_id)
    except SlackFailure as exc:
        if not exc.answered:
            raise
        error = exc.error
        if error == "channel_not_found":
            log.warning("%s: channel not found; check the ID, or invite the bot if it is "
                        "private (/invite @leadbot)", ref)
        else:
            log.warning("%s: cannot read the channel (%s)", ref, error)
        return False
    if info.get("is_archived"):
        log.warning("%s is archived: nothing will be posted there", ref)
        return False
    if info.get("is_member"):
        return True
    if info.get("is_private"):
        log.warning("%s is private and the bot is not in it: invite it with /invite @leadbot; "
                    "posts there will fail until then", ref)
        return True
    try:
        slack.join(channel_id)
        log.info("joined %s", ref)
    except SlackFailure as exc:
        if not exc.answered:
            raise
        error = exc.error
        hint = ("add the channels:join scope and reinstall the app, or invite the bot "
                "(/invite @leadbot)") if error == "missing_scope" else "invite the bot"
        log.warning("%s: the bot is not a member and could not join (%s): %s", ref, error, hint)
    return True
