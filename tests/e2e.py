"""Helpers to run the real ``leadbot`` command as a subprocess against the fake Slack."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.conftest import REPO

# One team channel whose prompt (1 January, 09:00) never fires during a test: the tests post
# with post-now when they need a prompt.
QUIET_CONFIG = """\
timezone: Europe/London
admins: [U0123ADMIN]
channels:
  - channel: C0123TEAM
    prompt: "0 9 1 1 *"
"""


class BotProcess:
    """``python -m bot run ...`` with its output collected line by line."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path,
                 argv: list[str] | None = None):
        full_env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("SLACK_", "LEADBOT_"))}
        full_env.update(env)
        full_env["PYTHONPATH"] = str(REPO)
        full_env["PYTHONUNBUFFERED"] = "1"
        # its own process group, so `make run` and the leadbot it starts stop together
        self.proc = subprocess.Popen(
            argv or [sys.executable, "-m", "bot", *args], cwd=cwd, env=full_env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        """Everything printed so far."""
        return "\n".join(self.lines)

    def wait_for_line(self, pattern: str, timeout: float = 15) -> re.Match:
        """Wait until a printed line matches ``pattern``; fail with the output if not."""
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        while time.monotonic() < deadline:
            for line in list(self.lines):
                match = regex.search(line)
                if match:
                    return match
            if self.proc.poll() is not None and not self._reader.is_alive():
                break
            time.sleep(0.05)
        raise AssertionError(f"no line matching {pattern!r}; output:\n{self.output}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> int:
        """Send ``sig`` and wait for the exit code."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError(f"bot did not stop; output:\n{self.output}") from None
        self._reader.join(timeout=5)
        return code

    def kill(self) -> None:
        """SIGKILL: no chance to clean up."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self._reader.join(timeout=5)


@contextlib.contextmanager
def running(fake, env: dict[str, str], cwd: Path, mode: str):
    """`leadbot run` in Socket Mode or HTTP mode, and a Transport that drives it like Slack."""
    from tests import slackdrive as sd

    args = ["run"] + (["--http", "--host", "127.0.0.1", "--port", "0"] if mode == "http" else [])
    process = BotProcess(args, env, cwd)
    try:
        if mode == "http":
            port = process.wait_for_line(r"listening on http://127\.0\.0\.1:(\d+)").group(1)
            slack = sd.Transport(fake, mode, f"http://127.0.0.1:{port}/slack/events")
        else:
            process.wait_for_line("Socket Mode connected")
            fake.wait_for_socket(timeout=10)
            slack = sd.Transport(fake, mode)
        slack.process = process  # its output, for tests that read the log
        yield slack
    finally:
        process.stop()
        print(process.output)  # shown by pytest when the test fails


def bot_env(fake, tmp_path: Path, config: str) -> dict[str, str]:
    """Write ``config`` and return the environment a bot needs to run against ``fake``."""
    (tmp_path / "leadbot.yaml").write_text(config)
    return {"SLACK_BOT_TOKEN": fake.bot_token, "SLACK_APP_TOKEN": fake.app_token,
            "SLACK_SIGNING_SECRET": fake.signing_secret, "SLACK_API_URL": fake.api_url,
            "LEADBOT_CONFIG": str(tmp_path / "leadbot.yaml"),
            "LEADBOT_DB": str(tmp_path / "leadbot.db")}
