"""Follow-ups after "take", time-travelled with an injected clock: the real bot (runtime.start,
Socket Mode, the inbox worker) against the fake Slack over HTTP and WebSocket."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from bot import runtime
from bot.clock import FixedClock
from bot.config import load_config
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

    def stop(self) -> None:
        runtime.shutdown(self.bot)
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
    assert "How did it go?" in str(dm["blocks"])
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
        dm = {**dms(fake, BOB)[0], "channel": sent.dm_channel}
        again.slack.interact(sd.button(fake, BOB, "leadbot_followup_partly", str(sent.follow_up_id),
                                       message=dm))
        fake.wait_for(lambda: again.bot.store.follow_up(sent.follow_up_id)["outcome"])
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
        again.slack.interact(sd.submission(modal, BOB, sd.reflect_values("Half the team came",
                                                                          "take")))
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
