"""Weight benchmark: `leadbot run` in Socket Mode against the fake Slack, and a bare Bolt app
connected the same way (and leadbot again with a calendar naming a holiday country); prints,
side by side, the time until each is ready (its "Socket Mode connected" line, from the moment
the process is started) and its idle memory (VmRSS a few seconds after it is ready), the
median over a few runs, with the ratios and the targets.

Run by hand from the repository root:  .venv/bin/python benchmarks/weight.py [--runs 5]
Targets (README): idle memory at most 1.3x the bare app's; ready within 0.3 s of it.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MEMORY_TARGET = 1.3  # times the bare app's idle RSS
READY_TARGET = 0.3  # seconds more than the bare app


def bare_app() -> None:
    """The floor: a Bolt app that only acks messages, in Socket Mode, as `leadbot run` connects."""
    from slack_bolt import App
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_sdk import WebClient

    client = WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"])
    app = App(client=client, token_verification_enabled=False)

    @app.event("message")
    def on_message(ack) -> None:
        ack()

    handler = SocketModeHandler(app, os.environ["SLACK_APP_TOKEN"])
    handler.connect()
    print("Socket Mode connected", flush=True)
    threading.Event().wait()


def rss_kb(pid: int) -> int:
    """The process's resident set size in kB (Linux)."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE).group(1))


def measure(argv: list[str], env: dict[str, str], idle: float) -> tuple[float, int]:
    """Start ``argv``; return seconds until it is connected and its RSS ``idle`` s later."""
    full_env = {**{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_",
                                                                            "LEADBOT_"))},
                **env, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, *argv], env=full_env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    output: list[str] = []
    try:
        for line in proc.stdout:
            output.append(line)
            if "Socket Mode connected" in line:
                ready = time.perf_counter() - started
                break
        else:
            raise SystemExit(f"{argv} did not connect:\n{''.join(output)}")
        threading.Thread(target=proc.stdout.read, daemon=True).start()  # keep draining
        time.sleep(idle)
        return ready, rss_kb(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main() -> None:
    """Measure both, alternating, and print the medians side by side."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--idle", type=float, default=3.0, help="seconds before reading RSS")
    parser.add_argument("--bare-app", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_app:
        bare_app()
        return

    from bot.sandbox.workspace import FakeSlack

    channel = ("channels:\n  - channel: C0123TEAM\n"
               "    prompt: \"0 9 * * mon-fri\"\n    digest: \"0 16 * * fri\"\n")
    # (name, argv, config): the last row names a holiday country, as the sample config does
    apps = [("bare Bolt app (acks only)", [__file__, "--bare-app"], ""),
            ("leadbot run (Socket Mode)", ["-m", "bot", "run"], "timezone: UTC\n"),
            ("  with holidays: GB", ["-m", "bot", "run"], "timezone: UTC\nholidays: GB\n")]
    results: dict[str, list[tuple[float, int]]] = {name: [] for name, _, _ in apps}
    with tempfile.TemporaryDirectory() as tmp, FakeSlack() as fake:
        fake.add_channel("C0123TEAM", "team")
        env = {"SLACK_BOT_TOKEN": fake.bot_token, "SLACK_APP_TOKEN": fake.app_token,
               "SLACK_SIGNING_SECRET": fake.signing_secret, "SLACK_API_URL": fake.api_url,
               "LEADBOT_DB": str(Path(tmp) / "leadbot.db")}
        for _ in range(args.runs):
            for n, (name, argv, top) in enumerate(apps):
                config = Path(tmp) / f"leadbot{n}.yaml"
                config.write_text(top + channel)
                results[name].append(measure(argv, {**env, "LEADBOT_CONFIG": str(config)},
                                             args.idle))

    medians = {name: (statistics.median(r for r, _ in runs),
                      statistics.median(m for _, m in runs) / 1024)
               for name, runs in results.items()}
    print(f"Socket Mode against the fake Slack, median of {args.runs} runs "
          f"(RSS {args.idle:g} s after ready)")
    print(f"  {'':28}{'ready':>10}{'idle RSS':>12}")
    for name, (ready, mb) in medians.items():
        print(f"  {name:28}{ready:>9.2f}s{mb:>9.1f} MB")
    (bare_ready, bare_mb), (ours_ready, ours_mb), _ = medians.values()
    ratio, extra = ours_mb / bare_mb, ours_ready - bare_ready
    print(f"  memory: {ratio:.2f}x the bare app (target <= {MEMORY_TARGET}x): "
          f"{'met' if ratio <= MEMORY_TARGET else 'NOT met'}")
    print(f"  ready: +{extra:.2f} s after the bare app (target <= +{READY_TARGET} s): "
          f"{'met' if extra <= READY_TARGET else 'NOT met'}")


if __name__ == "__main__":
    main()
