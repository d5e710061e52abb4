"""Settings from the environment and .env: validated once, secrets never printed."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import DEFAULT_API_URL, SettingsError, load_settings


def test_defaults(tmp_path):
    s = load_settings({}, env_file=tmp_path / ".env")
    assert s.api_url == DEFAULT_API_URL
    assert s.config_path == Path("config/leadbot.yaml")
    assert s.db_path == Path("data/leadbot.db")
    assert s.bot_token is None


def test_env_file_read_and_environment_wins(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("SLACK_BOT_TOKEN=xoxb-from-file\nLEADBOT_DB=file.db\n"
                        "SLACK_API_URL=http://127.0.0.1:9/api\n")
    s = load_settings({"LEADBOT_DB": "env.db"}, env_file=env_file)
    assert s.bot_token == "xoxb-from-file"
    assert s.db_path == Path("env.db")
    assert s.api_url == "http://127.0.0.1:9/api/"


@pytest.mark.parametrize(("environ", "names", "fragments"), [
    ({}, ("SLACK_BOT_TOKEN",), ["SLACK_BOT_TOKEN is not set"]),
    ({}, ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"),
     ["SLACK_BOT_TOKEN is not set", "SLACK_APP_TOKEN is not set"]),
    ({"SLACK_BOT_TOKEN": "xoxp-user-token-secret"}, ("SLACK_BOT_TOKEN",),
     ["SLACK_BOT_TOKEN does not start with 'xoxb-'"]),
    ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-wrong-secret"},
     ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"), ["SLACK_APP_TOKEN does not start with 'xapp-'"]),
    ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "not hex secret"},
     ("SLACK_BOT_TOKEN",), ["SLACK_SIGNING_SECRET is not a hexadecimal secret"]),
    ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_API_URL": "slack.example/api"},
     ("SLACK_BOT_TOKEN",), ["SLACK_API_URL is not an http(s) URL"]),
])
def test_every_problem_named_and_no_secret_printed(tmp_path, environ, names, fragments):
    s = load_settings(environ, env_file=tmp_path / ".env")
    with pytest.raises(SettingsError) as info:
        s.require(*names)
    assert len(info.value.problems) == len(fragments)
    for fragment, problem in zip(fragments, info.value.problems, strict=True):
        assert fragment in problem
    for value in environ.values():
        if not value.startswith("xoxb-1"):
            assert value not in str(info.value)
