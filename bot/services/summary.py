"""One-line human summaries of configured channels."""

from __future__ import annotations

from datetime import datetime, tzinfo
from functools import lru_cache

from bot.config import Channel, Config
from bot.cron import parse_cron
from bot.words import plural


def channel_summary(config: Config, channel: Channel, now: datetime) -> str:
    """``C0123 (Europe/London): prompt "0 9 * * MON" next Mon 30 Nov 09:00 GMT; ...``."""
    parts = []
    for kind, cron in channel.schedules().items():
        nxt = _next_run(cron, channel.tz, now)
        when = nxt.strftime("%a %d %b %H:%M %Z") if nxt else "never"
        parts.append(f'{kind} "{cron}" next {when}')
    themes = channel.behaviors or tuple(config.library.behaviors)
    nudges = len(config.library.nudges_for(themes))
    return (f"{channel.channel} ({channel.tz.key}): " + "; ".join(parts)
            + f"; {plural(len(themes), 'theme')}, {plural(nudges, 'nudge')}")


@lru_cache(maxsize=1024)
def _next_run(cron: str, tz: tzinfo, now: datetime) -> datetime | None:
    # thousands of channels share a few schedules: `check-config` asks once for each
    return parse_cron(cron, tz).get_next_fire_time(None, now)
