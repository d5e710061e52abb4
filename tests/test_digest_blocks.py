"""The digest's blocks: valid Block Kit for busy, quiet and extreme weeks, and they say what the
week was without showing anything private."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.messages.digest import Digest, SharedReflection, change, digest_blocks
from bot.sandbox.workspace.blockkit import check_blocks

LONDON = ZoneInfo("Europe/London")
START = datetime(2026, 11, 18, 12, tzinfo=UTC).astimezone(LONDON)
END = datetime(2026, 11, 25, 12, tzinfo=UTC).astimezone(LONDON)
ZERO = {"follow": 0, "take": 0, "pass": 0}
NASTY = "<script>alert('R&D')</script> & <!channel> > done"


def digest(**changes) -> Digest:
    fields = dict(
        channel="C1", week_start=START, week_end=END,
        posts=[("prompt", "When you see good leadership…", None),
               ("nudge", "Go: walk the floor", "Go where the work happens"),
               ("nudge", "Old: retired", None)],
        counts={"follow": 3, "take": 2, "pass": 0},
        last_counts={"follow": 2, "take": 3, "pass": 0},
        replies=4, last_replies=1, people=5, last_people=5,
        top_themes=[("Go where the work happens", 4), ("Respect for people", 2)],
        shared=[SharedReflection("I asked the night shift what slows them down", "take",
                                 "Respect for people", None),
                SharedReflection("Backed Sam's idea", None, None, None)],
        weeks=[(date(2026, 11, 11), {"follow": 2, "take": 3, "pass": 0})],
        reflections=3)
    fields.update(changes)
    return Digest(**fields)


def texts(blocks) -> str:
    out = []
    for block in blocks:
        if "text" in block:
            out.append(block["text"]["text"])
        out.extend(el["text"] for el in block.get("elements", []))
    return "\n".join(out)


def by_id(blocks) -> dict:
    return {b["block_id"]: b for b in blocks}


def test_busy_week():
    blocks = digest_blocks(digest(), LONDON)
    assert check_blocks(blocks) == []
    found = by_id(blocks)
    assert found["leadbot_digest_header"]["type"] == "header"
    assert found["leadbot_digest_header"]["text"]["text"] == "Weekly digest: 18–25 Nov 2026"
    assert found["leadbot_digest_posts"]["text"]["text"] == (
        "*Posted this week*\n• The refrain: follow, take or pass\n"
        "• Nudge: _Go where the work happens_\n• A nudge no longer in the prompt library")
    assert found["leadbot_digest_counts"]["text"]["text"] == (
        "*How the team answered* (change since last week)\n"
        "3 follow (+1) · 2 take (−1) · 0 pass (=)\n4 replies (+3) in threads · 5 people (=) "
        "took part")
    assert found["leadbot_digest_themes"]["text"]["text"] == (
        "*Themes answered most*\n1. Go where the work happens (4)\n2. Respect for people (2)")
    assert found["leadbot_digest_shared_0"]["text"]["text"] == (
        ">I asked the night shift what slows them down\n"
        "— shared anonymously · took the lead · _Respect for people_")
    assert found["leadbot_digest_shared_1"]["text"]["text"] == (
        ">Backed Sam's idea\n— shared anonymously")
    assert blocks[-1]["type"] == "context"
    assert "Nothing private is shown" in blocks[-1]["elements"][0]["text"]


def test_singular_words():
    text = texts(digest_blocks(digest(replies=1, people=1), LONDON))
    assert "1 reply (=) in threads · 1 person (−4) took part" in text


@pytest.mark.parametrize(("now", "before", "expected"), [
    (3, 2, "+1"), (2, 3, "−1"), (0, 0, "="), (10, 0, "+10")])
def test_change(now, before, expected):
    assert change(now, before) == expected


def test_named_author_only_when_given():
    shared = [SharedReflection("I took it", "take", None, "U0123ABC")]
    text = by_id(digest_blocks(digest(shared=shared), LONDON))["leadbot_digest_shared_0"]
    assert text["text"]["text"] == ">I took it\n— <@U0123ABC> · took the lead"


def test_at_most_three_shared_reflections():
    shared = [SharedReflection(f"reflection {i}", "follow", None, None) for i in range(5)]
    blocks = digest_blocks(digest(shared=shared), LONDON)
    assert check_blocks(blocks) == []
    assert [b["block_id"] for b in blocks if b["block_id"].startswith("leadbot_digest_shared_")
            ] == ["leadbot_digest_shared_0", "leadbot_digest_shared_1", "leadbot_digest_shared_2"]
    assert "reflection 3" not in texts(blocks)


def test_people_text_is_escaped_and_long_text_clipped():
    shared = [SharedReflection(NASTY + "\nsecond line " + "word " * 2000, "pass", NASTY, None)]
    blocks = digest_blocks(digest(shared=shared, top_themes=[(NASTY, 1)],
                                  posts=[("nudge", "x", NASTY)] * 200), LONDON)
    assert check_blocks(blocks) == []
    text = texts(blocks)
    assert "<script>" not in text and "<!channel>" not in text and "R&D" not in text
    assert "&lt;script&gt;alert('R&amp;D')&lt;/script&gt; &amp; &lt;!channel&gt; &gt; done" in text
    section = by_id(blocks)["leadbot_digest_shared_0"]["text"]["text"]
    assert section.startswith(">&lt;script&gt;") and "\n>second line" in section
    assert len(section) < 1000  # quoted, not printed in full


def test_quiet_week_is_short_and_kind():
    quiet = digest(counts=ZERO, replies=0, people=0, reflections=0, top_themes=[], shared=[])
    blocks = digest_blocks(quiet, LONDON)
    assert check_blocks(blocks) == []
    assert [b["block_id"] for b in blocks] == ["leadbot_digest_header", "leadbot_digest_quiet"]
    text = texts(blocks)
    assert text.startswith("Weekly digest: 18–25 Nov 2026\n*A quiet week: no answers yet.*")
    assert "The refrain still stands" in text and "if you wish" in text
    assert "0 follow" not in text and "(=)" not in text  # no table of zeros


def test_header_fits_slack():
    blocks = digest_blocks(digest(), ZoneInfo("Pacific/Kiritimati"))
    assert check_blocks(blocks) == []
    assert blocks[0]["text"]["text"] == "Weekly digest: 19–26 Nov 2026"  # the team's calendar


def test_long_shared_text_is_clipped_after_escaping():
    shared = [SharedReflection("R&D " * 1000, "take", "A & B", None)]
    blocks = digest_blocks(digest(shared=shared), LONDON)
    assert check_blocks(blocks) == []
    section = by_id(blocks)["leadbot_digest_shared_0"]["text"]["text"]
    quoted, meta = section.rsplit("\n— ", 1)
    # clipped to 700 after escaping, backing off rather than leaving "R&am…" half an entity
    assert len(quoted) <= 700 and quoted.endswith("R&amp;D R…")
    assert meta == "shared anonymously · took the lead · _A &amp; B_"


def test_posted_this_week_names_each_kind_once_with_how_often():
    posts = [("prompt", "the refrain", None)] * 4 + [("nudge", "n", "Go see")] * 2 + [
        ("nudge", "m", "Respect")]
    blocks = digest_blocks(digest(posts=posts), LONDON)
    [posted] = [b for b in blocks if b.get("block_id") == "leadbot_digest_posts"]
    lines = posted["text"]["text"].splitlines()[1:]
    assert lines == ["• The refrain: follow, take or pass × 4", "• Nudge: _Go see_ × 2",
                     "• Nudge: _Respect_"]
