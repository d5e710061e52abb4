"""Helpers to run the bot against the fake Slack: in the test process (``running``: the same
wiring as `leadbot run`, served in a thread over real HTTP or WebSocket) or as the real
``leadbot`` command in a subprocess (``BotProcess``), for the tests whose
subject is the process itself: transports, crashes, restarts, signals, exit codes."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
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


# A prompt and a nudge that fall due only on 1 January: the tests post when they choose.
PROMPT_AND_NUDGE_YEARLY = """\
timezone: Europe/London
channels:
  - channel: C0123TEAM
    prompt: "0 9 1 1 *"
    nudges: "0 9 1 1 *"
"""


class _Output:
    """The lines a bot printed or logged, and waiting for one of them."""

    lines: list[str]

    def _ended(self) -> bool:
        """Whether the bot has stopped, so no line will come any more."""
        raise NotImplementedError

    @property
    def output(self) -> str:
        """Everything printed (or logged) so far."""
        return "\n".join(self.lines)

    def wait_for_line(self, pattern: str, timeout: float = 15) -> re.Match:
        """Wait until a line matches ``pattern``; fail with the output if not."""
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        while time.monotonic() < deadline:
            for line in list(self.lines):
                match = regex.search(line)
                if match:
                    return match
            if self._ended():
                break
            time.sleep(0.01)
        raise AssertionError(f"no line matching {pattern!r}; output:\n{self.output}")


class BotProcess(_Output):
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

    def _ended(self) -> bool:
        return self.proc.poll() is not None and not self._reader.is_alive()

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


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"  # as `leadbot run` logs


class _Lines(logging.Handler):
    """Every log record, formatted as `leadbot run` prints it, appended line by line."""

    def __init__(self, lines: list[str]):
        super().__init__(logging.DEBUG)
        self.lines = lines
        self.setFormatter(logging.Formatter(LOG_FORMAT))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.extend(self.format(record).splitlines())


class BotThread(_Output):
    """`leadbot run` in the test process: its own wiring (``runtime.start``, then
    ``run_http`` or ``run_socket_mode``, then ``shutdown``) served from a thread, over the
    same real HTTP or WebSocket and the same database files; its log collected like
    ``BotProcess``'s output. No signal handlers: ``stop`` sets the bot's stop event."""

    def __init__(self, env: dict[str, str], cwd: Path, mode: str, **http_options):
        from bot import runtime
        from bot.clock import SystemClock
        from bot.config import load_config
        from bot.settings import load_settings

        self.lines: list[str] = []
        self._capture()
        try:
            settings = load_settings(env, env_file=cwd / ".env")
            if not settings.config_path.is_absolute():
                settings = settings.__class__(**{**settings.__dict__,
                                                 "config_path": cwd / settings.config_path})
            self.stop_event = threading.Event()
            self.bot = runtime.start(settings, load_config(settings.config_path),
                                     SystemClock(), http=mode == "http", stop=self.stop_event)
        except BaseException:
            self._release()
            raise
        self.port: int | None = None

        def serve() -> None:
            try:
                if mode == "http":
                    runtime.run_http(self.bot, "127.0.0.1", 0, self._listening,
                                     **http_options)
                else:
                    runtime.run_socket_mode(self.bot)
            except Exception:
                runtime.log.exception("the bot stopped on an error")
                self.stop_event.set()
            finally:
                runtime.shutdown(self.bot)

        self._thread = threading.Thread(target=serve, name=f"leadbot-{mode}", daemon=True)
        self._thread.start()

    def _listening(self, host: str, port: int) -> None:
        self.port = port
        logging.getLogger("leadbot").info(
            "listening on http://%s:%d (/slack/events, /healthz)", host, port)

    def _capture(self) -> None:
        """Collect every log line at INFO and up, as `leadbot run`'s logging setup does, and
        any exception a thread dies of (a subprocess would print its traceback)."""
        root = logging.getLogger()
        self._handler = _Lines(self.lines)
        self._levels = root.level, logging.getLogger("apscheduler").level
        root.addHandler(self._handler)
        root.setLevel(logging.INFO)
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
        self._excepthook = threading.excepthook

        def excepthook(args) -> None:
            self._handler.emit(logging.LogRecord(
                "threading", logging.ERROR, __file__, 0, "exception in thread %s", (
                    args.thread.name if args.thread else "?",), (
                    args.exc_type, args.exc_value, args.exc_traceback)))
            self._excepthook(args)

        threading.excepthook = excepthook

    def _release(self) -> None:
        root = logging.getLogger()
        root.removeHandler(self._handler)
        root.setLevel(self._levels[0])
        logging.getLogger("apscheduler").setLevel(self._levels[1])
        threading.excepthook = self._excepthook

    def _ended(self) -> bool:
        return not self._thread.is_alive()

    def stop(self, timeout: float = 15, hang_up: Callable[[], None] | None = None) -> bool:
        """Stop as SIGTERM would (the server closes, the scheduler and worker stop, the
        database closes); whether that happened, cleanly, within ``timeout`` seconds.

        ``hang_up``: Slack's side closing the Socket Mode connection once the bot has begun to
        close its client, whose read in progress holds the socket until its timeout (the bot
        does not wait for it more than 0.5 s, and leaves it to end in the background)."""
        self.stop_event.set()
        if hang_up is not None:
            hang_up_once_closing(hang_up, self._thread, timeout)
        self._thread.join(timeout)
        self._release()
        return not self._thread.is_alive() and "stopped cleanly" in self.output


def hang_up_once_closing(hang_up: Callable[[], None], stopping: threading.Thread,
                         timeout: float = 15) -> None:
    """Call ``hang_up`` (the fake closing its Socket Mode connections, as Slack can) once the
    bot has begun to close its client ("socket-close"), or ``stopping`` has ended."""
    deadline = time.monotonic() + timeout
    while (stopping.is_alive() and time.monotonic() < deadline
           and not any(t.name == "socket-close" for t in threading.enumerate())):
        time.sleep(0.001)
    hang_up()


def stop_sandbox(box, timeout: float = 15) -> None:
    """``box.stop()`` (a sandbox in this process), its fake hanging up once the bot closes."""
    stopping = threading.Thread(target=box.stop, name="sandbox-stop")
    stopping.start()
    hang_up_once_closing(box.fake.close_sockets, stopping, timeout)
    stopping.join(timeout)
    assert not stopping.is_alive(), "the sandbox did not stop"


def transport_to(fake, bot, mode: str):
    """Wait until ``bot`` (a BotThread or a BotProcess) serves; a Transport that drives it."""
    from tests import slackdrive as sd

    if mode == "http":
        port = bot.wait_for_line(r"listening on http://127\.0\.0\.1:(\d+)").group(1)
        slack = sd.Transport(fake, mode, f"http://127.0.0.1:{port}/slack/events")
    else:
        bot.wait_for_line("Socket Mode connected")
        fake.wait_for_socket(timeout=10)
        slack = sd.Transport(fake, mode)
    slack.process = bot  # its output, for tests that read the log
    return slack


@contextlib.contextmanager
def running(fake, env: dict[str, str], cwd: Path, mode: str):
    """The bot served in this process in Socket Mode or HTTP mode (``BotThread``), and a
    Transport that drives it like Slack."""
    bot = BotThread(env, cwd, mode)
    try:
        yield transport_to(fake, bot, mode)
    finally:
        stopped = bot.stop(hang_up=fake.close_sockets if mode == "socket" else None)
        print(bot.output)  # shown by pytest when the test fails
    assert stopped, f"the bot did not stop cleanly; output:\n{bot.output}"


def bot_env(fake, tmp_path: Path, config: str) -> dict[str, str]:
    """Write ``config`` and return the environment a bot needs to run against ``fake``."""
    (tmp_path / "leadbot.yaml").write_text(config)
    return {"SLACK_BOT_TOKEN": fake.bot_token, "SLACK_APP_TOKEN": fake.app_token,
            "SLACK_SIGNING_SECRET": fake.signing_secret, "SLACK_API_URL": fake.api_url,
            "LEADBOT_CONFIG": str(tmp_path / "leadbot.yaml"),
            "LEADBOT_DB": str(tmp_path / "leadbot.db")}
