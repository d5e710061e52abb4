"""`make run`: the real bot when SLACK_BOT_TOKEN is set, the sandbox when it is not."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.e2e import BotProcess

pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(shutil.which("make") is None, reason="needs make")]


def make_run(tmp_path: Path, env: dict[str, str], *extra: str) -> BotProcess:
    """`make run` in the repository, using the virtual environment running these tests."""
    venv = Path(sys.prefix)
    argv = ["make", "--no-print-directory", "-C", str(REPO), "run", f"VENV={venv}",
            f"PYTHON={sys.executable}", *extra]
    (venv / ".installed").touch(exist_ok=True)  # the tests' environment is installed already
    return BotProcess([], {"HOME": str(tmp_path), **env}, tmp_path, argv=argv)


def test_without_a_token_it_starts_the_sandbox(tmp_path):
    db = tmp_path / "sandbox.db"
    process = make_run(tmp_path, {}, f"SANDBOX_ARGS=--port 0 --db {db}")
    try:
        process.wait_for_line(r"No SLACK_BOT_TOKEN .* starting the local sandbox", timeout=60)
        process.wait_for_line(r"leadbot sandbox: open http://127\.0\.0\.1:\d+/", timeout=60)
    finally:
        process.stop()
    assert db.exists()  # the sandbox's own database, never the production one


def test_with_a_token_it_runs_the_real_bot(tmp_path, fake):
    config = tmp_path / "leadbot.yaml"
    config.write_text("timezone: UTC\nchannels:\n  - channel: C0123TEAM\n"
                      "    prompt: \"0 9 * * MON\"\n")
    process = make_run(tmp_path, {
        "SLACK_BOT_TOKEN": fake.bot_token, "SLACK_APP_TOKEN": fake.app_token,
        "SLACK_API_URL": fake.api_url, "LEADBOT_CONFIG": str(config),
        "LEADBOT_DB": str(tmp_path / "leadbot.db")})
    try:
        process.wait_for_line(r"Socket Mode connected", timeout=60)
    finally:
        process.stop()
    assert "sandbox" not in process.output
    assert (tmp_path / "leadbot.db").exists()


def test_sandbox_with_a_bad_config_or_a_busy_port_says_why(tmp_path, run_cli):
    import socket

    bad = tmp_path / "bad.yaml"
    bad.write_text("timezone: Mars/Olympus\nchannels: []\n")
    result = run_cli("sandbox", "--port", "0", "--config", str(bad), "--db",
                     str(tmp_path / "s.db"))
    assert result.exit_code == 2
    assert "unknown timezone 'Mars/Olympus'" in result.output
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_cli("sandbox", "--port", str(port), "--db", str(tmp_path / "s.db"))
    assert result.exit_code == 1
    assert f"cannot start the sandbox on port {port}" in result.output
    assert "--port 0" in result.output
