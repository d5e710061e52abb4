"""Quiet channels: when a channel's last prompts got no answer at all, tell the admins once,
with the numbers, instead of going on silently; say it again only after an answered prompt."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.channels import Channels
from bot.clock import Clock, from_iso
from bot.config import Config
from bot.messages.admin import quiet_text
from bot.store import Store

log = logging.getLogger(__name__)
SETTLE = timedelta(days=1)  # a prompt gets a day for answers before it counts as unanswered
KIND = "quiet"


class QuietWatch:
    """Checks every channel; ``run`` is an every-minute job (cheap: a few indexed queries)."""

    def __init__(self, config: Config, store: Store, clock: Clock, channels: Channels):
        self.config, self.store, self.clock = config, store, clock
        self.channels = channels

    def run(self) -> list[str]:
        """Queue an alert for each newly quiet channel; return their IDs."""
        alerted = []
        limit = self.config.quiet_after
        if limit <= 0:
            return alerted
        now = self.clock.now()
        for channel, channel_id in self.channels.resolved():
            if not channel.prompt:
                continue
            prompts = self.store.recent_prompts(channel_id, limit, now - SETTLE)
            quiet = len(prompts) == limit and all(p["answers"] == 0 for p in prompts)
            if not quiet:
                self.store.clear_alert(channel_id, KIND)
                continue
            if not self.store.set_alert(channel_id, KIND, prompts[0]["id"], now):
                continue  # already said
            if not self.config.admins:
                log.warning("%s has gone quiet (%d unanswered prompts), and no admins are "
                            "configured to tell", channel.channel, limit)
                continue
            dates = [from_iso(p["posted_at"]).astimezone(channel.tz).strftime("%a %d %b")
                     for p in reversed(prompts)]
            text = quiet_text(channel.channel, channel_id, dates)
            for admin in self.config.admins:
                self.store.queue_dm(admin, "quiet_channel", text, None, now)
            log.info("%s has gone quiet; told %d admin(s)", channel.channel,
                     len(self.config.admins))
            alerted.append(channel_id)
        return alerted
