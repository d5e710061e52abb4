"""What a configuration reload changes: a snapshot of what the running bot applies, and the
difference between two snapshots in words (for the log, ``/leadbot reload`` and
``leadbot check-config --diff``).

A snapshot is plain JSON, so the running bot can record the one it applied in the database and
the command line, which cannot ask the running process, can compare the file with it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.config import Channel, Config
from bot.cron import parse_cron

KINDS = ("prompt", "nudge", "digest")
# top-level settings worth naming when they change (the library's themes are listed apart)
SETTINGS = ("timezone", "admins", "library", "missed_run_grace_minutes", "concurrency",
            "retention_days", "quiet_after")
# channel settings other than the schedules
CHANNEL_SETTINGS = ("themes", "show_names", "follow_up_days", "min_group_size", "calendar")


def _channel_snapshot(channel: Channel) -> dict:
    return {"timezone": channel.tz.key, **{k: channel.schedules().get(k) for k in KINDS},
            "themes": list(channel.themes) if channel.themes else None,
            "show_names": channel.show_names, "follow_up_days": channel.follow_up_days,
            "min_group_size": channel.min_group_size,
            "calendar": _calendar(channel)}


def _calendar(channel: Channel) -> str:
    cal = channel.calendar
    start, end = (t.isoformat(timespec="minutes") for t in cal.hours)
    skip = ", ".join(d.isoformat() for d in sorted(cal.skip_dates)) or "none"
    return (f"days {sorted(cal.working_days)}, hours {start}-{end}, holidays "
            f"{cal.holidays or 'none'}, skip {skip}")


def snapshot(config: Config) -> dict:
    """What a configuration makes the bot do, as JSON-ready values."""
    return {"timezone": config.timezone.key, "admins": list(config.admins),
            "library": str(config.library_path),
            "missed_run_grace_minutes": int(config.missed_run_grace.total_seconds() // 60),
            "concurrency": config.concurrency, "retention_days": config.retention_days,
            "quiet_after": config.quiet_after,
            "themes": {key: theme.name for key, theme in config.library.themes.items()},
            "nudges": [nudge.id for nudge in config.library.nudges],
            # any edit to the library's words (the refrain, context lines, nudge texts)
            "library_digest": hashlib.sha256(
                config.library.model_dump_json().encode()).hexdigest()[:16],
            "channels": {c.channel: _channel_snapshot(c) for c in config.channels}}


@dataclass(frozen=True)
class ScheduleChange:
    """One channel's schedule of one kind: before and after (None: none)."""

    channel: str
    kind: str
    old: str | None
    old_tz: str | None
    new: str | None
    new_tz: str | None

    def next_run(self, now: datetime) -> datetime | None:
        """When the new schedule fires next (None when it is removed)."""
        if self.new is None or self.new_tz is None:
            return None
        return parse_cron(self.new, ZoneInfo(self.new_tz)).get_next_fire_time(None, now)


@dataclass(frozen=True)
class ConfigDiff:
    """Channels added and removed, schedules changed, themes and settings changed."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    schedules: tuple[ScheduleChange, ...] = ()
    themes_added: tuple[str, ...] = ()
    themes_removed: tuple[str, ...] = ()
    nudges_added: tuple[str, ...] = ()
    nudges_removed: tuple[str, ...] = ()
    library_edited: bool = False  # its words changed (whatever else did)
    # (channel or "" for the top level, setting, old, new)
    settings: tuple[tuple[str, str, object, object], ...] = field(default=())

    @property
    def empty(self) -> bool:
        """True when nothing changes."""
        return not (self.added or self.removed or self.schedules or self.themes_added
                    or self.themes_removed or self.nudges_added or self.nudges_removed
                    or self.library_edited or self.settings)


def diff(old: Config | dict | None, new: Config | dict) -> ConfigDiff:
    """What changes from ``old`` to ``new`` (configurations or snapshots; None: nothing yet)."""
    before = snapshot(old) if isinstance(old, Config) else (old or {})
    after = snapshot(new) if isinstance(new, Config) else new
    old_channels, new_channels = before.get("channels", {}), after["channels"]
    added = tuple(ref for ref in new_channels if ref not in old_channels)
    removed = tuple(ref for ref in old_channels if ref not in new_channels)
    schedules, settings = [], []
    for ref in (*new_channels, *removed):
        was, now = old_channels.get(ref, {}), new_channels.get(ref, {})
        for kind in KINDS:
            old_cron, new_cron = was.get(kind), now.get(kind)
            old_tz = was.get("timezone") if old_cron else None
            new_tz = now.get("timezone") if new_cron else None
            if (old_cron, old_tz) != (new_cron, new_tz):
                schedules.append(ScheduleChange(ref, kind, old_cron, old_tz, new_cron, new_tz))
        if was and now:
            settings.extend((ref, key, was.get(key), now.get(key)) for key in CHANNEL_SETTINGS
                            if was.get(key) != now.get(key))
    if before:
        settings.extend(("", key, before.get(key), after.get(key)) for key in SETTINGS
                        if before.get(key) != after.get(key))
    old_themes, new_themes = before.get("themes", {}), after.get("themes", {})
    settings.extend(("", f"theme {key} name", old_themes[key], name)
                    for key, name in new_themes.items()
                    if key in old_themes and old_themes[key] != name)
    old_nudges, new_nudges = before.get("nudges", []), after.get("nudges", [])
    old_ids, new_ids = set(old_nudges), set(new_nudges)
    return ConfigDiff(
        added, removed, tuple(schedules),
        themes_added=tuple(t for t in new_themes if t not in old_themes),
        themes_removed=tuple(t for t in old_themes if t not in new_themes),
        nudges_added=tuple(n for n in new_nudges if n not in old_ids),
        nudges_removed=tuple(n for n in old_nudges if n not in new_ids),
        library_edited=bool(before) and before.get("library_digest")
        != after.get("library_digest"),
        settings=tuple(settings))


def _when(at: datetime | None) -> str:
    return at.strftime("%a %d %b %Y %H:%M %Z") if at else "never"


def _value(value: object) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "(none)"
    return str(value)


def describe(change: ConfigDiff, now: datetime) -> list[str]:
    """The difference in lines of plain text, next runs in each channel's timezone."""
    if change.empty:
        return ["no change"]
    lines = []
    if change.added:
        lines.append(f"channels added: {', '.join(change.added)}")
    if change.removed:
        lines.append(f"channels removed: {', '.join(change.removed)}")
    for item in change.schedules:
        old = f"{item.old} ({item.old_tz})" if item.old else "(none)"
        new = f"{item.new} ({item.new_tz})" if item.new else "(none)"
        nxt = f"; next run {_when(item.next_run(now))}" if item.new else ""
        lines.append(f"schedule {item.channel} {item.kind}: {old} -> {new}{nxt}")
    if change.themes_added:
        lines.append(f"themes added: {', '.join(change.themes_added)}")
    if change.themes_removed:
        lines.append(f"themes removed: {', '.join(change.themes_removed)}")
    if change.nudges_added:
        lines.append(f"nudges added: {', '.join(change.nudges_added)}")
    if change.nudges_removed:
        lines.append(f"nudges removed: {', '.join(change.nudges_removed)}")
    for ref, key, old, new in change.settings:
        where = f"{ref} " if ref else ""
        lines.append(f"{where}{key}: {_value(old)} -> {_value(new)}")
    if change.library_edited:
        lines.append("library: its words changed")
    return lines
