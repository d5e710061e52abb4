"""leadbot post-now: one post right away, through the scheduler's path, recorded the same."""

from __future__ import annotations

from tests.conftest import MINIMAL


def _env(fake, tmp_path):
    return {"SLACK_BOT_TOKEN": fake.bot_token, "SLACK_API_URL": fake.api_url,
            "LEADBOT_DB": str(tmp_path / "cli.db")}


def test_post_now_prompt_and_nudge(run_cli, write_config, fake, tmp_path):
    path = write_config(MINIMAL)
    result = run_cli("--config", str(path), "post-now", "C0123TEAM", environ=_env(fake, tmp_path))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("posted prompt to C0123TEAM (ts ")
    result = run_cli("--config", str(path), "post-now", "C0123TEAM", "--kind", "nudge",
                     environ=_env(fake, tmp_path))
    assert result.exit_code == 0, result.output
    messages = fake.messages("C0123TEAM")
    assert len(messages) == 2
    assert [e["value"] for e in messages[0]["blocks"][2]["elements"]] == ["follow", "take",
                                                                          "pass"]
    exported = run_cli("export", "--kind", "post", environ=_env(fake, tmp_path)).output
    assert exported.count('"status": "posted"') == 2


def test_post_now_unknown_channel(run_cli, write_config, fake, tmp_path):
    path = write_config(MINIMAL)
    result = run_cli("--config", str(path), "post-now", "C0NOPE", environ=_env(fake, tmp_path))
    assert result.exit_code == 2
    assert "error: 'C0NOPE' is not in" in result.output and "C0123TEAM" in result.output


def test_post_now_refused_by_slack(run_cli, write_config, fake, tmp_path):
    path = write_config(MINIMAL)
    fake.fail("chat.postMessage", status=200, error="is_archived")
    result = run_cli("--config", str(path), "post-now", "C0123TEAM", environ=_env(fake, tmp_path))
    assert result.exit_code == 1
    assert "error: not posted to C0123TEAM: is_archived" in result.output


def test_post_now_without_token(run_cli, write_config):
    path = write_config(MINIMAL)
    result = run_cli("--config", str(path), "post-now", "C0123TEAM")
    assert result.exit_code == 2 and "SLACK_BOT_TOKEN is not set" in result.output
