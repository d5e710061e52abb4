"""Ingest benchmark: 5,000 signed thread replies sent to `leadbot run --http` by 20 concurrent
senders, and as many to a bare Bolt app that only acks, served the same way (the floor), in
the same run: in rounds that alternate between the two (both servers stay up), so that a busy
moment on a shared machine falls on both rather than on one; prints events/second and p50/p99
time to HTTP 200 for each, the ratio of each round and their median; and checks every reply
was stored exactly once.

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
    return {"events": len(events), "wall": wall, "latencies": latencies,
            "failures": len(failures)}


def summary(runs: list[dict]) -> dict:
    """Throughput over all rounds, and p50/p99 over every request of them."""
    latencies = sorted(x for r in runs for x in r["latencies"])
    return {"rate": sum(r["events"] for r in runs) / sum(r["wall"] for r in runs),
            "p50": statistics.median(latencies) * 1000,
            "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000,
            "failures": sum(r["failures"] for r in runs)}


def stored(db: Path, expected: int) -> tuple[int, int]:
    """(replies, distinct ts) in leadbot's database, once it has ``expected`` or 120 s passed."""
    store = Store.open(db)
    try:
        deadline = time.monotonic() + 120
        while True:
            count = store.db.execute("SELECT count(*), count(DISTINCT ts) FROM "
                                     "replies").fetchone()
            if count[0] >= expected or time.monotonic() > deadline:
                return count
            time.sleep(0.1)
    finally:
        store.close()


def main() -> None:
    """Run leadbot and the bare app against the same stream, round by round, and print both."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--senders", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    per_round = args.events // args.rounds
    with tempfile.TemporaryDirectory() as tmp, FakeSlack() as fake:
        fake.add_channel("C0123TEAM", "team")
        fake.add_user("U0000BOB", "bob")
        config = Path(tmp) / "leadbot.yaml"
        config.write_text("timezone: UTC\nchannels:\n  - channel: C0123TEAM\n"
                          "    prompt: \"0 9 1 1 *\"\n")
        db = Path(tmp) / "leadbot.db"
        env = {"SLACK_BOT_TOKEN": fake.bot_token, "SLACK_SIGNING_SECRET": fake.signing_secret,
               "SLACK_API_URL": fake.api_url, "LEADBOT_CONFIG": str(config),
               "LEADBOT_DB": str(db)}
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

        bare, ours = "bare Bolt app (acks only)", "leadbot run --http"
        argvs = {bare: ["benchmarks/bare_bolt.py"],
                 ours: ["-m", "bot", "run", "--http", "--host", "127.0.0.1", "--port", "0"]}
        procs, urls = {}, {}
        runs: dict[str, list[dict]] = {bare: [], ours: []}
        try:
            for name, argv in argvs.items():
                procs[name], base = start(argv, env)
                urls[name] = f"{base}/slack/events"
                blast(fake, urls[name], stream(f"W{name[:1]}", 1790000000, WARM_UP),
                      args.senders)
            expected = stored(db, WARM_UP)[0]
            for n in range(args.rounds):  # who goes first alternates
                for name in ((bare, ours) if n % 2 == 0 else (ours, bare)):
                    events = stream(f"{name[:1]}{n}", 1800000000 + n, per_round)
                    runs[name].append(blast(fake, urls[name], events, args.senders))
                    if name == ours:  # its worker finishes before the next round starts
                        expected += per_round
                        count = stored(db, expected)
        finally:
            for proc in procs.values():
                proc.terminate()
                proc.wait(timeout=30)
        print(f"{per_round * args.rounds} signed thread replies each, {args.senders} concurrent "
              f"senders, {args.rounds} alternating rounds")
        for name in (bare, ours):
            r = summary(runs[name])
            print(f"  {name}: {r['rate']:.0f} events/s, ack p50 {r['p50']:.1f} ms, "
                  f"p99 {r['p99']:.1f} ms, non-200 {r['failures']}")
        ratios = [(o["events"] / o["wall"]) / (b["events"] / b["wall"])
                  for b, o in zip(runs[bare], runs[ours], strict=True)]
        print(f"  throughput vs bare app: {statistics.median(ratios):.0%} (median of the "
              f"rounds: {', '.join(f'{x:.0%}' for x in ratios)})")
        total = per_round * args.rounds + WARM_UP
        print(f"  stored by leadbot: {count[0]} replies, {count[1]} distinct, expected {total} "
              f"(with the warm-up): "
              f"{'OK' if count[0] == count[1] == total else 'MISMATCH'}")

if __name__ == "__main__":
    main()
