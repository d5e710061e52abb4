"""The command line: every command works, errors are one clear line, docs are complete."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner

from bot.cli import cli
from tests.conftest import MINIMAL, REPO

COMMANDS = sorted(cli.commands)


def test_check_config_ok(run_cli):
    result = run_cli("check-config", str(REPO / "config" / "leadbot.yaml"))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "OK: 2 channel(s)" in lines[0]
    assert lines[1].strip().startswith("C0123TEAM (America/Chicago): prompt \"0 9 * * MON\" "
                                       "next Mon 30 Nov 09:00 CST")
    assert lines[2].strip().startswith("#platform-team (Europe/London)")


def test_check_config_errors_exit_2(run_cli, write_config):
    path = write_config("timezone: Europe/Londn\nchannels: []\n")
    result = run_cli("check-config", str(path))
    assert result.exit_code == 2
    assert f"error: {path}:1: timezone: unknown timezone" in result.output
    assert f"error: {path}:2: channels: must not be empty" in result.output
    assert "2 problems found" in result.output
    assert "Traceback" not in result.output


def test_config_from_environment(run_cli, write_config):
    path = write_config(MINIMAL)
    result = run_cli("check-config", environ={"LEADBOT_CONFIG": str(path)})
    assert result.exit_code == 0 and "1 channel(s)" in result.output


def test_preview(run_cli, write_config):
    path = write_config(MINIMAL)
    result = run_cli("--config", str(path), "preview", "--days", "7")
    assert result.exit_code == 0, result.output
    assert "C0123TEAM (Europe/London)" in result.output
    assert "Mon 30 Nov 2026 09:00 GMT  prompt" in result.output
    assert "Thu 26 Nov 2026 14:00 GMT  nudge [" in result.output


@pytest.mark.parametrize(("args", "fragment"), [
    (["preview", "--days", "0"], "Invalid value for '--days'"),
    (["preview", "--channel", "C999"], "'C999' is not in"),
    (["export", "--since", "last tuesday"], "'last tuesday' is not a date"),
    (["export", "--format", "xml"], "Invalid value for '--format'"),
    (["export", "--format", "csv"], "give --output FOLDER, or --kind KIND"),
    (["export", "--kind", "secrets"], "Invalid value for '--kind'"),
    (["frobnicate"], "No such command 'frobnicate'"),
])
def test_usage_errors_are_clear(run_cli, write_config, args, fragment):
    path = write_config(MINIMAL)
    result = run_cli("--config", str(path), *args)
    assert result.exit_code == 2
    assert fragment in result.output
    assert "Traceback" not in result.output


def test_export_and_stats(run_cli, tmp_path, clock):
    from bot.store import Store

    store = Store.open(tmp_path / "cli.db")
    post = store.claim_post("C1", "prompt", clock.now(), clock.now())
    store.mark_posted(post, ts="1.1", text="hello", at=clock.now())
    store.record_choice(post, "U1", "follow", clock.now())
    store.close()
    result = run_cli("export", "--format", "json")
    assert result.exit_code == 0
    kinds = [json.loads(line)["kind"] for line in result.output.splitlines()]
    assert kinds == ["post", "choice"]
    result = run_cli("export", "--format", "csv", "--kind", "choice")
    assert result.output.splitlines()[0] == "kind,channel,user,text,choice,ts,at,current"
    result = run_cli("export", "--format", "csv", "--output", str(tmp_path / "out"))
    assert result.exit_code == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "choices.csv", "follow_ups.csv", "posts.csv", "reactions.csv", "reflections.csv",
        "replies.csv", "sightings.csv"]
    result = run_cli("stats")
    assert result.output.splitlines()[1].split() == ["C1", "1", "0", "0", "1", "0", "0", "0",
                                                     "0", "1"]


def test_stats_empty(run_cli):
    assert run_cli("stats").output.strip() == "Nothing recorded yet."


def test_migrate(run_cli):
    result = run_cli("migrate")
    assert result.exit_code == 0 and "m001_initial" in result.output


def test_run_without_token_names_it(run_cli, write_config):
    path = write_config(MINIMAL)
    result = run_cli("--config", str(path), "run")
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[0].startswith("error: SLACK_BOT_TOKEN is not set")


def test_run_refuses_invalid_config(run_cli, write_config):
    path = write_config("timezone: UTC\nchannels: []\n")
    result = run_cli("--config", str(path), "run", environ={"SLACK_BOT_TOKEN": "xoxb-1"})
    assert result.exit_code == 2 and "channels: must not be empty" in result.output


def test_newer_database_is_one_line(run_cli, tmp_path):
    import sqlite3

    from bot.store import Store

    Store.open(tmp_path / "cli.db").close()
    conn = sqlite3.connect(tmp_path / "cli.db")
    conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                 "VALUES ('leadbot', 'm999_future', 'x')")
    conn.commit()
    conn.close()
    result = run_cli("stats")
    assert result.exit_code == 1
    assert result.output.startswith("error: database") and "newer leadbot" in result.output


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(run_cli, command):
    result = run_cli(command, "--help")
    assert result.exit_code == 0
    assert "Usage: " in result.output and len(result.output.splitlines()) > 3


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_in_the_readme(command):
    readme = (REPO / "README.md").read_text()
    assert re.search(rf"leadbot {re.escape(command)}\b", readme), f"README lacks {command}"


def test_readme_starts_with_the_two_commands():
    head = "\n".join((REPO / "README.md").read_text().splitlines()[:12])
    assert "make run" in head and "make test" in head


def test_python_dash_m_bot():
    result = subprocess.run([sys.executable, "-m", "bot", "--version"], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0 and result.stdout.startswith("leadbot, version")


def test_forget(run_cli, tmp_path, clock):
    from bot.store import Store

    store = Store.open(tmp_path / "cli.db")
    post = store.claim_post("C1", "prompt", clock.now(), clock.now())
    store.mark_posted(post, ts="1.1", text="hello", at=clock.now())
    store.record_choice(post, "U0000ANNA", "take", clock.now())
    store.record_choice(post, "U0000BOB", "pass", clock.now())
    store.close()
    result = run_cli("forget", "U0000ANNA", "--yes")
    assert result.exit_code == 0
    assert result.output.strip() == ("Deleted for U0000ANNA: 1 choices, 0 replies, 0 reactions, "
                                     "0 reflections, 0 follow-ups, 0 settings, 0 messages waiting, "
                                     "0 sightings, 0 sightings about them, "
                                     "0 sent messages quoting them, 0 pending answers.")
    users = [json.loads(line)["user"] for line in
             run_cli("export", "--kind", "choice").output.splitlines()]
    assert users == ["U0000BOB"]


@pytest.mark.parametrize("bad", ["bob", "C0123TEAM", "u123"])
def test_forget_refuses_what_is_not_a_user_id(run_cli, bad):
    result = run_cli("forget", bad, "--yes")
    assert result.exit_code == 2 and "is not a Slack user ID" in result.output


def test_forget_asks_first(run_cli):
    result = CliRunner().invoke(cli, ["forget", "U0000ANNA"], input="n\n",
                                obj={"environ": {"LEADBOT_DB": "/nonexistent/x.db"}})
    assert result.exit_code == 1 and "Aborted" in result.output


@pytest.mark.parametrize("args, said", [
    (["--retry", "abc"], "'abc' is not an id"),
    (["--drop", "1;2"], "'1;2' is not an id"),
    (["--retry", "1", "--drop", "2"], "not both"),
])
def test_inbox_refuses_bad_ids_and_keeps_its_dead_letters(run_cli, tmp_path, args, said):
    from datetime import UTC, datetime, timedelta

    from bot.inbox import Inbox, inbox_path

    at = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    box = Inbox(inbox_path(tmp_path / "cli.db"))
    box.put("k1", "click", {"n": 1}, at, user="U1")
    (item,) = box.take(at, timedelta(minutes=2))
    box.dead(item, "Slack answered channel_not_found", at)
    box.close()
    result = run_cli("inbox", *args)
    assert result.exit_code == 2 and said in result.output
    assert "Traceback" not in result.output
    listed = run_cli("inbox").output  # nothing was retried or dropped
    assert "1 dead letter(s)" in listed and "channel_not_found" in listed
