"""Fan-out benchmark: 200 channels due at the same instant, the fake Slack answering each call
after 50 ms. Prints the time from the scheduled instant to the last post, the ideal for the
configured concurrency, their ratio, and how many posts were lost; then the same with 10% of
calls answered 429 (Retry-After: 1).

Run by hand from the repository root:  .venv/bin/python benchmarks/fanout.py [--channels 200]
Targets (README): ratio <= 1.3, all posted within 5 s at the default concurrency, none lost.
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.channels import Channels  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.config import load_config  # noqa: E402
from bot.runtime import web_client  # noqa: E402
from bot.sandbox.workspace import FakeSlack  # noqa: E402
from bot.schedule import Scheduler  # noqa: E402
from bot.services.posting import Poster  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from bot.slack.outbound import SlackOutbound  # noqa: E402
from bot.store import Store  # noqa: E402


def run_once(channels: int, concurrency: int | None, latency: float, ratio_429: float) -> dict:
    """One fan-out: returns timings and counts."""
    with tempfile.TemporaryDirectory() as tmp, FakeSlack() as fake:
        fake.latency = latency
        ids = [f"C{n:08d}" for n in range(channels)]
        for channel_id in ids:
            fake.add_channel(channel_id, f"team-{channel_id.lower()}")
        if ratio_429:
            fake.rate_limit_ratio(ratio_429, retry_after=1, seed=1)
        due = (datetime.now(UTC) + timedelta(seconds=3)).replace(microsecond=0)
        cron = f'"{due.second} {due.minute} {due.hour} * * *"'
        lines = ["timezone: UTC", "working_days: [mon, tue, wed, thu, fri, sat, sun]"]
        if concurrency:
            lines.append(f"concurrency: {concurrency}")
        lines.append("channels:")
        lines += [f"  - channel: {c}\n    prompt: {cron}" for c in ids]
        (Path(tmp) / "leadbot.yaml").write_text("\n".join(lines) + "\n")
        config = load_config(Path(tmp) / "leadbot.yaml")
        settings = load_settings({"SLACK_BOT_TOKEN": fake.bot_token,
                                  "SLACK_API_URL": fake.api_url}, env_file=None)
        store = Store.open(Path(tmp) / "bench.db")
        clock = SystemClock()
        stop = threading.Event()
        poster = Poster(config, store, SlackOutbound(web_client(settings, retries=False)), clock,
                        resolve=lambda ch: ch.channel, stop=stop)
        scheduler = Scheduler(config, store, poster, clock,
                              Channels({c: c for c in ids}, config.channels))
        scheduler.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            posted = [p for p in store.posts() if p["status"] == "posted"]
            if len(posted) == channels:
                break
            time.sleep(0.05)
        scheduler.shutdown()
        posts = store.posts()
        store.close()
        ok_calls = [c for c in fake.calls_to("chat.postMessage") if c.status == 200
                    and c.response.get("ok")]
        last = max(c.at for c in ok_calls) if ok_calls else due
        used = config.concurrency
        ideal = math.ceil(channels / used) * latency
        elapsed = (last - due).total_seconds()
        return {
            "concurrency": used, "elapsed": elapsed, "ideal": ideal,
            "ratio": elapsed / ideal if ideal else float("nan"),
            "posted": sum(p["status"] == "posted" for p in posts),
            "lost": channels - sum(p["status"] == "posted" for p in posts),
            "slack_messages": sum(len(fake.messages(c)) for c in ids),
            "calls": len(fake.calls_to("chat.postMessage")),
        }


def main() -> None:
    """Run both scenarios and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=None,
                        help="default: the config's default")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    for label, ratio in (("no errors", 0.0), ("10% answered 429, Retry-After: 1", 0.10)):
        r = run_once(args.channels, args.concurrency, args.latency, ratio)
        print(f"{label}: {args.channels} channels, concurrency {r['concurrency']}, "
              f"latency {args.latency * 1000:.0f} ms")
        print(f"  scheduled instant -> last post: {r['elapsed']:.2f} s; ideal {r['ideal']:.2f} s;"
              f" ratio {r['ratio']:.2f}")
        print(f"  posted {r['posted']}, lost {r['lost']}, messages in Slack "
              f"{r['slack_messages']}, chat.postMessage calls {r['calls']}")


if __name__ == "__main__":
    main()
