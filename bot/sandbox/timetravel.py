"""The sandbox's "make time pass": its clock jumps forward, and what the schedule had due on the
way happens in order, each at its own time, through the scheduler's own code (the poster, the
follow-ups job, the DM outbox), as if the bot had been running all along."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.clock import from_iso
from bot.cron import occurrences, parse_cron
from bot.schedule import POSTED_KINDS
from bot.services.posting import PostResult

if TYPE_CHECKING:
    from bot.sandbox.app import Sandbox

MAX_POSTS = 12  # posts made on the way by one jump; earlier ones are recorded as skipped
MAX_STEPS = 50  # follow-up rounds on the way (each sends or drops at least one)
SKIPPED = "the sandbox's clock jumped past it"


@dataclass
class Trip:
    """What happened on the way to a later time."""

    posted: list[str] = field(default_factory=list)  # "the nudge in #team-london (Tue 14:00)"
    not_posted: list[str] = field(default_factory=list)
    skipped: int = 0
    sent_to: list[str] = field(default_factory=list)  # user ids, in order


def when(box: Sandbox, at: datetime) -> str:
    """A moment as the page says it: "Thu 04 Dec, 10:00"."""
    return at.astimezone(box.config.timezone).strftime("%a %d %b, %H:%M")


def names(box: Sandbox, users: list[str]) -> str:
    """"Bob", "Bob and Chen", "Bob, Chen and Dana" (each once)."""
    unique = [box.name(u) for u in dict.fromkeys(users)]
    return unique[0] if len(unique) == 1 else f"{', '.join(unique[:-1])} and {unique[-1]}"


def posted_note(box: Sandbox, channel_id: str, kind: str, result: PostResult) -> str:
    """One post's outcome in a sentence."""
    where = f"#{box.channel_names.get(channel_id, channel_id)}"
    if result.status == "posted":
        return f"Posted the {kind} to {where}."
    if result.status == "duplicate":
        return f"The {kind} was already posted to {where} at this minute."
    return f"The {kind} was not posted to {where}: {result.error or result.status}."


def _due_posts(box: Sandbox, start: datetime, end: datetime) -> list[tuple]:
    """Every scheduled post in [start, end), oldest first: (occurrence, channel, id, kind)."""
    due = []
    for channel, channel_id in box.bot.channels.resolved():
        for kind, cron in channel.schedules().items():
            if kind in POSTED_KINDS:
                due += [(at, channel, channel_id, kind)
                        for at in occurrences(parse_cron(cron, channel.tz), start, end)]
    return sorted(due, key=lambda item: item[0])


def _follow_ups_until(box: Sandbox, until: datetime, trip: Trip) -> None:
    """Send each follow-up that falls due before ``until``, at its own time."""
    follow_ups, store = box.bot.follow_ups, box.bot.store
    for _ in range(MAX_STEPS):
        at = follow_ups.next_send_time(box.clock.now())
        if at is None or at > until:
            return
        box.clock.advance_to(at + timedelta(seconds=1))
        before = {row["id"] for row in store.due_follow_ups(None)}
        trip.sent_to += [sent.user for sent in follow_ups.run()]
        if {row["id"] for row in store.due_follow_ups(None)} >= before:
            return  # nothing went out or was dropped: it waits for something else


def jump(box: Sandbox, to: datetime) -> Trip:
    """Move the clock forward to ``to``; on the way post what the schedule had due (each at
    its own time) and send the follow-ups due."""
    trip = Trip()
    poster, store = box.bot.scheduler.poster, box.bot.store
    due = _due_posts(box, box.clock.now(), to)
    if len(due) > MAX_POSTS:
        for at, _channel, channel_id, kind in due[:-MAX_POSTS]:
            store.record_skipped(channel_id, kind, at, SKIPPED, box.clock.now())
        trip.skipped, due = len(due) - MAX_POSTS, due[-MAX_POSTS:]
    for at, channel, channel_id, kind in due:
        _follow_ups_until(box, at, trip)
        box.clock.advance_to(at)
        result = poster.post(channel, kind, at)
        what = f"the {kind} in #{box.channel_names.get(channel_id, channel_id)} ({when(box, at)})"
        if result.status == "posted":
            trip.posted.append(what)
        elif result.status != "duplicate":
            trip.not_posted.append(f"{what}: {result.error or result.status}")
        box.touch()
    _follow_ups_until(box, to, trip)
    box.clock.advance_to(to)
    trip.sent_to += [sent.user for sent in box.bot.follow_ups.run()]
    box.bot.outbox.run()
    return trip


def next_follow_up(box: Sandbox, user: str | None) -> str:
    """Jump to when the follow-up of ``user``'s latest "take" (else of the latest anyone
    chose) can go out, and send it; what happened, in words."""
    follow_ups, store = box.bot.follow_ups, box.bot.store
    sent_now = [sent.user for sent in follow_ups.run()]  # plans the newest takes
    pending = store.due_follow_ups(None)
    mine = [row for row in pending if row["user"] == user]
    if not mine and not pending:
        if sent_now:
            return f"Follow-up sent to {names(box, sent_now)}."
        return ("No follow-up is waiting: choose \u201cI'll take the lead\u201d on a prompt; "
                "its follow-up comes some working days later.")
    # the follow-up of the latest "take": the one just chosen, by this person if they did
    target = max(mine or pending, key=lambda row: (row["chosen_at"], row["id"]))
    who = box.name(target["user"])
    settings = store.person_settings(target["user"])
    if not settings["follow_up_dms"]:
        return (f"{who} turned follow-up DMs off (Home tab, settings), so no follow-up will be "
                "sent to them. The clock did not move.")
    at = follow_ups.next_send_time(box.clock.now(), target["user"]) or box.clock.now()
    paused = settings.get("paused_until")
    if paused and from_iso(paused) > at:
        return (f"{who} paused leadbot until {when(box, from_iso(paused))}, so their "
                "follow-up will be skipped. The clock did not move.")
    trip = jump(box, at + timedelta(seconds=1))
    return _jump_note(box, trip, target, sent_now)


def _jump_note(box: Sandbox, trip: Trip, target: dict, sent_now: list[str]) -> str:
    """"It is now ...": the follow-up's fate first, then what happened on the way."""
    row = box.bot.store.follow_up(target["id"]) or {}
    who = box.name(target["user"])
    parts = [f"It is now {when(box, box.clock.now())}."]
    if row.get("status") == "sent":
        parts.append(f"Follow-up sent to {who}.")
    elif row.get("status") == "cancelled":
        parts.append(f"The follow-up to {who} was not sent: {row.get('reason')}.")
    else:
        parts.append(f"The follow-up to {who} is still waiting for their working hours.")
    others = list(dict.fromkeys(u for u in sent_now + trip.sent_to if u != target["user"]))
    if others:
        what = "a follow-up" if len(others) == 1 else "follow-ups"
        parts.append(f"Also sent on the way: {what} to {names(box, others)}.")
    if trip.posted:
        parts.append(f"Posted on the way: {', '.join(trip.posted)}.")
    if trip.not_posted:
        parts.append(f"Not posted: {'; '.join(trip.not_posted)}.")
    if trip.skipped:
        parts.append(f"Skipped {trip.skipped} earlier scheduled "
                     f"{'post' if trip.skipped == 1 else 'posts'} (too many at once).")
    return " ".join(parts)
