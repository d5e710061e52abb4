"""The follow-up DM's builders: a plan-do-check-act in plain words that says where to write,
a reply for every answer, and texts inside Slack's limits (checked by the fake's Block Kit
rules, a long permalink and a far-off time zone included)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.messages import follow_up as lb
from bot.messages import ids
from bot.messages import reflect as rb
from bot.sandbox.workspace.blockkit import check_blocks, check_view
from tests.conftest import text_of

AT = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)  # already Tuesday in Tokyo
TOKYO = ZoneInfo("Asia/Tokyo")
LINK = "https://fake.slack.com/archives/C0123TEAM/p" + "1" * 200


@pytest.mark.parametrize("permalink", [None, LINK])
def test_the_dm_asks_three_questions_and_says_where_to_write(permalink):
    blocks = lb.follow_up_blocks(7, AT, "C0123TEAM", TOKYO, permalink)
    assert check_blocks(blocks) == []
    text = text_of(blocks)
    assert "Tue 24 Nov" in text  # the person's own date
    assert all(question in text for question in lb.PDCA_QUESTIONS)
    assert "If you wish" in text and "You cannot type in this chat" in text
    assert "press *Reflect on it*" in text
    assert (f"<{permalink}|the prompt>" in text) == bool(permalink)
    assert "you tried" not in text  # the DM does not assume anything was tried
    [actions] = [b for b in blocks if b["type"] == "actions"]
    assert [e["value"] for e in actions["elements"]] == ["7"] * 4 + ["followup:7"]
    notification = lb.follow_up_text(AT, "C0123TEAM", TOKYO)
    assert "How did it go?" in notification and "what will you adjust?" in notification


def test_every_answer_has_its_own_reply():
    assert set(lb.OUTCOME_REPLIES) == set(ids.FOLLOW_UP_OUTCOMES)
    assert len(set(lb.OUTCOME_REPLIES.values())) == len(lb.OUTCOME_REPLIES)


@pytest.mark.parametrize("outcome", list(ids.FOLLOW_UP_OUTCOMES))
def test_each_reply_fits_slack_and_the_answer_can_change(outcome):
    blocks = lb.follow_up_answered(7, outcome, AT, "C0123TEAM", TOKYO)
    assert check_blocks(blocks) == []
    text = text_of(blocks)
    assert f"noted *{ids.FOLLOW_UP_OUTCOMES[outcome]}*" in text and "Reflect on it" in text
    assert "adjust" in text or outcome == "not_yet"  # the check-and-adjust step, if tried
    assert "Pick another answer" in text
    [actions] = [b for b in blocks if b["type"] == "actions"]
    assert [e["value"] for e in actions["elements"]] == ["7"] * 4 + ["followup:7"]
    chosen = [e for e in actions["elements"] if e.get("style") == "primary"]
    assert [e["action_id"] for e in chosen] == [f"leadbot_followup_{outcome}"]
    assert chosen[0]["accessibility_label"].endswith("(your answer)")


def test_not_yet_keeps_the_plan_or_lets_it_go_without_guilt():
    reply = lb.OUTCOME_REPLIES["not_yet"]
    assert "plan still stands" in reply and "let it go" in reply
    assert not [w for w in ("tried", "what happened", "got in the way", "should", "adjust")
                if w in reply.lower()]


def test_the_form_from_a_follow_up_asks_the_same_questions_as_a_placeholder():
    view = rb.reflect_modal({}, choice="take", placeholder=lb.REFLECT_PLACEHOLDER)
    assert check_view(view) == []  # a placeholder holds at most 150 characters
    text_box = view["blocks"][0]["element"]
    assert text_box["placeholder"]["text"] == lb.REFLECT_PLACEHOLDER
    assert "initial_value" not in text_box  # a hint, never words put in the person's mouth
    plain_form = rb.reflect_modal({})["blocks"][0]["element"]["placeholder"]["text"]
    assert plain_form != lb.REFLECT_PLACEHOLDER
