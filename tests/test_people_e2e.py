"""People in control, time-travelled with an injected clock through the real bot and the fake
Slack: pause, quiet hours, DM opt-outs, the person's own time zone, quiet-channel alerts and
retention."""

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
admins: [U0123ADMIN]
channels:
  - channel: C0123TEAM
    prompt: "0 9 1 1 *"
"""
TEAM, BOB, ADA, KEN = "C0123TEAM", "U0000BOB", "U0123ADMIN", "U0000KEN"
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # 10:00 in London


def _running(fake, slack_settings, config_path):
    """The real bot in process, its clock fixed on Monday, a prompt posted; yields it."""
    fake.add_user(KEN, "ken", tz="Asia/Tokyo", channels=[TEAM])
    config = load_config(config_path)
    clock = FixedClock(MONDAY)
    assert runtime.post_now(slack_settings, config, clock, TEAM, "prompt").status == "posted"
    running = runtime.start(slack_settings, config, clock, http=False)
    thread = threading.Thread(target=runtime.run_socket_mode, args=(running,), daemon=True)
    thread.start()
    fake.wait_for(lambda: fake.socket_connections > 0, timeout=10)
    running.clock, running.config_ = clock, config
    running.slack = sd.Transport(fake, "socket")
    yield running
    runtime.shutdown(running)
    fake.close_sockets()  # Slack hangs up: the client's read in progress ends now
    thread.join(timeout=10)


@pytest.fixture
def bot(fake, slack_settings, write_config):
    yield from _running(fake, slack_settings, write_config(CONFIG))


def dms(fake, user):
    ws = fake.workspace
    return [m for ch, msgs in ws.messages.items()
            if ws.channels[ch].is_im and ws.channels[ch].user == user for m in msgs]


def take(fake, bot, user):
    bot.slack.interaction(sd.click(fake, fake.messages(TEAM)[0], user, "take"))
    fake.wait_for(lambda: bot.store.choices_of(user))


def setting(fake, bot, user, action, **fields):
    """Use a settings control on the person's Home tab, as Slack sends it."""
    view = fake.home_view(user) or {"id": "V0HOME", "type": "home", "blocks": []}
    payload = sd.button(fake, user, f"leadbot_settings_{action}", fields.pop("value", ""),
                        view=view)
    payload["actions"][0].update(fields)
    bot.slack.interact(payload)


def test_pause_skips_follow_ups_and_dms_come_back_after(fake, bot):
    take(fake, bot, BOB)
    setting(fake, bot, BOB, "pause", type="static_select",
            selected_option={"text": {"type": "plain_text", "text": "1 week"}, "value": "1w"})
    fake.wait_for(lambda: bot.store.person_settings(BOB)["paused_until"])
    bot.clock.set(MONDAY + timedelta(days=3))  # Thursday: due, but Bob is away
    assert bot.follow_ups.run() == []
    [row] = bot.store.export_rows("follow_up")
    assert (row["status"], dms(fake, BOB)) == ("cancelled", [])
    # a week later the pause is over: a new "take" is followed up again
    bot.clock.set(MONDAY + timedelta(days=7))
    bot.store.queue_dm(BOB, "sighting", "Ada saw you lead", None, bot.clock.now())
    assert bot.outbox.run() != []
    assert [m["text"] for m in dms(fake, BOB)] == ["Ada saw you lead"]


def test_quiet_hours_hold_a_follow_up_until_they_end(fake, bot):
    take(fake, bot, BOB)
    setting(fake, bot, BOB, "quiet_start", selected_time="09:30")
    setting(fake, bot, BOB, "quiet_end", selected_time="12:00")
    fake.wait_for(lambda: bot.store.person_settings(BOB)["quiet_end"] == "12:00")
    bot.clock.set(MONDAY + timedelta(days=3))  # Thursday 10:00, inside Bob's quiet hours
    assert bot.follow_ups.run() == []
    bot.clock.set(MONDAY + timedelta(days=3, hours=2))  # 12:00
    assert [s.user for s in bot.follow_ups.run()] == [BOB]


def test_sighting_dms_can_be_turned_off(fake, bot):
    setting(fake, bot, BOB, "sighting_dms", value="off")
    fake.wait_for(lambda: not bot.store.person_settings(BOB)["sighting_dms"])
    bot.store.queue_dm(BOB, "sighting", "Ada saw you lead", None, bot.clock.now())
    assert bot.outbox.run() == []
    assert [r["status"] for r in bot.store.dms_to(BOB)] == ["cancelled"]
    assert dms(fake, BOB) == []
    # follow-up DMs are a separate switch
    take(fake, bot, BOB)
    bot.clock.set(MONDAY + timedelta(days=3))
    assert [s.user for s in bot.follow_ups.run()] == [BOB]


def test_the_persons_own_time_zone_decides_the_follow_ups_hour(fake, bot):
    take(fake, bot, KEN)  # Monday 10:00 London is 19:00 in Tokyo
    bot.follow_ups.run()
    [row] = bot.store.export_rows("follow_up")
    assert row["due_at"] == "2026-11-27T00:00:00Z"  # Friday 09:00 in Tokyo
    bot.clock.set(datetime(2026, 11, 26, 10, 0, tzinfo=UTC))  # Thursday 10:00 London
    assert bot.follow_ups.run() == []
    bot.clock.set(datetime(2026, 11, 27, 0, 0, tzinfo=UTC))
    assert [s.user for s in bot.follow_ups.run()] == [KEN]


def test_quiet_channel_tells_admins_once(fake, bot):
    store, clock = bot.store, bot.clock
    # two more unanswered prompts, a week apart (the first was posted on Monday)
    for week in (1, 2):
        at = MONDAY + timedelta(weeks=week)
        post = store.claim_post(TEAM, "prompt", at, at)
        store.mark_posted(post, ts=f"17649{week}0000.000100", text="the refrain", at=at)
    clock.set(MONDAY + timedelta(weeks=2, hours=12))  # the newest is not a day old yet
    assert bot.quiet.run() == []
    clock.set(MONDAY + timedelta(weeks=2, days=1, hours=1))
    assert bot.quiet.run() == [TEAM]
    assert bot.quiet.run() == []  # said once
    bot.outbox.run()
    [alert] = dms(fake, ADA)
    assert "last 3 prompts" in alert["text"] and "leadbot preview --channel C0123TEAM" in \
        alert["text"]
    assert dms(fake, BOB) == []
    # an answered prompt re-arms it; three unanswered ones after that alert again
    take(fake, bot, BOB)
    assert bot.quiet.run() == []
    assert store.alert(TEAM, "quiet") is None
    for week in (3, 4, 5):
        at = MONDAY + timedelta(weeks=week)
        post = store.claim_post(TEAM, "prompt", at, at)
        store.mark_posted(post, ts=f"17659{week}0000.000100", text="the refrain", at=at)
    clock.set(MONDAY + timedelta(weeks=5, days=2))
    assert bot.quiet.run() == [TEAM]


def test_retention_deletes_old_words_and_keeps_new_ones(fake, bot, run_cli, slack_settings):
    store, clock = bot.store, bot.clock
    old, new = MONDAY - timedelta(days=400), MONDAY - timedelta(days=10)
    post = store.get_post(1)
    for n, at in enumerate([old, new]):
        store.record_reply(channel=TEAM, thread_ts=post["ts"], ts=f"1700000{n}00.000100",
                           user=BOB, text=f"reply {n}", at=at, post_id=post["id"])
        store.record_reflection(user=BOB, channel=TEAM, text=f"reflection {n}", at=at)
    from bot.services.retention import purge_old_words
    counts = purge_old_words(store, clock.now(), 365)
    assert (counts["replies"], counts["reflections"]) == (1, 1)
    assert [r.get("text") for r in store.export_rows("reply")] == [None, "reply 1"]
    assert [r["text"] for r in store.export_rows("reflection")] == [None, "reflection 1"]
    assert len(store.export_rows("reply")) == 2  # the rows, and so the counts, stay
    assert purge_old_words(store, clock.now(), 0) == {}  # 0 keeps everything
    result = run_cli("purge", "--older-than", "5",
                     environ={"LEADBOT_DB": str(slack_settings.db_path)})
    assert result.exit_code == 0
    assert "1 replies, 1 reflections" in result.output


NAMED_CONFIG = CONFIG + "    show_names: true\n    min_group_size: 1\n"


@pytest.fixture
def named_bot(fake, slack_settings, write_config):
    """The bot in a channel that shows names (and a digest for groups of any size)."""
    yield from _running(fake, slack_settings, write_config(NAMED_CONFIG))


def _words(blocks) -> str:
    import json

    return json.dumps(blocks, ensure_ascii=False)


def test_names_shown_only_for_follow_and_take_and_said_before_anyone_clicks(fake, named_bot,
                                                                            slack_settings):
    bot = named_bot
    prompt = fake.messages(TEAM)[0]
    # before anyone clicks, the prompt says that this channel shows names; no button is
    # styled as the one to press
    assert "shows who chose follow or take the lead" in _words(prompt["blocks"])
    buttons = next(b for b in prompt["blocks"] if b.get("block_id") == "leadbot_choice")
    assert not any("style" in e for e in buttons["elements"])
    for user, choice in [(BOB, "take"), (ADA, "pass"), (KEN, "follow")]:
        bot.slack.interaction(sd.click(fake, prompt, user, choice))
    counts = fake.wait_for(lambda: next(
        (b for b in fake.messages(TEAM)[0]["blocks"] if b.get("block_id") == "leadbot_counts"
         and "1 pass" in _words(b) and "1 follow" in _words(b)), None))
    said = _words(counts)
    assert f"<@{BOB}>" in said and f"<@{KEN}>" in said and "1 pass" in said
    assert ADA not in said  # passing is counted, never named
    pass_note = fake.wait_for(lambda: fake.ephemerals(TEAM, ADA))[-1]["text"]
    assert "next time" not in pass_note.lower() and "as good as the others" in pass_note

    # a reflection shared with the name (the form said so) keeps it, whatever the channel
    # says later: the digest posted by a bot whose channel no longer shows names still names it
    before = {v["id"] for v in fake.views}
    bot.slack.command("/reflect", "", BOB, TEAM)
    modal = fake.wait_for(lambda: next((v for v in fake.views if v["id"] not in before), None))
    share = next(b for b in modal["blocks"] if b["block_id"] == "reflect_share")
    assert share["element"]["options"][0]["text"]["text"].endswith("with your name")
    answer = bot.slack.interact(sd.submission(modal, BOB, sd.reflect_values(
        "I asked Ken to run the stand-up", "take", shared=True)))
    assert "Shared in the team digest, with your name" in _words(answer["view"])
    [row] = bot.store.reflections_of(BOB)
    assert (row["shared"], row["shared_named"]) == (1, 1)
    history = _words(bot.slack.command("/reflect", "history", BOB, TEAM))
    assert "shared in the team digest, with your name" in history
    anonymous_config = load_config(_write(slack_settings, CONFIG + "    min_group_size: 1\n"))
    bot.clock.set(MONDAY + timedelta(hours=2))
    assert runtime.post_now(slack_settings, anonymous_config, bot.clock, TEAM,
                            "digest").status == "posted"
    digest = _words([m.get("blocks") for m in fake.messages(TEAM)[1:]])
    assert "I asked Ken to run the stand-up" in digest and f"<@{BOB}>" in digest


def _write(slack_settings, text: str):
    path = slack_settings.db_path.parent / "later.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_person_seen_can_keep_sightings_about_them_out_of_the_digest(fake, named_bot,
                                                                         slack_settings):
    bot = named_bot
    bot.slack.command("/reflect", "settings", BOB, TEAM)
    bot.slack.event(sd.home_opened(BOB))
    home = fake.wait_for(lambda: fake.home_view(BOB))
    assert "Sightings about you in the team digest: *on*" in _words(home)
    # the Home tab quotes the refrain exactly, attributed to John Shook and the article
    assert "don’t complain" in _words(home) and "Lead from the Front" in _words(home)
    assert "John Shook" in _words(home)
    setting(fake, bot, BOB, "sightings_in_digest", value="off")
    fake.wait_for(lambda: not bot.store.person_settings(BOB)["sightings_in_digest"])
    assert "Noted" in _words(bot.slack.command("/saw", f"<@{BOB}|bob> kept the retro calm",
                                               ADA, TEAM))
    assert "Noted" in _words(bot.slack.command("/saw", f"<@{KEN}|ken> fixed the board",
                                               ADA, TEAM))
    bot.clock.set(MONDAY + timedelta(hours=2))
    assert runtime.post_now(slack_settings, bot.config_, bot.clock, TEAM,
                            "digest").status == "posted"
    digest = _words([m.get("blocks") for m in fake.messages(TEAM)[1:]])
    assert "fixed the board" in digest and "kept the retro calm" not in digest


def test_nudges_name_their_theme_never_its_id(fake, named_bot, slack_settings):
    bot = named_bot
    for hours in (1, 2, 3):
        bot.clock.set(MONDAY + timedelta(hours=hours))
        assert runtime.post_now(slack_settings, bot.config_, bot.clock, TEAM,
                                "nudge").status == "posted"
    themes = bot.config_.library.themes
    for nudge in fake.messages(TEAM)[1:]:
        said = _words(nudge["blocks"]) + nudge["text"]
        assert not [key for key in themes if key in said], said
        assert any(theme.name in said for theme in themes.values())
