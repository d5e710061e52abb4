"""Follow-ups after "take", time-travelled with an injected clock: the real bot (runtime.start,
Socket Mode, the inbox worker) against the fake Slack over HTTP and WebSocket."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from bot import runtime
from bot.clock import FixedClock
from bot.config import load_config
from bot.messages import ids
from tests import slackdrive as sd

pytestmark = pytest.mark.e2e

CONFIG = """\
timezone: Europe/London
channels:
  - channel: C0123TEAM
    prompt: "0 9 1 1 *"
"""
TEAM, BOB, ADA, CAT = "C0123TEAM", "U0000BOB", "U0123ADMIN", "U0000CAT"
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # 10:00 in London (GMT)
PDCA = ["What did you try?", "What happened", "What will you keep, or adjust, next time?"]
# outcome: (what its reply says, what it must not say). "Not yet" assumes nothing was tried,
# keeps the plan open and lets it go without guilt; the others invite the check/adjust step.
REPLIES = {
    "not_yet": (["Not yet", "not yet is fine", "plan still stands", "let it go",
                 "without complaint", "Reflect on it"],
                ["tried", "what happened", "what made it work", "taught", "got in the way",
                 "adjust", "next time", "should", "shame", "sorry"]),
    "worked": (["It worked", "What made it work", "keep or adjust", "Reflect on it"],
               ["not yet"]),
    "partly": (["Partly", "which part worked", "keep", "adjust next time", "Reflect on it"],
               ["not yet"]),
    "learned": (["I learned something", "What did it teach you", "keep or adjust",
                 "Reflect on it"], ["not yet"]),
}


class Running:
    """A bot started in this process, its Socket Mode connection and a transport to it."""

    def __init__(self, settings, config, clock, fake):
        self.bot = runtime.start(settings, config, clock, http=False)
        self.thread = threading.Thread(target=runtime.run_socket_mode, args=(self.bot,),
                                       daemon=True)
        before = fake.socket_connections
        self.thread.start()
        fake.wait_for(lambda: fake.socket_connections > before, timeout=10)
        self.slack = sd.Transport(fake, "socket")
        self.fake = fake

    def stop(self) -> None:
        runtime.shutdown(self.bot)
        self.fake.close_sockets()  # Slack hangs up: the client's read in progress ends now
        self.thread.join(timeout=10)


@pytest.fixture
def world(fake, slack_settings, write_config):
    fake.add_user(CAT, "cat", real_name="Cat")
    fake.add_member(TEAM, CAT)
    config = load_config(write_config(CONFIG))
    clock = FixedClock(MONDAY)
    assert runtime.post_now(slack_settings, config, clock, TEAM, "prompt").status == "posted"
    running = Running(slack_settings, config, clock, fake)
    yield running, config, clock
    running.stop()


def dms(fake, user):
    """Messages the bot sent in its DM with ``user``."""
    return [m for ch, msgs in fake.workspace.messages.items()
            if fake.workspace.channels[ch].is_im and fake.workspace.channels[ch].user == user
            for m in msgs]


def choose(fake, running, user, choice):
    prompt = fake.messages(TEAM)[0]
    running.slack.interaction(sd.click(fake, prompt, user, choice))


def answer(fake, transport, user, follow_up_id, outcome, dm) -> str:
    """Click one of the follow-up's answers; return the text of the DM that replaces it."""
    payload = sd.button(fake, user, f"leadbot_followup_{outcome}", str(follow_up_id),
                        message=dm)
    url = payload["response_url"] = fake.new_response_url("actions")
    transport.interact(payload)
    posted = fake.wait_for(lambda: next((r for r in fake.responses if r["url"] == url), None))
    assert posted["errors"] == []  # the fake checked the blocks against Slack's limits
    body = posted["body"]
    assert body["replace_original"] is True
    buttons = body["blocks"][1]["elements"]  # the answer can still change
    assert [e["text"]["text"] for e in buttons] == [*ids.FOLLOW_UP_OUTCOMES.values(),
                                                   "Reflect on it"]
    assert [e["action_id"] for e in buttons if e.get("style")] == [f"leadbot_followup_{outcome}"]
    return body["blocks"][0]["text"]["text"]


def test_take_on_monday_gets_one_dm_on_thursday(fake, world, slack_settings):
    running, config, clock = world
    store = running.bot.store
    choose(fake, running, BOB, "take")
    choose(fake, running, ADA, "follow")
    choose(fake, running, CAT, "take")
    fake.wait_for(lambda: len(store.choices_of(BOB) + store.choices_of(ADA)
                              + store.choices_of(CAT)) == 3)
    clock.advance(timedelta(days=1))
    choose(fake, running, CAT, "pass")  # Cat changes their mind on Tuesday
    fake.wait_for(lambda: store.choices_of(CAT)[0]["choice"] == "pass")

    for day, hour in [(1, 10), (2, 16), (3, 8)]:  # Tue, Wed, Thu before working hours
        clock.set(MONDAY.replace(hour=hour) + timedelta(days=day))
        assert running.bot.follow_ups.run() == []
    clock.set(MONDAY + timedelta(days=3))  # Thursday 10:00
    [sent] = running.bot.follow_ups.run()
    assert sent.user == BOB
    [dm] = dms(fake, BOB)
    blocks = str(dm["blocks"])
    assert "How did it go?" in blocks
    assert all(question in blocks for question in PDCA)  # plan-do-check-act, in plain words
    assert "If you wish" in blocks and "No answer is needed" in blocks
    assert "You cannot type in this chat" in blocks and "press *Reflect on it*" in blocks
    assert "you tried something" not in blocks
    assert [e["text"]["text"] for e in dm["blocks"][2]["elements"]] == [
        "It worked", "Partly", "Not yet", "I learned something", "Reflect on it"]
    assert "Mon 23 Nov" in dm["text"]
    assert dms(fake, CAT) == [] and dms(fake, ADA) == []
    assert running.bot.follow_ups.run() == []  # never twice

    # a restart on the same database sends nothing again
    running.stop()
    again = Running(slack_settings, config, clock, fake)
    try:
        clock.advance(timedelta(hours=1))
        assert again.bot.follow_ups.run() == []
        assert len(dms(fake, BOB)) == 1

        # the answer is stored, linked to the choice, and shown in history
        # each answer gets its own reply (the latest answer counts: "Partly" comes last)
        dm = {**dms(fake, BOB)[0], "channel": sent.dm_channel}
        for outcome in ["not_yet", "worked", "learned", "partly"]:
            reply = answer(fake, again.slack, BOB, sent.follow_up_id, outcome, dm)
            says, never = REPLIES[outcome]
            assert all(words in reply for words in says), (outcome, reply)
            assert not [w for w in never if w in reply.lower()], (outcome, reply)
            assert again.bot.store.follow_up(sent.follow_up_id)["outcome"] == outcome
        row = again.bot.store.follow_up(sent.follow_up_id)
        assert row["outcome"] == "partly"
        assert row["choice_id"] == again.bot.store.choices_of(BOB)[0]["id"]
        history = str(again.slack.command("/reflect", "history", BOB, TEAM))
        assert "Partly" in history

        # "Reflect on it" opens the form with the choice set; the reflection is linked
        before = {v["id"] for v in fake.views}
        again.slack.interact(sd.button(fake, BOB, "leadbot_reflect_open",
                                       f"followup:{sent.follow_up_id}", message=dm))
        modal = fake.wait_for(lambda: next((v for v in fake.views if v["id"] not in before
                                            and v["type"] == "modal"), None))
        assert "take" in str(modal["blocks"][1]["element"].get("initial_option"))
        # the form asks the follow-up's questions in its placeholder, never as its value
        text_box = modal["blocks"][0]["element"]
        assert "What did you try" in text_box["placeholder"]["text"]
        assert "initial_value" not in text_box
        ephemerals = len(fake.ephemerals(TEAM, BOB))
        confirmed = again.slack.interact(sd.submission(modal, BOB, sd.reflect_values(
            "Half the team came", "take")))
        # confirmed in the form the person is looking at, not in a channel they are not in
        assert "Reflection saved" in str(confirmed["view"])
        assert len(fake.ephemerals(TEAM, BOB)) == ephemerals
        [reflection] = again.bot.store.reflections_of(BOB)
        assert reflection["follow_up_id"] == sent.follow_up_id
        assert reflection["channel"] == TEAM
    finally:
        again.stop()
        running.bot = again.bot  # the fixture's stop() is then a second, harmless shutdown


def test_no_follow_up_after_forget(fake, world):
    running, _config, clock = world
    choose(fake, running, BOB, "take")
    fake.wait_for(lambda: running.bot.store.choices_of(BOB))
    running.bot.follow_ups.run()  # planned on Monday
    assert running.bot.store.held_about(BOB)["follow_ups"] == 1
    ephemeral = {"ts": "1700000000.000200", "channel": TEAM, "is_ephemeral": True}
    running.slack.interact(sd.button(fake, BOB, "leadbot_forget_confirm", "forget",
                                     message=ephemeral))
    fake.wait_for(lambda: running.bot.store.held_about(BOB)["follow_ups"] == 0)
    clock.set(MONDAY + timedelta(days=3))
    assert running.bot.follow_ups.run() == []
    assert dms(fake, BOB) == []


def test_follow_up_waits_for_working_hours_and_moves_past_the_weekend(fake, world):
    running, _config, clock = world
    clock.set(MONDAY + timedelta(days=4, hours=6))  # Friday 16:00
    choose(fake, running, BOB, "take")
    fake.wait_for(lambda: running.bot.store.choices_of(BOB))
    running.bot.follow_ups.run()
    [row] = running.bot.store.export_rows("follow_up")
    assert row["due_at"] == "2026-12-02T16:00:00Z"  # 3 working days later: Wednesday
    clock.set(datetime(2026, 12, 2, 17, 30, tzinfo=UTC))  # due, but after hours
    assert running.bot.follow_ups.run() == []
    clock.set(datetime(2026, 12, 3, 9, 0, tzinfo=UTC))  # next morning
    assert [s.user for s in running.bot.follow_ups.run()] == [BOB]
