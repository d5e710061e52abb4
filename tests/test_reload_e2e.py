"""Live reload through the running bot against the fake Slack: an edit adding a channel posts
there on time, a removed channel stops, an invalid edit keeps the old schedule and tells the
admins once, SIGHUP (a real process), /leadbot reload, and check-config --diff."""

from __future__ import annotations

import os
import re
import signal
from collections import Counter

import pytest

from bot.store import Store
from tests.e2e import BotProcess, BotThread, running

pytestmark = pytest.mark.e2e

ADA, BOB, TEAM, SECOND = "U0123ADMIN", "U0000BOB", "C0123TEAM", "C0SECOND"
HEAD = "timezone: Europe/London\nadmins: [U0123ADMIN]\nworking_days: [mon, tue, wed, thu, fri, " \
       "sat, sun]\nchannels:\n"
TEAM_EVERY_2S = '  - channel: C0123TEAM\n    prompt: "*/2 * * * * *"\n'
SECOND_EVERY_2S = '  - channel: "#second-team"\n    nudges: "1-59/2 * * * * *"\n'
TEAM_RARELY = '  - channel: C0123TEAM\n    prompt: "0 9 1 1 *"\n'


def _env(fake, tmp_path) -> dict[str, str]:
    return {"SLACK_BOT_TOKEN": fake.bot_token, "SLACK_APP_TOKEN": fake.app_token,
            "SLACK_SIGNING_SECRET": fake.signing_secret, "SLACK_API_URL": fake.api_url,
            "LEADBOT_CONFIG": str(tmp_path / "leadbot.yaml"),
            "LEADBOT_DB": str(tmp_path / "leadbot.db")}


def _write(tmp_path, body: str) -> None:
    """Save as editors do: a new file renamed over the old one."""
    path = tmp_path / "leadbot.yaml"
    temp = tmp_path / ".leadbot.yaml.swp"
    temp.write_text(HEAD + body)
    os.replace(temp, path)


def _bot_posts(fake, channel: str) -> list[dict]:
    return [m for m in fake.messages(channel) if m.get("bot_id")]


def _count_lines(bot, pattern: str) -> int:
    return sum(1 for line in list(bot.lines) if re.search(pattern, line))


def _wait_lines(fake, bot, pattern: str, count: int, timeout: float = 10) -> None:
    fake.wait_for(lambda: _count_lines(bot, pattern) >= count, timeout=timeout)


def _each_once(fake) -> None:
    keys = Counter((m["channel"], m["metadata"]["event_payload"]["kind"],
                    m["metadata"]["event_payload"]["occurrence"])
                   for ch in (TEAM, SECOND) for m in _bot_posts(fake, ch))
    assert keys and max(keys.values()) == 1, keys


def test_an_added_channel_posts_on_time_and_a_removed_one_stops(fake, tmp_path):
    fake.add_channel(SECOND, "second-team", bot_is_member=False)
    _write(tmp_path, TEAM_EVERY_2S)
    bot = BotThread(_env(fake, tmp_path), tmp_path, "socket")
    try:
        bot.wait_for_line("Socket Mode connected")
        fake.wait_for(lambda: _bot_posts(fake, TEAM), timeout=10)
        _write(tmp_path, TEAM_EVERY_2S + SECOND_EVERY_2S)
        bot.wait_for_line(r"configuration reloaded \(file changed\): channels added: "
                          r"#second-team; schedule #second-team nudge")
        assert "joined #second-team" in bot.output
        fake.wait_for(lambda: len(_bot_posts(fake, SECOND)) >= 2, timeout=10)
        first = _bot_posts(fake, SECOND)[0]
        occurrence = first["metadata"]["event_payload"]["occurrence"]
        from bot.clock import from_iso
        assert float(first["ts"]) - from_iso(occurrence).timestamp() < 2  # on time
        # the team channel kept posting through the reload
        before = len(_bot_posts(fake, TEAM))
        fake.wait_for(lambda: len(_bot_posts(fake, TEAM)) > before, timeout=6)

        _write(tmp_path, SECOND_EVERY_2S)  # the team channel is removed
        bot.wait_for_line(r"configuration reloaded \(file changed\): channels removed: "
                          r"C0123TEAM")
        seen = len(_bot_posts(fake, SECOND))
        fake.wait_for(lambda: len(_bot_posts(fake, SECOND)) >= seen + 2, timeout=8)
        settled = len(_bot_posts(fake, TEAM))  # a post in flight at the reload has landed
        seen = len(_bot_posts(fake, SECOND))
        fake.wait_for(lambda: len(_bot_posts(fake, SECOND)) >= seen + 2, timeout=8)
        assert len(_bot_posts(fake, TEAM)) == settled
    finally:
        assert bot.stop(hang_up=fake.close_sockets), bot.output
    _each_once(fake)
    assert "Traceback" not in bot.output


def test_an_invalid_edit_keeps_posting_and_tells_the_admins_once(fake, tmp_path):
    _write(tmp_path, TEAM_EVERY_2S)
    bot = BotThread(_env(fake, tmp_path), tmp_path, "socket")
    dm = fake.open_dm(ADA)
    try:
        bot.wait_for_line("Socket Mode connected")
        fake.wait_for(lambda: _bot_posts(fake, TEAM), timeout=10)
        broken = TEAM_EVERY_2S + '  - channel: C0THIRD\n    prompt: "61 * * * *"\n'
        _write(tmp_path, broken.replace("Europe/London", "Europe/Lodnon"))
        _write(tmp_path, broken)
        bot.wait_for_line(r"configuration not reloaded \(file changed\): 1 problem")
        assert re.search(r"leadbot\.yaml:8: channels\[1\]\.prompt: .*61", bot.output)
        dms = fake.wait_for(lambda: fake.messages(dm), timeout=5)
        assert "was not applied" in dms[0]["text"] and "61" in dms[0]["text"]
        # the same broken file again: saved again, and a reload asked for (as SIGHUP does)
        _write(tmp_path, broken)
        bot.bot.reloader.request()
        _wait_lines(fake, bot, r"configuration not reloaded", 2)
        before = len(_bot_posts(fake, TEAM))
        fake.wait_for(lambda: len(_bot_posts(fake, TEAM)) >= before + 2, timeout=8)
        assert len(fake.messages(dm)) == 1  # told once
        # another mistake is news
        _write(tmp_path, broken.replace('"61 * * * *"', '"0 25 * * *"'))
        fake.wait_for(lambda: len(fake.messages(dm)) == 2, timeout=8)
        # the next valid edit applies normally
        _write(tmp_path, TEAM_EVERY_2S.replace("*/2 * * * * *", "*/3 * * * * *"))
        bot.wait_for_line(r"configuration reloaded \(file changed\), valid again: schedule "
                          r"C0123TEAM prompt: \*/2 \* \* \* \* \* \(Europe/London\) -> "
                          r"\*/3")
    finally:
        assert bot.stop(hang_up=fake.close_sockets), bot.output
    assert len(fake.messages(dm)) == 2
    assert "Traceback" not in bot.output
    _each_once(fake)


def test_sighup_reloads_a_running_process(fake, tmp_path):
    fake.add_channel(SECOND, "second-team", bot_is_member=True)
    _write(tmp_path, TEAM_RARELY)
    bot = BotProcess(["run"], _env(fake, tmp_path), tmp_path)
    try:
        bot.wait_for_line("Socket Mode connected")
        bot.wait_for_line(r"scheduled \d+ job")
        (tmp_path / "leadbot.yaml").write_text(HEAD + TEAM_RARELY + SECOND_EVERY_2S)
        bot.proc.send_signal(signal.SIGHUP)
        # the watcher may see the file first; SIGHUP reloads all the same ("no change" then)
        _wait_lines(fake, bot, r"configuration reloaded \(SIGHUP\)", 1)
        assert re.search(r"configuration reloaded \((SIGHUP|file changed)\): channels added: "
                         r"#second-team", bot.output)
        fake.wait_for(lambda: _bot_posts(fake, SECOND), timeout=10)
        (tmp_path / "leadbot.yaml").write_text(HEAD + TEAM_RARELY)
        bot.proc.send_signal(signal.SIGHUP)
        _wait_lines(fake, bot, r"configuration reloaded \(SIGHUP\)", 2)
        bot.wait_for_line(r"channels removed: #second-team")
    finally:
        assert bot.stop() == 0, bot.output
    assert "stopped cleanly" in bot.output


def test_leadbot_reload_for_admins_only(fake, tmp_path):
    _write(tmp_path, TEAM_RARELY)
    with running(fake, _env(fake, tmp_path), tmp_path, "http") as slack:
        refusal = slack.command("/leadbot", "reload", BOB, TEAM)
        assert "admins" in refusal["text"]
        fake.add_channel(SECOND, "second-team", bot_is_member=True)
        path = tmp_path / "leadbot.yaml"
        path.write_text(HEAD + TEAM_RARELY.replace("0 9 1 1 *", "0 8 1 1 *"))
        answer = slack.command("/leadbot", "reload", ADA, TEAM)
        assert answer["text"].startswith("Reading the configuration")
        done = fake.wait_for(lambda: [r["body"] for r in fake.responses
                                      if "Reloaded" in r["body"].get("text", "")])
        assert "schedule C0123TEAM prompt: 0 9 1 1 * (Europe/London) -&gt; 0 8 1 1 *" in \
            done[0]["text"]
        path.write_text(HEAD + TEAM_RARELY + "  - channel: nowhere\n")
        slack.command("/leadbot", "reload", ADA, TEAM)
        refused = fake.wait_for(lambda: [r["body"] for r in fake.responses
                                         if "Not reloaded" in r["body"].get("text", "")])
        assert "leadbot.yaml:7: channels[1].channel" in refused[0]["text"]
        slack.process.wait_for_line(r"configuration not reloaded \(/leadbot reload by U0123ADMIN")


def test_check_config_diff(fake, tmp_path, run_cli):
    env = _env(fake, tmp_path)
    _write(tmp_path, TEAM_RARELY)
    result = run_cli("check-config", "--diff", environ=env)
    assert result.exit_code == 0, result.output
    assert "no configuration recorded" in result.stdout
    assert "  channels added: C0123TEAM" in result.stdout
    with running(fake, env, tmp_path, "socket"):
        pass  # the bot records what it applied at start
    fake.add_channel(SECOND, "second-team", bot_is_member=True)
    _write(tmp_path, TEAM_RARELY.replace("0 9 1 1 *", "0 8 * * MON") + SECOND_EVERY_2S)
    result = run_cli("check-config", "--diff", environ=env)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[-4].startswith("diff: compared with the configuration the bot applied at ")
    assert lines[-3:] == [
        "  channels added: #second-team",
        "  schedule C0123TEAM prompt: 0 9 1 1 * (Europe/London) -> 0 8 * * MON "
        "(Europe/London); next run Mon 30 Nov 2026 08:00 GMT",
        "  schedule #second-team nudge: (none) -> 1-59/2 * * * * * (Europe/London); next run "
        "Wed 25 Nov 2026 12:00 GMT"]
    store = Store.open(tmp_path / "leadbot.db")
    try:
        assert list(store.applied_config()[1]["channels"]) == ["C0123TEAM"]
    finally:
        store.close()


def test_an_edit_to_the_prompt_library_applies_and_a_broken_one_is_refused(fake, tmp_path):
    from bot.library import DEFAULT_LIBRARY

    library = tmp_path / "prompts.yaml"  # beside the configuration: the bot uses it
    text = DEFAULT_LIBRARY.read_text(encoding="utf-8")
    library.write_text(text, encoding="utf-8")
    _write(tmp_path, TEAM_RARELY)
    bot = BotThread(_env(fake, tmp_path), tmp_path, "socket")
    try:
        bot.wait_for_line("Socket Mode connected")
        library.write_text(text.replace('name: "Go where the work happens"',
                                        'name: "Go to the gemba"'), encoding="utf-8")
        bot.wait_for_line(r"configuration reloaded \(file changed\): theme go-to-gemba name: "
                          r"Go where the work happens -> Go to the gemba; library: its words "
                          r"changed")
        assert bot.bot.deps.themes()["go-to-gemba"] == "Go to the gemba"
        library.write_text(text.replace("themes:\n", "themes:\n  Bad Id:\n", 1),
                           encoding="utf-8")
        bot.wait_for_line(r"configuration not reloaded \(file changed\)")
        assert re.search(r"prompts\.yaml:\d+: ", bot.output)
        assert bot.bot.deps.themes()["go-to-gemba"] == "Go to the gemba"
    finally:
        assert bot.stop(hang_up=fake.close_sockets), bot.output


def test_check_config_diff_of_a_broken_file_lists_its_problems(fake, tmp_path, run_cli):
    env = _env(fake, tmp_path)
    _write(tmp_path, TEAM_RARELY.replace("0 9 1 1 *", "0 25 * * MON"))
    result = run_cli("check-config", "--diff", environ=env)
    assert result.exit_code == 2
    assert "leadbot.yaml:6: channels[0].prompt:" in result.stderr and "(25)" in result.stderr
    assert "diff:" not in result.stdout  # no comparison of a file that would be refused
