"""The weekly digest: its queries and numbers on a real database, its texts, and its chart."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.library import DEFAULT_LIBRARY, load_library
from bot.messages.digest import (
    Digest,
    SharedReflection,
    chart_alt_text,
    date_range,
    digest_fallback_text,
)
from bot.services.chart import render_weekly_chart
from bot.services.digest import build_digest

REPO = Path(__file__).resolve().parent.parent
LONDON = ZoneInfo("Europe/London")
LIBRARY = load_library(DEFAULT_LIBRARY)
GEMBA = LIBRARY.nudges_for(["go-to-gemba"])[0].id
GEMBA_NAME = LIBRARY.themes["go-to-gemba"].name
RESPECT_NAME = LIBRARY.themes["respect-for-people"].name
SYSTEMS_NAME = LIBRARY.themes["systems-not-heroes"].name
RETIRED = "retired-nudge"  # a nudge posted once, since removed from the library
assert LIBRARY.nudge(RETIRED) is None


def t(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


# The clock fixture says Wed 25 Nov 2026 12:00 UTC: this week is [18 Nov 12:00, 25 Nov 12:00).
START, END = t(11, 18, 12), t(11, 25, 12)


def post(store, kind: str, at: datetime, channel: str = "C1", nudge_id: str | None = None,
         text: str = "posted text") -> int:
    post_id = store.claim_post(channel, kind, at, at)
    store.mark_posted(post_id, ts=f"{at.timestamp():.6f}", text=text, at=at, nudge_id=nudge_id)
    return post_id


_replies = iter(range(1_000_000))


def reply(store, post_id: int, user: str, at: datetime, channel: str = "C1") -> str:
    ts = f"1790000000.{next(_replies):06d}"
    assert store.record_reply(channel=channel, thread_ts="1.0", ts=ts, user=user, text="words",
                              at=at, post_id=post_id)
    return ts


def reflect(store, user: str, at: datetime, *, shared: bool, channel: str | None = "C1",
            theme: str | None = None, choice: str | None = None,
            text: str | None = None) -> None:
    store.record_reflection(user=user, text=text or f"{user}'s reflection", at=at,
                            channel=channel, choice=choice, theme=theme, shared=shared)


@pytest.fixture
def seeded(store):
    """Two weeks of one team's answers, with everything that must not be counted beside them."""
    p0 = post(store, "prompt", t(11, 16, 9))  # last week
    n2 = post(store, "nudge", t(11, 19, 9), nudge_id=RETIRED, text="Old theme: old nudge")
    p1 = post(store, "prompt", t(11, 23, 9), text="When you see good leadership…")
    n1 = post(store, "nudge", t(11, 24, 9), nudge_id=GEMBA, text="Go: walk the floor")
    store.claim_post("C1", "nudge", t(11, 20, 9), t(11, 20, 9))  # claimed, never posted
    other = post(store, "prompt", t(11, 23, 9), channel="C2")
    old = post(store, "prompt", t(10, 20, 9))

    store.record_choice(p1, "U1", "follow", t(11, 23, 10))
    store.record_choice(p1, "U1", "take", t(11, 23, 11))  # the latest choice wins
    store.record_choice(p1, "U2", "pass", t(11, 23, 12))
    store.record_choice(p0, "U3", "follow", t(11, 16, 10))  # last week
    store.record_choice(p0, "U4", "take", t(11, 17, 10))
    store.record_choice(p0, "U4", "follow", t(11, 24, 10))  # changed this week: counts now
    store.record_choice(n1, "U5", "take", t(11, 24, 15))
    store.record_choice(p0, "U7", "follow", START)  # the window's start is in it
    store.record_choice(p1, "U6", "take", END)  # its end is not
    store.record_choice(n2, "U9", "pass", t(11, 19, 10))
    store.record_choice(other, "U1", "follow", t(11, 23, 10))  # another channel
    store.record_choice(old, "U10", "take", t(10, 22, 10))  # the week of 21 Oct
    # 28 Oct 11:30 UTC is 11:30 GMT, before the London week's 12:00 end (clocks went back)
    store.record_choice(old, "U11", "pass", t(10, 28, 11, 30))

    reply(store, p1, "U2", t(11, 23, 13))
    reply(store, n1, "U8", t(11, 24, 16))
    gone = reply(store, p1, "U1", t(11, 23, 14))
    store.delete_reply(channel="C1", thread_ts="1.0", ts=gone, user="U1", at=t(11, 23, 15))
    reply(store, p0, "U3", t(11, 16, 11))  # last week
    reply(store, other, "U2", t(11, 23, 13), channel="C2")

    reflect(store, "U1", t(11, 21), shared=True, theme="respect-for-people", choice="take",
            text="I asked the night shift what slows them down")
    reflect(store, "U2", t(11, 22), shared=False, theme="respect-for-people",
            text="private words")
    reflect(store, "U3", t(11, 24), shared=True, text="Backed Sam's <idea> & it worked")
    reflect(store, "U4", t(11, 23), shared=True, theme="go-to-gemba", choice="follow")
    reflect(store, "U5", t(11, 19), shared=True, theme="go-to-gemba")  # 4th newest
    reflect(store, "U6", t(11, 17), shared=True)  # last week
    reflect(store, "U7", t(11, 22), shared=True, channel="C2")
    reflect(store, "U8", t(11, 22), shared=True, channel=None)
    reflect(store, "U9", t(11, 22), shared=False, theme="retired-theme")
    # a tie: names in the other order than ids ("Systems, not heroes" < "Think like a ...")
    reflect(store, "U10", t(11, 22), shared=False, theme="scientific-thinking")
    reflect(store, "U11", t(11, 22), shared=False, theme="systems-not-heroes")
    return store


# --- the store's queries ----------------------------------------------------------------------


def test_posts_in_the_window_only_posted_prompts_and_nudges(seeded):
    rows = seeded.digest_posts("C1", START, END)
    assert [(r["kind"], r["nudge_id"], r["posted_at"]) for r in rows] == [
        ("nudge", RETIRED, "2026-11-19T09:00:00Z"),
        ("prompt", None, "2026-11-23T09:00:00Z"),
        ("nudge", GEMBA, "2026-11-24T09:00:00Z"),
    ]
    assert set(rows[0]) == {"id", "kind", "text", "nudge_id", "ts", "posted_at"}
    assert rows[1]["text"] == "When you see good leadership…"
    assert [r["kind"] for r in seeded.digest_posts("C1", START - timedelta(days=7), START)] == [
        "prompt"]


def test_choice_counts_latest_choice_in_the_window(seeded):
    assert seeded.digest_choice_counts("C1", START, END) == {"follow": 2, "take": 2, "pass": 2}
    # U4's take of 17 Nov was replaced on 24 Nov: only U3's follow is left last week
    assert seeded.digest_choice_counts("C1", START - timedelta(days=7), START) == {
        "follow": 1, "take": 0, "pass": 0}
    assert seeded.digest_choice_counts("C1", END, END + timedelta(days=7)) == {
        "follow": 0, "take": 1, "pass": 0}
    assert seeded.digest_choice_counts("C9", START, END) == {"follow": 0, "take": 0, "pass": 0}


def test_replies_people_and_nudge_answers(seeded):
    assert seeded.digest_reply_count("C1", START, END) == 2  # the deleted one is left out
    assert seeded.digest_reply_count("C1", START - timedelta(days=7), START) == 1
    assert seeded.digest_people_count("C1", START, END) == 7  # U1, U2, U4, U5, U7, U8, U9
    assert seeded.digest_people_count("C1", START - timedelta(days=7), START) == 1
    assert seeded.digest_nudge_answer_counts("C1", START, END) == {GEMBA: 2, RETIRED: 1}


def test_reflection_queries(seeded):
    assert seeded.digest_reflection_count("C1", START, END) == 8
    assert seeded.digest_reflection_theme_counts("C1", START, END) == {
        "respect-for-people": 2, "go-to-gemba": 2, "retired-theme": 1, "scientific-thinking": 1,
        "systems-not-heroes": 1}
    rows = seeded.digest_shared_reflections("C1", START, END, 10)
    assert [r["user"] for r in rows] == ["U3", "U4", "U1", "U5"]  # newest first
    assert set(rows[0]) == {"id", "user", "text", "choice", "theme", "at", "shared_named"}
    assert [r["user"] for r in seeded.digest_shared_reflections("C1", START, END, 2)] == [
        "U3", "U4"]


def test_weekly_choice_counts_oldest_first(seeded):
    weeks = seeded.digest_weekly_choice_counts("C1", END, 3)
    assert [start for start, _ in weeks] == [t(11, 4, 12), t(11, 11, 12), START]
    assert [counts for _, counts in weeks] == [
        {"follow": 0, "take": 0, "pass": 0},
        {"follow": 1, "take": 0, "pass": 0},
        {"follow": 2, "take": 2, "pass": 2},
    ]


# --- build_digest -----------------------------------------------------------------------------


def test_build_digest_numbers(seeded, clock):
    digest = build_digest(seeded, LIBRARY, "C1", clock.now(), LONDON)
    assert (digest.channel, digest.week_start, digest.week_end) == ("C1", START, END)
    assert digest.week_end.tzinfo == LONDON
    assert digest.posts == [("nudge", "Old theme: old nudge", None),
                            ("prompt", "When you see good leadership…", None),
                            ("nudge", "Go: walk the floor", GEMBA_NAME)]
    assert digest.counts == {"follow": 2, "take": 2, "pass": 2}
    assert digest.last_counts == {"follow": 1, "take": 0, "pass": 0}
    assert (digest.replies, digest.last_replies) == (2, 1)
    assert (digest.people, digest.last_people) == (7, 1)
    # gemba: a choice and a reply on its nudge, two reflections; retired themes left out
    assert digest.top_themes == [(GEMBA_NAME, 4), (RESPECT_NAME, 2), (SYSTEMS_NAME, 1)]
    assert not digest.empty


def test_shared_reflections_name_the_author_only_when_shared_with_the_name(seeded, clock):
    digest = build_digest(seeded, LIBRARY, "C1", clock.now(), LONDON)
    assert digest.shared == [
        SharedReflection("Backed Sam's <idea> & it worked", None, None, None),
        SharedReflection("U4's reflection", "follow", GEMBA_NAME, None),
        SharedReflection("I asked the night shift what slows them down", "take", RESPECT_NAME,
                         None),
    ]
    assert "private words" not in repr(digest)
    # shared with the name (the form said so then): named, whatever the channel says today
    seeded.record_reflection(user="U5", text="named on purpose", at=t(11, 24, 11), channel="C1",
                             shared=True, named=True)
    named = build_digest(seeded, LIBRARY, "C1", clock.now(), LONDON)
    assert (named.shared[0].text, named.shared[0].author) == ("named on purpose", "U5")
    assert all(s.author is None for s in named.shared[1:])  # shared without: still without
    assert "private words" not in repr(named)


def test_private_reflections_never_shared(store, clock):
    reflect(store, "U1", t(11, 24), shared=False, text="only mine")
    digest = build_digest(store, LIBRARY, "C1", clock.now(), LONDON)
    assert digest.shared == []
    assert not digest.empty  # someone reflected, even if nobody sees what


def test_weeks_for_the_chart(seeded, clock):
    digest = build_digest(seeded, LIBRARY, "C1", clock.now(), LONDON)
    assert [day for day, _ in digest.weeks] == [
        date(2026, 9, 30), date(2026, 10, 7), date(2026, 10, 14), date(2026, 10, 21),
        date(2026, 10, 28), date(2026, 11, 4), date(2026, 11, 11), date(2026, 11, 18)]
    assert digest.weeks[3][1] == {"follow": 0, "take": 1, "pass": 1}
    assert digest.weeks[-2][1] == digest.last_counts
    assert digest.weeks[-1][1] == digest.counts
    assert sum(counts["follow"] for _, counts in digest.weeks) == 3


def test_empty_week(seeded):
    # a month later: last week had a choice, this week nothing at all
    seeded.record_choice(seeded.digest_posts("C1", START, END)[1]["id"], "U1", "pass",
                         t(12, 20))
    digest = build_digest(seeded, LIBRARY, "C1", t(12, 30), LONDON)
    assert digest.empty
    assert (digest.counts, digest.replies, digest.people) == (
        {"follow": 0, "take": 0, "pass": 0}, 0, 0)
    assert digest.last_counts["pass"] == 1
    assert digest.posts == [] and digest.shared == [] and digest.top_themes == []


def test_naive_end_is_refused(store):
    with pytest.raises(ValueError):
        build_digest(store, LIBRARY, "C1", datetime(2026, 11, 25, 12), LONDON)  # noqa: DTZ001


# --- texts ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("start", "end", "expected"), [
    (t(10, 2, 15), t(10, 9, 15), "2–9 Oct 2026"),
    (t(9, 28, 15), t(10, 5, 15), "28 Sep – 5 Oct 2026"),
    (datetime(2026, 12, 28, tzinfo=UTC), datetime(2027, 1, 4, tzinfo=UTC),
     "28 Dec 2026 – 3 Jan 2027"),  # the end is excluded: a week to Monday 00:00 ends on Sunday
])
def test_date_range(start, end, expected):
    assert date_range(start, end, UTC) == expected


def _digest(**changes) -> Digest:
    fields = dict(
        channel="C1", week_start=START.astimezone(LONDON), week_end=END.astimezone(LONDON),
        posts=[], counts={"follow": 3, "take": 2, "pass": 0},
        last_counts={"follow": 2, "take": 3, "pass": 0}, replies=1, last_replies=0, people=4,
        last_people=4, top_themes=[], shared=[],
        weeks=[(date(2026, 10, 5), {"follow": 2, "take": 1, "pass": 0}),
               (date(2026, 10, 12), {"follow": 0, "take": 0, "pass": 3})],
        reflections=0)
    fields.update(changes)
    return Digest(**fields)


def test_empty_property():
    zero = {"follow": 0, "take": 0, "pass": 0}
    assert _digest(counts=zero, replies=0).empty
    assert not _digest(counts={**zero, "pass": 1}, replies=0).empty
    assert not _digest(counts=zero, replies=1).empty
    assert not _digest(counts=zero, replies=0, reflections=1).empty


def test_chart_alt_text_says_every_number():
    assert chart_alt_text(_digest()) == (
        "Answers per week for the last 2 weeks, by choice: week of 5 Oct: 2 follow, 1 take, "
        "0 pass; week of 12 Oct: 0 follow, 0 take, 3 pass.")
    one = _digest(weeks=[(date(2026, 10, 5), {"follow": 1, "take": 0, "pass": 0})])
    assert chart_alt_text(one) == (
        "Answers per week for the last 1 week, by choice: week of 5 Oct: 1 follow, 0 take, "
        "0 pass.")


def test_fallback_text():
    assert digest_fallback_text(_digest()) == (
        "Weekly digest, 18–25 Nov 2026: 3 follow, 2 take, 0 pass; 1 reply; 4 people took part.")
    quiet = _digest(counts={"follow": 0, "take": 0, "pass": 0}, replies=0, people=0)
    assert digest_fallback_text(quiet) == (
        "Weekly digest, 18–25 Nov 2026: a quiet week, no answers yet.")


# --- the chart --------------------------------------------------------------------------------

WEEKS = [(date(2026, 10, 5) + timedelta(weeks=i), {"follow": i, "take": 8 - i, "pass": i % 3})
         for i in range(8)]


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", png[8:16])
    assert (length, kind) == (13, b"IHDR")
    return struct.unpack(">II", png[16:24])


@pytest.mark.parametrize("weeks", [
    WEEKS,
    [(day, {"follow": 0, "take": 0, "pass": 0}) for day, _ in WEEKS],  # nothing to stack
    WEEKS[:1],
])
def test_chart_is_an_800_by_400_png(weeks):
    import matplotlib.image

    png = render_weekly_chart(weeks, "Choices per week in #team")
    assert _png_size(png) == (800, 400)
    assert matplotlib.image.imread(io.BytesIO(png)).shape == (400, 800, 4)


def test_chart_stacks_the_three_choices():
    import matplotlib.image

    from bot.services.chart import STYLES

    pixels = matplotlib.image.imread(io.BytesIO(render_weekly_chart(
        [(date(2026, 10, 5), {"follow": 1, "take": 1, "pass": 1})], "t")))[:, :, :3]
    for style in STYLES.values():
        rgb = [int(style["color"][i:i + 2], 16) / 255 for i in (1, 3, 5)]
        painted = (abs(pixels - rgb) < 0.01).all(axis=2).sum()
        assert painted > 5000, style  # a third of the bar each, not one bar hiding the others


def test_chart_draws_the_data():
    zero = [(day, {"follow": 0, "take": 0, "pass": 0}) for day, _ in WEEKS]
    assert render_weekly_chart(WEEKS, "t") != render_weekly_chart(zero, "t")


def test_charts_drawn_in_threads_match():
    alone = render_weekly_chart(WEEKS, "Choices per week")
    with ThreadPoolExecutor(4) as pool:
        drawn = list(pool.map(lambda _: render_weekly_chart(WEEKS, "Choices per week"), range(4)))
    assert drawn == [alone] * 4


def test_importing_the_chart_module_does_not_load_matplotlib():
    code = "import sys, bot.services.chart; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=REPO)
    assert out.stdout.strip() == "False"
