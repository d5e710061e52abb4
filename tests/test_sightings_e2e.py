"""Leadership sightings end to end: /saw, its form, "Add details", the prompt's button and the
message shortcut, through the bot served in process against the fake Slack, in Socket Mode
and in signed HTTP mode; checked through `leadbot export` and the outbox in the database."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.store import Store
from tests import slackdrive as sd
from tests.e2e import bot_env, running

pytestmark = pytest.mark.e2e

CONFIG = """\
timezone: Europe/London
admins: [U0123ADMIN]
channels:
  - channel: C0123TEAM
    prompt: "0 9 * * MON"
    nudges: "0 9 1 1 *"
"""
MODES = ["socket", "http"]
BOB, ADA, TEAM = "U0000BOB", "U0123ADMIN", "C0123TEAM"
APP, GONE, NOBODY = "U0000APP", "U0000GONE", "U0NOBODY"
SIDE, OUTSIDE, HIDDEN = "C0SIDE", "C0OUTSIDE", "G0HIDDEN"
FAR = "2099-01-01T00:00:00Z"


@pytest.fixture
def env(fake, tmp_path):
    fake.add_user(APP, "helperbot", is_bot=True)
    fake.add_user(GONE, "gone", deleted=True)
    fake.add_channel(SIDE, "side", members=[BOB, ADA])  # leadbot is in it, not configured
    fake.add_channel(OUTSIDE, "outside", bot_is_member=False, members=[BOB, ADA])
    fake.add_channel(HIDDEN, "hidden", is_private=True, bot_is_member=False, members=[BOB])
    return bot_env(fake, tmp_path, CONFIG)


@pytest.fixture(params=MODES)
def bot(request, fake, env, tmp_path):
    """A running bot and a transport to it, in each mode."""
    with running(fake, env, tmp_path, request.param) as slack:
        # Ada has paused leadbot's DMs: the outbox job leaves hers queued, so what was queued
        # can be read back whenever the every-minute job happens to run.
        with opened(env) as store:
            store.save_person_settings(ADA, datetime.now(UTC), paused_until=FAR)
        yield slack


@contextmanager
def opened(env) -> Iterator[Store]:
    """The bot's database, opened beside the running bot (WAL lets both use it)."""
    store = Store.open(Path(env["LEADBOT_DB"]))
    try:
        yield store
    finally:
        store.close()


def export(run_cli, env, kind="sighting", *flags) -> list[dict]:
    result = run_cli("export", "--kind", kind, *flags, environ=env)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def dms(env, user) -> list[dict]:
    with opened(env) as store:
        return store.dms_to(user)


def saw(slack, text, user=BOB, channel=TEAM) -> dict:
    """Run /saw and check Slack got its answer well inside 3 seconds."""
    started = time.monotonic()
    answer = slack.command("/saw", text, user, channel)
    assert time.monotonic() - started < 2.5
    return answer


def words(answer: dict) -> str:
    """Everything an answer says, as one string."""
    parts = [answer.get("text") or ""]
    for block in answer.get("blocks") or []:
        parts.append((block.get("text") or {}).get("text", ""))
        parts.extend(e.get("text", "") for e in block.get("elements", [])
                     if isinstance(e.get("text"), str))
    return "\n".join(parts)


def new_modal(fake, before: set[str]) -> dict:
    return fake.wait_for(lambda: next((v for v in fake.views if v["id"] not in before
                                       and v["type"] == "modal"), None))


def view_ids(fake) -> set[str]:
    return {v["id"] for v in fake.views}


def values(person=None, text=None, theme=None, anonymous=False, leave_out=False) -> dict:
    """``state.values`` of the sighting form as Slack fills them (person absent when the form
    has no person field: "Add details")."""
    option = {"text": {"type": "plain_text", "text": "x", "emoji": True}}
    out = {
        "sighting_text": {"text": {"type": "plain_text_input", "value": text}},
        "sighting_theme": {"theme": {"type": "static_select", "selected_option":
                                     {**option, "value": theme} if theme else None}},
        "sighting_anonymous": {"anonymous": {"type": "checkboxes", "selected_options":
                                             [{**option, "value": "anonymous"}]
                                             if anonymous else []}},
        "sighting_digest": {"leave_out": {"type": "checkboxes", "selected_options":
                                          [{**option, "value": "leave_out"}]
                                          if leave_out else []}},
    }
    if person is not ...:
        out["sighting_person"] = {"person": {"type": "users_select", "selected_user": person}}
    return out


def shortcut(fake, user, channel, message_ts, author, text) -> dict:
    """A message shortcut on a message (bolt-python's message_action fixture, moved here)."""
    payload = sd.fixture("interactive_message_action.json")
    payload.update(token="fake-verification-token", callback_id="leadbot_sighting_shortcut",
                   team={"id": "T0TEAM", "domain": "fake"}, api_app_id="A0FAKE",
                   user={"id": user, "name": user.lower()},
                   channel={"id": channel, "name": "team"}, message_ts=message_ts,
                   trigger_id=fake.issue_trigger_id())
    payload.pop("response_url")  # the fake gives each delivery its own response_url
    payload["message"].update(user=author, ts=message_ts, text=text, team="T0TEAM")
    return payload


def test_quick_saw_is_named_and_add_details_changes_it(fake, bot, run_cli, env):
    slack = bot
    answer = saw(slack, f"<@{ADA}|ada> asked the quietest person first &amp; waited")
    said = words(answer)
    assert f"you saw good leadership in <@{ADA}>" in said and "with your name" in said
    [row] = export(run_cli, env)
    assert (row["user"], row["about"], row["channel"], row["anonymous"], row["in_digest"]) == (
        BOB, ADA, TEAM, False, True)
    assert row["text"] == "asked the quietest person first & waited"
    assert "theme" not in row and "choice" not in row and "ts" not in row
    [dm] = dms(env, ADA)
    assert (dm["kind"], dm["status"]) == ("sighting", "pending")
    assert f"<@{BOB}> saw good leadership in you" in dm["text"]
    assert "quietest person first &amp; waited" in dm["blocks"]
    assert ":raised_hands:" in dm["blocks"] and ":eyes:" not in dm["blocks"]  # warm, not watching
    assert dms(env, BOB) == []

    # someone else's click on the button changes nothing
    button = next(e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"])
    assert button["text"]["text"] == "Add details" and button["accessibility_label"]
    ephemeral = {"ts": "1700000000.000100", "channel": TEAM, "is_ephemeral": True}
    before = view_ids(fake)
    slack.interact(sd.button(fake, ADA, button["action_id"], button["value"],
                             message=ephemeral))
    fake.wait_for(lambda: [r for r in fake.responses if "no longer stored" in
                           r["body"].get("text", "")])
    assert view_ids(fake) == before

    # "Add details": the form, prefilled; saving updates the same sighting and the waiting DM
    slack.interact(sd.button(fake, BOB, button["action_id"], button["value"],
                             message=ephemeral))
    modal = new_modal(fake, before)
    by_id = {b.get("block_id"): b for b in modal["blocks"]}
    assert "sighting_person" not in by_id  # whom it is about stays as recorded
    assert by_id["sighting_text"]["element"]["initial_value"] == row["text"]
    done = slack.interact(sd.submission(modal, BOB, values(
        ..., "asked the quietest person first, then waited", "respect-for-people",
        anonymous=True)))
    assert done["response_action"] == "update"
    assert "now reads as you changed it, without your name" in json.dumps(done["view"])
    [row] = export(run_cli, env)
    assert (row["anonymous"], row["theme"], row["in_digest"]) == (True, "respect-for-people",
                                                                  True)
    assert row["text"].endswith("then waited") and row["updated_at"]
    [dm] = dms(env, ADA)  # still one DM, now without Bob's name
    assert BOB not in dm["text"] + dm["blocks"]
    assert "A teammate saw good leadership in you" in dm["text"]


def test_saw_alone_opens_the_form_which_checks_and_stores_once(fake, bot, run_cli, env):
    slack = bot
    before = view_ids(fake)
    assert saw(slack, "") == {}
    modal = new_modal(fake, before)
    assert modal["callback_id"] == "leadbot_sighting"
    by_id = {b.get("block_id"): b for b in modal["blocks"]}
    assert "initial_user" not in by_id["sighting_person"]["element"]
    assert by_id["sighting_text"]["element"]["max_length"] == 1000
    assert by_id["sighting_theme"]["element"]["options"][0]["value"] == "lead-from-any-level"
    bad = [
        (values(None, "ran the retro"), "sighting_person", "Pick the person"),
        (values(BOB, "ran the retro"), "sighting_person", "counts too"),
        (values(APP, "ran the retro"), "sighting_person", "an app, not a person"),
        (values(GONE, "ran the retro"), "sighting_person", "deactivated"),
        (values(NOBODY, "ran the retro"), "sighting_person", "does not know"),
        (values(ADA, "  \x00 "), "sighting_text", "a few words"),
        (values(ADA, "x" * 1001), "sighting_text", "1,000"),
        (values(ADA, "ran it", "no-such-theme"), "sighting_theme", "no longer in the library"),
    ]
    for state, block, said in bad:
        answer = slack.interact(sd.submission(modal, BOB, state))
        assert answer["response_action"] == "errors", state
        assert list(answer["errors"]) == [block] and said in answer["errors"][block]
    assert export(run_cli, env) == [] and dms(env, ADA) == []

    good = values(ADA, "stopped the line when the torque looked off", "go-to-gemba",
                  anonymous=True, leave_out=True)
    answer = slack.interact(sd.submission(modal, BOB, good))
    assert answer["response_action"] == "update"
    assert "without your name" in json.dumps(answer["view"])
    assert "stays out of the team digest" in json.dumps(answer["view"])
    [row] = export(run_cli, env, "sighting", "--include-private")
    assert (row["user"], row["about"], row["channel"], row["theme"], row["anonymous"],
            row["in_digest"]) == (BOB, ADA, TEAM, "go-to-gemba", True, False)
    # "They see your words, not your name": an export leaves the sighter out, unless asked
    [row] = export(run_cli, env)
    assert "user" not in row and row["text"] == "stopped the line when the torque looked off"
    assert BOB not in run_cli("export", environ=env).stdout
    [dm] = dms(env, ADA)
    assert BOB not in dm["text"] + dm["blocks"] and "torque looked off" in dm["blocks"]
    # the form sent again (a double click) stores nothing more, and says it is saved
    answer = slack.interact(sd.submission(modal, BOB, good))
    assert "Already saved" in json.dumps(answer["view"])
    assert len(export(run_cli, env)) == 1 and len(dms(env, ADA)) == 1
    # a form leadbot never opened, or someone else's, stores nothing
    for view, user, about in [({**modal, "id": "V0FORGED"}, BOB, ADA), (modal, ADA, BOB)]:
        answer = slack.interact(sd.submission(view, user, values(about, "sneaky")))
        assert answer["response_action"] == "update"
        assert "no longer open" in json.dumps(answer["view"])
    assert len(export(run_cli, env)) == 1

    # /saw @person without words: the form, with the person picked
    before = view_ids(fake)
    assert saw(slack, f"<@{ADA}|ada>") == {}
    modal = new_modal(fake, before)
    person = next(b for b in modal["blocks"] if b.get("block_id") == "sighting_person")
    assert person["element"]["initial_user"] == ADA


def test_bad_input_gets_a_clear_answer_and_stores_nothing(fake, bot, run_cli, env):
    slack = bot
    cases = [
        ("ada ran the retro", TEAM, "Mention the person you saw"),
        (f"<@{APP}|helperbot> merged it", TEAM, "an app, not a person"),
        (f"<@{GONE}|gone> did well", TEAM, "deactivated"),
        (f"<@{NOBODY}> did well", TEAM, "does not know that person"),
        (f"<@{ADA}|ada> " + "y" * 1001, TEAM, "1,000"),
        (f"<@{ADA}|ada> ran the retro", OUTSIDE, "leadbot is not in this channel"),
        (f"<@{ADA}|ada> ran the retro", HIDDEN, "leadbot is not in this channel"),
        (f"<@{ADA}|ada>", OUTSIDE, "leadbot is not in this channel"),
        ("", HIDDEN, "leadbot is not in this channel"),
    ]
    before = view_ids(fake)
    for text, channel, said in cases:
        answer = saw(slack, text, channel=channel)
        assert said in words(answer), (text, channel, answer)
        assert "nothing was saved" in words(answer).lower()
    # oneself: a kind word, not an error
    own = words(saw(slack, f"<@{BOB}|bob> kept the board tidy"))
    assert "counts too" in own and "/reflect" in own and "Nothing was saved" not in own
    assert "counts too" in words(saw(slack, f"<@{BOB}|bob>"))
    assert export(run_cli, env) == [] and dms(env, ADA) == []
    assert view_ids(fake) == before  # no form opened for any of them
    # help, and a channel leadbot is in without it being configured
    assert "/saw @name what they did" in words(saw(slack, "help"))
    assert "Noted" in words(saw(slack, f"<@{ADA}|ada> tidied the board", channel=SIDE))
    [row] = export(run_cli, env)
    assert row["channel"] == SIDE


def test_prompt_button_opens_the_form_for_the_prompts_channel(fake, bot, run_cli, env):
    slack = bot
    assert run_cli("post-now", TEAM, environ=env).exit_code == 0
    prompt = fake.wait_for(lambda: fake.messages(TEAM))[0]
    button = next(e for b in prompt["blocks"] if b.get("block_id") == "leadbot_saw"
                  for e in b["elements"])
    assert button["text"]["text"] == "I saw good leadership" and button["accessibility_label"]
    before = view_ids(fake)
    slack.interact(sd.button(fake, BOB, button["action_id"], button["value"], message=prompt))
    modal = new_modal(fake, before)
    answer = slack.interact(sd.submission(modal, BOB, values(ADA, "ran a calm stand-up")))
    assert answer["response_action"] == "update"
    [row] = export(run_cli, env)
    assert (row["user"], row["about"], row["channel"]) == (BOB, ADA, TEAM)
    assert export(run_cli, env, "choice") == []  # a sighting is not a choice
    assert len(dms(env, ADA)) == 1


def test_message_shortcut_fills_in_the_author_and_the_link(fake, bot, run_cli, env):
    slack = bot
    ts = fake.add_message(TEAM, "I'll write up the snag list and walk it with the line", user=ADA)
    before = view_ids(fake)
    assert slack.interact(shortcut(fake, BOB, TEAM, ts, ADA, "I'll write up the snag list")) == {}
    modal = new_modal(fake, before)
    [call] = fake.calls_to("chat.getPermalink")
    link = call.response["permalink"]
    assert (call.args["channel"], call.args["message_ts"]) == (TEAM, ts)
    person = next(b for b in modal["blocks"] if b.get("block_id") == "sighting_person")
    assert person["element"]["initial_user"] == ADA
    assert link in json.dumps(modal["blocks"])
    answer = slack.interact(sd.submission(modal, BOB, values(ADA, "wrote it up for everyone")))
    assert answer["response_action"] == "update"
    [row] = export(run_cli, env)
    assert (row["user"], row["about"], row["channel"], row["permalink"]) == (BOB, ADA, TEAM,
                                                                             link)
    [dm] = dms(env, ADA)
    assert link in dm["blocks"] and f"<@{BOB}>" in dm["text"]

    # one's own message, or an app's: nobody is picked for the seer
    own = fake.add_message(TEAM, "my own note", user=BOB)
    for author in (BOB, None):
        payload = shortcut(fake, BOB, TEAM, own, author, "my own note")
        if author is None:
            payload["message"].update(bot_id="B0OTHER", user=APP)
        before = view_ids(fake)
        slack.interact(payload)
        modal = new_modal(fake, before)
        person = next(b for b in modal["blocks"] if b.get("block_id") == "sighting_person")
        assert "initial_user" not in person["element"]


def test_saw_works_in_dms_and_group_dms_without_reading_them(fake, bot, run_cli, env):
    # The manifest grants neither im:read nor mpim:read, and the fake refuses as Slack does:
    # /saw must not need conversations.info there (it used to, and always said "try again").
    fake.add_channel("D0BOBADA", "", is_im=True, bot_is_member=False, members=[BOB, ADA])
    fake.add_channel("C0MPDM", "mpdm-bob--ada--carl-1", is_mpim=True, bot_is_member=False,
                     members=[BOB, ADA])
    bot_dm = fake.open_dm(BOB)
    for channel in (bot_dm, "D0BOBADA", "C0MPDM"):
        answer = saw(bot, f"<@{ADA}|ada> kept the retro kind", channel=channel)
        assert "Noted" in words(answer), (channel, answer)
    rows = export(run_cli, env)
    # like the Home tab: with one team channel, that channel's digest is where they belong
    assert [r["channel"] for r in rows] == [TEAM] * 3
    assert not [c for c in fake.calls if c.method == "conversations.info"
                and c.args.get("channel") in (bot_dm, "D0BOBADA", "C0MPDM")]
    # the form opens from a group DM too
    before = view_ids(fake)
    assert saw(bot, f"<@{ADA}|ada>", channel="C0MPDM") == {}
    assert new_modal(fake, before)["callback_id"] == "leadbot_sighting"
