"""What leadbot tells its admins: ``/leadbot``'s answers (help, status) and the DM saying a
channel has gone quiet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.messages.kit import Block, escape, section


@dataclass(frozen=True)
class ChannelStatus:
    """One configured channel as the running bot sees it."""

    ref: str
    channel_id: str | None
    next_runs: dict[str, datetime | None]
    last_post: dict | None
    failed: int


ADMIN_REFUSAL = ("Sorry, `/leadbot` is for this workspace's leadbot admins. You can use "
                 "`/reflect` any time.")


def admin_help() -> list[Block]:
    """What ``/leadbot`` can do, for admins."""
    return [section("*leadbot admin*\n• `/leadbot status` channels, next posts, failures\n"
                     "• `/leadbot post-now #channel [prompt|nudge|digest]` post now, through the "
                     "schedule's path\nThe configuration file stays the source of truth: "
                     "change channels and schedules there.")]


def status_blocks(headline: str, rows: list[ChannelStatus]) -> list[Block]:
    """``/leadbot status``."""
    blocks = [section(f"*{headline}*")]
    for row in rows[:40]:
        where = (f"<#{row.channel_id}>" if row.channel_id
                 else f"`{escape(row.ref)}` (not reachable)")
        nexts = ", ".join(
            f"{kind} {at.strftime('%a %d %b %H:%M %Z') if at else 'never'}"
            for kind, at in row.next_runs.items())
        last = row.last_post
        last_text = (f"last {last['kind']} {last['status']}" if last else "nothing posted yet")
        failed = f" · {row.failed} failed" if row.failed else ""
        blocks.append(section(f"{where}: next {nexts} · {last_text}{failed}"))
    return blocks


def quiet_text(ref: str, channel_id: str, dates: list[str]) -> str:
    """The admins' DM: which channel, the numbers, and what to look at."""
    mention = f"<#{channel_id}>" if ref == channel_id else f"<#{channel_id}> ({ref})"
    return (f":zzz: *{mention} has gone quiet.* Its last {len(dates)} prompts "
            f"({', '.join(dates)}) got no answer at all: no clicks, replies or reactions.\n"
            "Perhaps the time or the words don't fit the team right now. Ask them, go and "
            f"see, and check what comes next with `leadbot preview --channel {ref}`; "
            "the schedule lives in the configuration file.\n"
            "I'll say this once, and again only if it goes quiet after answers come back.")
