"""The sandbox's demo workspace: its people and channels, and some weeks of earlier answers so
the digest and its chart have something to show."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.config import Config
from bot.store import Store

CHANNEL_NAMES = {"C0SANDLDN": "team-london", "C0SANDTYO": "team-tokyo"}


@dataclass(frozen=True)
class DemoPerson:
    """Someone to be in the sandbox."""

    id: str
    name: str
    real_name: str
    tz: str


PEOPLE = (
    DemoPerson("U0SANDADA", "ada", "Ada (admin)", "Europe/London"),
    DemoPerson("U0SANDBOB", "bob", "Bob", "Europe/London"),
    DemoPerson("U0SANDCHN", "chen", "Chen", "Asia/Tokyo"),
    DemoPerson("U0SANDDAN", "dana", "Dana", "America/New_York"),
    DemoPerson("U0SANDELI", "eli", "Eli", "Asia/Tokyo"),
)
SHARED = (
    "Asked the newest person on the team to run the retro. Better questions than mine.",
    "Went to the line instead of reading the report: the problem was not where we thought.",
    "Let Chen lead the planning and only asked questions. Hard, and worth it.",
)


def channels(config: Config) -> dict[str, str]:
    """Each configured channel as (id, name) in the sandbox: IDs kept, #names given an ID."""
    out = {}
    for index, channel in enumerate(config.channels):
        if channel.channel.startswith("#"):
            out[f"C0SANDX{index:02d}"] = channel.channel.lstrip("#")
        else:
            out[channel.channel] = CHANNEL_NAMES.get(channel.channel,
                                                     channel.channel.lower())
    return out


def seed(store: Store, channel_ids: list[str], now: datetime, weeks: int = 6) -> bool:
    """Earlier weeks of prompts, choices, replies and shared reflections; False if the
    database already has posts (seeded once, never twice)."""
    if store.posts():
        return False
    rng = random.Random(7)
    people = [p.id for p in PEOPLE]
    for channel_id in channel_ids:
        for week in range(weeks - 1, -1, -1):  # week 0 is this week, for the digest
            at = now - timedelta(weeks=week, days=2)
            post = store.claim_post(channel_id, "prompt", at, at)
            store.mark_posted(post, ts=f"{int(at.timestamp())}.000100",
                              text="When you see good leadership, follow it if you wish.",
                              at=at)
            for person in rng.sample(people, rng.randint(3, 4)):
                choice = rng.choices(["follow", "take", "pass"], weights=[4, 3, 2])[0]
                store.record_choice(post, person, choice, at + timedelta(hours=1))
            store.record_reply(channel=channel_id, thread_ts=f"{int(at.timestamp())}.000100",
                               ts=f"{int(at.timestamp()) + 60}.000200", user=rng.choice(people),
                               text="Trying this at Thursday's stand-up.",
                               at=at + timedelta(hours=2), post_id=post)
        store.record_reflection(user=people[1], channel=channel_id, text=SHARED[0],
                                choice="take", theme="develop-people", shared=True,
                                at=now - timedelta(days=2))
    return True
