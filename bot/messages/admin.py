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
                     "schedule's path\n• `/leadbot reload` read the configuration file again "
                     "now (leadbot also notices an edit by itself)\nThe configuration file stays "
                     "the source of truth: change channels and schedules there.")]


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


SHOWN_PROBLEMS = 20  # a DM or an answer lists this many; the log has every one


def _problem_list(problems: list[str]) -> str:
    shown = "\n".join(f"• `{escape(p)}`" for p in problems[:SHOWN_PROBLEMS])
    more = len(problems) - SHOWN_PROBLEMS
    return shown + (f"\n…and {more} more in the bot's log." if more > 0 else "")


def config_problems_text(path: str, problems: list[str]) -> str:
    """The admins' DM when an edit to the configuration cannot be applied."""
    count = len(problems)
    return (f":warning: *The edit to `{escape(path)}` was not applied*: {count} "
            f"problem{'s' if count != 1 else ''}. leadbot keeps posting on the configuration it "
            f"had, so nothing is lost meanwhile.\n{_problem_list(problems)}\n"
            "Fix the file and save it: it applies by itself. `leadbot check-config` shows "
            "the same list.")


def reload_text(applied: bool, lines: list[str], problems: list[str]) -> str:
    """``/leadbot reload``'s answer: what changed, or why nothing did."""
    if not applied:
        return ("Not reloaded: the configuration file has problems, and the running "
                f"configuration stays.\n{_problem_list(problems)}")
    if lines == ["no change"]:
        return "Reloaded: the configuration file has no change the bot would act on."
    shown = "\n".join(f"• {escape(line)}" for line in lines[:40])
    return f":white_check_mark: Reloaded.\n{shown}"
