"""/reflect, its modal, the Home tab and /leadbot, through the bot served in process against
the fake Slack, in Socket Mode and in signed HTTP mode; checked through `leadbot export`."""

from __future__ import annotations

import json
import time

import pytest

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


@pytest.fixture
def env(fake, tmp_path):
    return bot_env(fake, tmp_path, CONFIG)


@pytest.fixture(params=MODES)
def bot(request, fake, env, tmp_path):
    """A running bot and a transport to it, in each mode."""
    with running(fake, env, tmp_path, request.param) as slack:
        yield slack


def export(run_cli, env, kind, *flags) -> list[dict]:
    result = run_cli("export", "--kind", kind, *flags, environ=env)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def command(slack, text, user=BOB, name="/reflect", channel=TEAM) -> dict:
    """Run a command and check Slack got its answer well inside 3 seconds."""
    started = time.monotonic()
    answer = slack.command(name, text, user, channel)
    assert time.monotonic() - started < 2.5
    return answer


def words(answer: dict) -> str:
    """Everything a command's answer says, as one string."""
    parts = [answer.get("text") or ""]
    for block in answer.get("blocks") or []:
        parts.append((block.get("text") or {}).get("text", ""))
        parts.extend(e.get("text", "") for e in block.get("elements", [])
                     if isinstance(e.get("text"), str))
    return "\n".join(parts)


def open_modal(fake, slack, user=BOB) -> dict:
    before = {v["id"] for v in fake.views}
    assert command(slack, "", user) == {}
    return fake.wait_for(lambda: next((v for v in fake.views if v["id"] not in before
                                       and v["type"] == "modal"), None))


def test_modal_opens_validates_and_stores_once(fake, bot, run_cli, env):
    slack = bot
    modal = open_modal(fake, slack)
    assert modal["callback_id"] == "leadbot_reflect"
    by_id = {b["block_id"]: b for b in modal["blocks"]}
    assert set(by_id) == {"reflect_text", "reflect_choice", "reflect_theme", "reflect_share"}
    assert by_id["reflect_text"]["element"]["max_length"] == 3000
    assert "3,000" in by_id["reflect_text"]["hint"]["text"]
    assert by_id["reflect_theme"]["element"]["options"][0]["value"] == "lead-from-any-level"
    # invalid input: the error is on the text field and nothing is stored
    for bad in ("", "   \x00\x07  ", "x" * 10_000):
        answer = slack.interact(sd.submission(modal, BOB, sd.reflect_values(bad)))
        assert answer["response_action"] == "errors"
        assert list(answer["errors"]) == ["reflect_text"]
    assert export(run_cli, env, "reflection") == []
    # a good one, shared, is stored with its channel, confirmed privately, shown on Home
    values = sd.reflect_values("I asked the newest person\x07 to run the retro.", "take",
                               "respect-for-people", shared=True)
    answer = slack.interact(sd.submission(modal, BOB, values, trigger_id="1.submit.first"))
    assert "Reflection saved" in json.dumps(answer["view"])  # "Saving...", then the outcome
    [row] = export(run_cli, env, "reflection", "--include-private")
    assert (row["user"], row["channel"], row["choice"], row["theme"], row["shared"],
            row["source"]) == (BOB, TEAM, "take", "respect-for-people", True, "modal")
    assert row["text"] == "I asked the newest person to run the retro."
    # shared without the name (this channel does not show names): an export leaves it out
    [row] = export(run_cli, env, "reflection")
    assert (row["shared_named"], "user" in row) == (False, False)
    assert row["text"] == "I asked the newest person to run the retro."
    fake.wait_for(lambda: fake.ephemerals(TEAM, BOB))
    assert "saved" in fake.ephemerals(TEAM, BOB)[-1]["text"]
    home = fake.wait_for(lambda: fake.home_view(BOB))
    assert "run the retro" in json.dumps(home)
    # the form sent again (a double click: a new trigger_id) is saved once, and says so
    answer = slack.interact(sd.submission(modal, BOB, values, trigger_id="2.submit.again"))
    assert "Reflection saved" in json.dumps(answer["view"])
    assert len(export(run_cli, env, "reflection")) == 1


def test_submissions_for_views_the_bot_never_opened(fake, bot, run_cli, env):
    slack = bot
    modal = open_modal(fake, slack)
    forged = {**modal, "id": "V0FORGED"}
    for view, user in [(forged, BOB), (modal, ADA)]:  # unknown view; someone else's view
        answer = slack.interact(sd.submission(view, user, sd.reflect_values("sneaky")))
        assert answer["response_action"] == "update"
        assert "no longer open" in json.dumps(answer["view"])
    assert export(run_cli, env, "reflection") == []


def test_quick_reflections_and_add_details(fake, bot, run_cli, env):
    slack = bot
    answer = command(slack, "take: I ran the stand-up at the board")
    assert "saved" in words(answer).lower()
    command(slack, "Learned to ask why five times")
    command(slack, "PASS:   let Ada lead the review")
    # not shared ("only you see it"): the export leaves their words out, unless asked
    rows = export(run_cli, env, "reflection")
    assert [(r.get("text"), r.get("choice"), r["shared"]) for r in rows] == [
        (None, "take", False), (None, None, False), (None, "pass", False)]
    everything = run_cli("export", environ=env)
    for private in ("stand-up", "five times", "Ada lead"):
        assert private not in everything.stdout
    rows = export(run_cli, env, "reflection", "--include-private")
    assert [(r["text"], r.get("choice"), r["source"]) for r in rows] == [
        ("I ran the stand-up at the board", "take", "quick"),
        ("Learned to ask why five times", None, "quick"),
        ("let Ada lead the review", "pass", "quick")]
    # too long, or nothing but control characters: a clear answer, nothing stored
    assert "3,000" in words(command(slack, "follow: " + "y" * 10_000))
    assert "Nothing was saved" in words(command(slack, "take: \x00\x01"))
    assert len(export(run_cli, env, "reflection")) == 3
    # "Add details" opens the form prefilled; saving it updates the same reflection
    button = next(e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"])
    message = {"ts": "1700000000.000100", "channel": TEAM, "is_ephemeral": True}
    before = {v["id"] for v in fake.views}
    slack.interact(sd.button(fake, BOB, button["action_id"], button["value"], message=message))
    modal = fake.wait_for(lambda: next((v for v in fake.views if v["id"] not in before
                                        and v["type"] == "modal"), None))
    text_input = next(b for b in modal["blocks"] if b["block_id"] == "reflect_text")
    assert text_input["element"]["initial_value"] == "I ran the stand-up at the board"
    values = sd.reflect_values("I ran the stand-up at the board; the team fixed two snags.",
                               "take", "go-to-gemba")
    answer = slack.interact(sd.submission(modal, BOB, values))
    assert "Reflection saved" in json.dumps(answer["view"])
    rows = export(run_cli, env, "reflection", "--include-private")
    assert len(rows) == 3
    assert rows[0]["theme"] == "go-to-gemba" and rows[0]["updated_at"]
    assert rows[0]["text"].endswith("fixed two snags.")


def test_unknown_subcommand_and_help(bot):
    answer = command(bot, "histroy")
    assert "`histroy` is not something" in words(answer)
    assert "/reflect history" in words(answer)
    assert "/reflect forget" in words(command(bot, "help"))


def test_unknown_words_are_echoed_escaped(bot):
    for sent, shown in [
        # the characters typed, as Slack sends them (escaped by Slack)
        ("&lt;!channel&gt;", "`&lt;!channel&gt;` is not something"),
        ("&lt;https://x|click&gt;", "`&lt;https://x|click&gt;` is not something"),
        ("<!channel>", "`@channel` is not something"),  # a real mention: echoed as words
    ]:
        said = words(command(bot, sent))
        assert shown in said
        assert "<!channel>" not in said and "<https://x|click>" not in said


def test_the_form_opens_in_a_show_names_channel(fake, tmp_path):
    env = bot_env(fake, tmp_path, CONFIG.replace('    prompt: "0 9 * * MON"\n',
                                                 '    prompt: "0 9 * * MON"\n'
                                                 "    show_names: true\n"))
    with running(fake, env, tmp_path, "socket") as slack:
        modal = open_modal(fake, slack)  # Slack refuses a form breaking its limits
    [share] = [b for b in modal["blocks"] if b["block_id"] == "reflect_share"]
    [option] = share["element"]["options"]
    assert option["text"]["text"].endswith(", with your name")
    assert len(option["description"]["text"]) <= 75


def test_history_stats_and_forget(fake, bot, run_cli, env):
    slack = bot
    assert run_cli("post-now", TEAM, environ=env).exit_code == 0
    prompt = fake.wait_for(lambda: fake.messages(TEAM))[0]
    for user, choice in [(BOB, "take"), (ADA, "follow")]:
        slack.interaction(sd.click(fake, prompt, user, choice))
    slack.event(sd.thread_reply(TEAM, prompt["ts"], "1800000000.000200", BOB, "on it"))
    slack.event(sd.thread_reply(TEAM, prompt["ts"], "1800000000.000300", ADA, "me too"))
    command(slack, "take: moved the huddle to the line")
    command(slack, "follow: backed Ada's experiment", user=ADA)
    fake.wait_for(lambda: len(export(run_cli, env, "choice")) == 2
                  and len(export(run_cli, env, "reply")) == 2)

    history = words(command(slack, "history"))
    assert "moved the huddle to the line" in history
    assert "backed Ada" not in history  # only one's own
    assert time.strftime("%Y") in history
    stats = words(command(slack, "stats"))
    assert "1 take the lead" in stats and "1 week in a row" in stats

    confirm = command(slack, "forget")
    assert "1 choice, 1 thread reply" in words(confirm)
    assert export(run_cli, env, "reflection")  # nothing deleted before the click
    ephemeral = {"ts": "1700000000.000200", "channel": TEAM, "is_ephemeral": True}
    slack.interact(sd.button(fake, BOB, "leadbot_forget_confirm", "forget", message=ephemeral))
    done = fake.wait_for(lambda: [r for r in fake.responses if "Deleted" in
                                  r["body"].get("text", "")])
    assert "1 reflection," in done[-1]["body"]["text"]
    for kind in ("choice", "reply", "reflection"):
        assert {r["user"] for r in export(run_cli, env, kind)} == {ADA}, kind
    assert "none yet" in words(command(slack, "stats")).lower()


def test_home_tab_published_on_open(fake, bot):
    slack = bot
    command(slack, "take: tried a five-minute gemba walk")
    fake.wait_for(lambda: fake.calls_to("views.publish"))  # refreshed after the reflection
    fake.reset_calls()
    slack.event(sd.home_opened(BOB))
    fake.wait_for(lambda: fake.calls_to("views.publish"))
    home = json.dumps(fake.home_view(BOB))
    assert "five-minute gemba walk" in home
    assert f"<#{TEAM}>" in home and "Write a reflection" in home
    slack.event(sd.home_opened(BOB, tab="messages"))  # the other tab: acked, nothing published
    slack.event(sd.home_opened(ADA))  # published after it: by then Bob's would be too
    fake.wait_for(lambda: fake.home_view(ADA))
    assert [c.args["user_id"] for c in fake.calls_to("views.publish")] == [BOB, ADA]
    # "Write a reflection" on the Home tab opens the form; saving confirms in the form
    before = {v["id"] for v in fake.views}
    slack.interact(sd.button(fake, BOB, "leadbot_reflect_open", "new",
                             view=fake.home_view(BOB)))
    modal = fake.wait_for(lambda: next((v for v in fake.views if v["id"] not in before
                                        and v["type"] == "modal"), None))
    answer = slack.interact(sd.submission(modal, BOB, sd.reflect_values("from home")))
    assert answer["response_action"] == "update"
    assert "Reflection saved" in json.dumps(answer["view"])


def test_admin_commands_only_for_admins(fake, bot):
    slack = bot
    refusal = words(command(slack, "status", name="/leadbot"))
    assert "admins" in refusal and TEAM not in refusal and ADA not in refusal
    assert "admins" in words(command(slack, f"post-now <#{TEAM}|team>", name="/leadbot"))
    assert fake.messages(TEAM) == []

    status = words(command(slack, "status", user=ADA, name="/leadbot"))
    assert f"<#{TEAM}>" in status and "nothing posted yet" in status
    unknown = words(command(slack, "post-now #nowhere", user=ADA, name="/leadbot"))
    assert "not one of leadbot's channels" in unknown
    answer = command(slack, f"post-now <#{TEAM}|team> nudge", user=ADA, name="/leadbot")
    assert "Posting a nudge" in words(answer)
    fake.wait_for(lambda: fake.messages(TEAM))
    done = fake.wait_for(lambda: [r for r in fake.responses if "Posted" in
                                  r["body"].get("text", "")])
    assert "nudge" in done[-1]["body"]["text"]
    assert "last nudge posted" in words(command(slack, "", user=ADA, name="/leadbot"))
