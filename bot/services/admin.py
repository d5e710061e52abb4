"""What `/leadbot` tells the workspace's leadbot admins, and how it reads a channel argument."""

from __future__ import annotations

import re
from datetime import datetime, tzinfo
from functools import lru_cache

from bot import __version__
from bot.channels import Channels
from bot.config import Channel, Config
from bot.cron import parse_cron
from bot.messages.admin import ChannelStatus
from bot.store import Store
from bot.words import plural

_CHANNEL_MENTION = re.compile(r"^<#([CGD][A-Z0-9]+)(?:\|[^>]*)?>$")
POST_KINDS = ("prompt", "nudge", "digest")


def is_admin(config: Config, user: str) -> bool:
    """Whether ``user`` is listed under ``admins`` in the configuration."""
    return user in config.admins


def next_run(channel: Channel, kind: str, now: datetime) -> datetime | None:
    """When ``channel`` next posts ``kind`` (in the channel's timezone), or None."""
    cron = channel.schedules().get(kind)
    if not cron:
        return None
    return _next_fire(cron, channel.tz, now)


@lru_cache(maxsize=1024)
def _next_fire(cron: str, tz: tzinfo, now: datetime) -> datetime | None:
    # thousands of channels share a few schedules: `check-config` asks once for each
    return parse_cron(cron, tz).get_next_fire_time(None, now)


def find_channel(config: Config, channels: Channels, arg: str) -> Channel | None:
    """The configured channel named by ``arg``: a Slack mention (``<#C123|team>``), an ID, or
    ``#name`` as written in the configuration."""
    arg = arg.strip()
    match = _CHANNEL_MENTION.match(arg)
    wanted = match.group(1) if match else arg
    for channel in config.channels:
        if wanted in (channel.channel, channels.id_of(channel.channel)):
            return channel
        if not match and channel.channel.startswith("#") and wanted.lstrip("#") == \
                channel.channel.lstrip("#"):
            return channel
    return None


def status(config: Config, store: Store, channels: Channels, now: datetime,
           inbox_pending: int = 0) -> tuple[str, list[ChannelStatus]]:
    """A headline and each channel's next runs, last post and failures."""
    rows = []
    for channel in config.channels:
        channel_id = channels.id_of(channel.channel)
        posts = store.posts(channel_id) if channel_id else []
        done = [p for p in posts if p["status"] in ("posted", "failed", "skipped")]
        last = max(done, key=lambda p: p.get("posted_at") or p["claimed_at"], default=None)
        rows.append(ChannelStatus(
            ref=channel.channel, channel_id=channel_id,
            next_runs={kind: next_run(channel, kind, now) for kind in channel.schedules()},
            last_post=last, failed=sum(1 for p in posts if p["status"] == "failed")))
    reachable = sum(1 for row in rows if row.channel_id)
    headline = (f"leadbot {__version__}: {reachable} of "
                f"{plural(len(rows), 'configured channel')} reachable; "
                f"{plural(inbox_pending, 'answer')} waiting to be recorded.")
    return headline, rows
