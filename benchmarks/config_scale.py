"""Config scale benchmark: `leadbot check-config` on generated configs of 1,000 and 10,000
channels (and 100,000 with --large), timed in-process and once as a subprocess.

Run by hand from the repository root:  .venv/bin/python benchmarks/config_scale.py [--large]
Target (README): 10,000 channels check in under 5 s, as a subprocess (Python's start included).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from click.testing import CliRunner  # noqa: E402

from bot.cli import cli  # noqa: E402
from bot.clock import FixedClock  # noqa: E402
from bot.config import load_config, scale_warnings  # noqa: E402

ZONES = ["Europe/London", "America/New_York", "Asia/Tokyo", "Europe/Paris", "Australia/Sydney"]


def write_config(folder: Path, channels: int) -> Path:
    """A config as an admin of many teams might write it: IDs and names, five timezones,
    prompts spread over the minutes of three morning hours, nudges twice a week, a digest in
    every tenth channel, and a working-days override now and then."""
    lines = ["timezone: Europe/London", "admins: [U0123ADMIN]", "holidays: GB", "channels:"]
    for i in range(channels):
        lines.append(f"  - channel: C{i:08d}" if i % 4 else f'  - channel: "#team-{i}"')
        lines.append(f"    timezone: {ZONES[i % len(ZONES)]}")
        lines.append(f'    prompt: "{i % 60} {8 + i % 3} * * MON"')
        lines.append(f'    nudges: "{(i * 7) % 60} 14 * * TUE,THU"')
        if i % 10 == 0:
            lines.append('    digest: "0 16 * * FRI"')
        if i % 25 == 0:
            lines.append("    working_days: [mon, tue, wed, thu]")
    path = folder / f"leadbot-{channels}.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def in_process(path: Path) -> dict:
    """Time loading alone, then the whole command through Click, in this process."""
    now = datetime.now(UTC)
    start = time.perf_counter()
    config = load_config(path)
    loaded = time.perf_counter() - start
    start = time.perf_counter()
    warnings = scale_warnings(config, now)
    scale = time.perf_counter() - start
    start = time.perf_counter()
    result = CliRunner().invoke(cli, ["check-config", str(path)],
                                obj={"environ": {}, "clock": FixedClock(now)})
    command = time.perf_counter() - start
    assert result.exit_code == 0, result.output[-2000:]
    return {"load": loaded, "scale": scale, "command": command, "warnings": len(warnings)}


def as_subprocess(path: Path) -> tuple[float, float]:
    """Wall time and peak memory (MB) of `python -m bot check-config` in a fresh process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "LEADBOT_"))}
    env["PYTHONPATH"] = str(ROOT)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bot", "check-config", str(path)], env=env, cwd=ROOT,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    # the largest child so far: sizes run in increasing order, so this one's
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return wall, peak


def main() -> None:
    """Generate the configs, time each, print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="also 100,000 channels")
    args = parser.parse_args()
    sizes = [1_000, 10_000] + ([100_000] if args.large else [])
    print("| Channels | File | load_config | scale warnings | check-config in-process | "
          "check-config subprocess | peak memory | warnings |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            path = write_config(Path(tmp), size)
            figures = in_process(path)
            wall, peak = as_subprocess(path)
            print(f"| {size:,} | {path.stat().st_size / 1e6:.1f} MB | {figures['load']:.2f} s "
                  f"| {figures['scale']:.2f} s | {figures['command']:.2f} s | {wall:.2f} s "
                  f"| {peak:.0f} MB | {figures['warnings']} |", flush=True)


if __name__ == "__main__":
    main()
