"""Small fixtures: a database under tmp_path, a fixed clock, config files written on demand."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.clock import FixedClock
from bot.store import Store

REPO = Path(__file__).resolve().parent.parent

MINIMAL = """\
timezone: Europe/London
admins: [U0123ADMIN]
channels:
  - channel: C0123TEAM
    prompt: "0 9 * * MON"
    nudges: "0 14 * * TUE,THU"
"""


def text_of(blocks: list[dict]) -> str:
    """The words of a blocks array: section texts and mrkdwn context elements, one per line."""
    out = []
    for block in blocks:
        if "text" in block:
            out.append(block["text"]["text"])
        out.extend(el["text"] for el in block.get("elements", []) if el.get("type") == "mrkdwn")
    return "\n".join(out)


def json_refs(node):
    """Every ``$ref`` string in a JSON document (Slack's schema, Swagger), depth first."""
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from json_refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from json_refs(value)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))


@pytest.fixture
def store(tmp_path: Path):
    s = Store.open(tmp_path / "leadbot.db")
    yield s
    s.close()


@pytest.fixture
def write_config(tmp_path: Path):
    """Write a config file (dedented) into tmp_path and return its path."""

    def write(text: str, name: str = "leadbot.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


@pytest.fixture
def run_cli(tmp_path: Path, clock: FixedClock):
    """Invoke the CLI in-process with a clean environment, a tmp database and the fixed clock."""

    def run(*args: str, environ: dict | None = None):
        env = {"LEADBOT_DB": str(tmp_path / "cli.db"), **(environ or {})}
        runner = CliRunner()
        return runner.invoke(cli, list(args), obj={"environ": env, "clock": clock},
                             catch_exceptions=False)

    return run


@pytest.fixture
def fake():
    """A fake Slack workspace on 127.0.0.1 (port 0) with a team channel the bot is in."""
    from bot.sandbox.workspace import FakeSlack

    with FakeSlack() as slack:
        slack.add_channel("C0123TEAM", "team")
        slack.add_user("U0123ADMIN", "ada", real_name="Ada")
        slack.add_user("U0000BOB", "bob", real_name="Bob")
        slack.add_member("C0123TEAM", "U0123ADMIN")
        slack.add_member("C0123TEAM", "U0000BOB")
        yield slack


@pytest.fixture
def slack_settings(fake, tmp_path):
    """Settings pointing at the fake Slack."""
    from bot.settings import load_settings

    return load_settings({"SLACK_BOT_TOKEN": fake.bot_token, "SLACK_APP_TOKEN": fake.app_token,
                          "SLACK_SIGNING_SECRET": fake.signing_secret,
                          "SLACK_API_URL": fake.api_url,
                          "LEADBOT_DB": str(tmp_path / "leadbot.db")}, env_file=None)
