"""One-line human summaries of configured channels."""

from __future__ import annotations

from datetime import datetime

from bot.config import Channel, Config
from bot.services.admin import next_run
from bot.words import plural


def channel_summary(config: Config, channel: Channel, now: datetime) -> str:
    """``C0123 (Europe/London): prompt "0 9 * * MON" next Mon 30 Nov 09:00 GMT; ...``."""
    parts = []
    for kind, cron in channel.schedules().items():
        nxt = next_run(channel, kind, now)
        when = nxt.strftime("%a %d %b %H:%M %Z") if nxt else "never"
        parts.append(f'{kind} "{cron}" next {when}')
    themes = channel.themes or tuple(config.library.themes)
    nudges = len(config.library.nudges_for(themes))
    return (f"{channel.channel} ({channel.tz.key}): " + "; ".join(parts)
            + f"; {plural(len(themes), 'theme')}, {plural(nudges, 'nudge')}")
