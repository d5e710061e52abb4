"""Ingest benchmark: 5,000 signed thread replies sent to `leadbot run --http` by 20 concurrent
senders; prints events/second and p50/p99 time to HTTP 200, then the same for a bare Bolt app
that only acks, served the same way, in the same run (the floor); and checks every reply was
stored exactly once.

Run by hand from the repository root:  .venv/bin/python benchmarks/ingest.py [--events 5000]
Targets (README, issue 17): p99 ack under 50 ms; throughput at least 90% of the bare app's;
all stored once.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.sandbox.workspace import FakeSlack  # noqa: E402
from bot.store import Store  # noqa: E402

WARM_UP = 200


def start(args: list[str], env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    """Start a server process and return it with its base URL."""
    full_env = {**{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_",
                                                                            "LEADBOT_"))},
                **env, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, *args], env=full_env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
        if match:
            threading.Thread(target=proc.stdout.read, daemon=True).start()  # keep draining
            return proc, match.group(1)
    proc.kill()
    raise SystemExit("server did not start")


def blast(fake: FakeSlack, url: str, events: list[tuple[str, dict]], senders: int) -> dict:
    """Send every event from ``senders`` threads; return throughput and latency figures."""
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    queue = list(reversed(events))

    def sender() -> None:
        while True:
            with lock:
                if not queue:
                    return
                event_id, event = queue.pop()
            body = json.dumps(fake.event_envelope(event, event_id)).encode()
            request = urllib.request.Request(url, data=body, headers={
                **fake.sign(body), "Content-Type": "application/json"})
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    response.read()
                    ok = response.status == 200
            except OSError:
                ok = False
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if not ok:
                    failures.append(event_id)

    threads = [threading.Thread(target=sender) for _ in range(senders)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    latencies.sort()
    return {"rate": len(events) / wall, "wall": wall,
            "p50": statistics.median(latencies) * 1000,
            "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000, "failures": len(failures)}


def main() -> None:
    """Run leadbot and the bare app against the same stream and print both."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--senders", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, FakeSlack() as fake:
        fake.add_channel("C0123TEAM", "team")
        fake.add_user("U0000BOB", "bob")
        config = Path(tmp) / "leadbot.yaml"
        config.write_text("timezone: UTC\nchannels:\n  - channel: C0123TEAM\n"
                          "    prompt: \"0 9 1 1 *\"\n")
        env = {"SLACK_BOT_TOKEN": fake.bot_token, "SLACK_SIGNING_SECRET": fake.signing_secret,
               "SLACK_API_URL": fake.api_url, "LEADBOT_CONFIG": str(config),
               "LEADBOT_DB": str(Path(tmp) / "leadbot.db")}
        subprocess.run([sys.executable, "-m", "bot", "post-now", "C0123TEAM"], check=True,
                       env={**os.environ, **env, "PYTHONPATH": str(ROOT)}, cwd=ROOT,
                       capture_output=True)
        thread_ts = fake.messages("C0123TEAM")[0]["ts"]

        def stream(prefix: str, seconds: int, count: int) -> list[tuple[str, dict]]:
            return [(f"Ev{prefix}{n:06d}", {
                "type": "message", "channel": "C0123TEAM", "channel_type": "channel",
                "user": "U0000BOB", "text": f"reply {n}", "ts": f"{seconds}.{n:06d}",
                "event_ts": f"{seconds}.{n:06d}", "thread_ts": thread_ts,
                "parent_user_id": "UBOT", "team": "T0TEAM"}) for n in range(count)]

        results = {}
        for name, argv in (("bare Bolt app (acks only)", ["benchmarks/bare_bolt.py"]),
                           ("leadbot run --http", ["-m", "bot", "run", "--http", "--host",
                                                   "127.0.0.1", "--port", "0"])):
            proc, base = start(argv, env)
            try:
                blast(fake, f"{base}/slack/events", stream("W", 1790000000, WARM_UP),
                      args.senders)
                results[name] = blast(fake, f"{base}/slack/events",
                                      stream(name[:1].upper(), 1800000000, args.events),
                                      args.senders)
                if name.startswith("leadbot"):
                    store = Store.open(Path(tmp) / "leadbot.db")
                    deadline = time.monotonic() + 120
                    while time.monotonic() < deadline:
                        stored = store.db.execute("SELECT count(*), count(DISTINCT ts) FROM "
                                                  "replies").fetchone()
                        if stored[0] >= args.events + WARM_UP:
                            break
                        time.sleep(0.2)
                    results[name]["stored"] = stored
                    store.close()
            finally:
                proc.terminate()
                proc.wait(timeout=30)
        print(f"{args.events} signed thread replies, {args.senders} concurrent senders")
        for name, r in results.items():
            print(f"  {name}: {r['rate']:.0f} events/s, ack p50 {r['p50']:.1f} ms, "
                  f"p99 {r['p99']:.1f} ms, non-200 {r['failures']}")
        bare = results["bare Bolt app (acks only)"]["rate"]
        ours = results["leadbot run --http"]
        print(f"  throughput vs bare app: {ours['rate'] / bare:.0%}")
        count, distinct = ours["stored"]
        expected = args.events + WARM_UP
        print(f"  stored by leadbot: {count} replies, {distinct} distinct, expected {expected} "
              f"(with the warm-up): {'OK' if count == distinct == expected else 'MISMATCH'}")


if __name__ == "__main__":
    main()
