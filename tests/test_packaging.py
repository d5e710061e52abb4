"""`pip install .` (not editable, as pipx does) gives a working leadbot: a wheel built from the
sources, installed into a fresh virtual environment, runs `check-config` on a config without
`library:` and starts `leadbot sandbox`, both from an empty folder far from the repository.
The sandbox's own dependency (aiohttp) comes only with the `sandbox` extra."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

from tests.conftest import MINIMAL, REPO

pytestmark = pytest.mark.e2e


def _run(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None,
         timeout: float = 180) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                            text=True, timeout=timeout)
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


def _clean_env() -> dict[str, str]:
    """The environment without the repository on PYTHONPATH and without leadbot settings."""
    return {k: v for k, v in os.environ.items()
            if k != "PYTHONPATH" and not k.startswith(("SLACK_", "LEADBOT_"))}


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    """A fresh venv holding leadbot from a wheel; dependencies come from .venv, leadbot not."""
    root = tmp_path_factory.mktemp("packaging")
    source = root / "source"  # only what a wheel is built from: no config/, no tests/
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    shutil.copytree(REPO / "bot", source / "bot",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
         "--quiet", "--wheel-dir", root / "dist", source)
    [wheel] = (root / "dist").glob("leadbot-*.whl")
    env_dir = root / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", env_dir)
    python = env_dir / "bin" / "python"
    _run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
         "--quiet", wheel)
    # The dependencies, from the test run's own site-packages. A folder named in a .pth file
    # does not get its own .pth files read, so the editable leadbot there stays invisible.
    site = _run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                env=_clean_env()).stdout.strip()
    (Path(site) / "deps-from-the-test-run.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return env_dir


@pytest.fixture
def empty(tmp_path) -> Path:
    folder = tmp_path / "empty"
    folder.mkdir()
    return folder


def test_leadbot_and_its_slack_spec_come_from_the_wheel(venv, empty):
    code = ("import bot; from bot.sandbox.workspace.spec import find_spec; "
            "print(bot.__file__); print(find_spec())")
    found = _run(venv / "bin" / "python", "-c", code, cwd=empty,
                 env=_clean_env()).stdout.split()
    assert len(found) == 2 and all(Path(p).is_relative_to(venv) for p in found), found


def test_aiohttp_comes_only_with_the_sandbox_extra(venv):
    [wheel] = (venv.parent / "dist").glob("leadbot-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        [name] = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = Parser().parsestr(archive.read(name).decode())
    requires = metadata.get_all("Requires-Dist")
    aiohttp = [r for r in requires if r.lower().startswith("aiohttp")]
    assert aiohttp and all(r.endswith('extra == "sandbox"') for r in aiohttp), requires
    assert "sandbox" in metadata.get_all("Provides-Extra")


def test_check_config_uses_the_packaged_library(venv, empty):
    (empty / "minimal.yaml").write_text(MINIMAL, encoding="utf-8")
    result = subprocess.run([str(venv / "bin" / "leadbot"), "--config", "minimal.yaml",
                             "check-config"], cwd=empty, env=_clean_env(), capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    library = next(venv.rglob("bot/data/prompts.yaml"))
    assert f"library {library}" in result.stdout, result.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status
    except (urllib.error.URLError, ConnectionError):
        return None


def test_sandbox_starts_from_an_empty_folder(venv, empty, tmp_path):
    port = _free_port()
    log = tmp_path / "sandbox.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(venv / "bin" / "leadbot"), "sandbox", "--port", str(port),
             "--db", str(tmp_path / "sandbox.db")],
            cwd=empty, env=_clean_env(), stdout=out, stderr=subprocess.STDOUT)
    try:
        status, deadline = None, time.monotonic() + 60
        while status != 200 and process.poll() is None and time.monotonic() < deadline:
            status = _answers(f"http://127.0.0.1:{port}/")
            if status != 200:
                time.sleep(0.2)
        assert status == 200, f"exit {process.poll()}; output:\n{log.read_text()}"
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert not (empty / "data").exists()  # the --db was used, nothing written here
