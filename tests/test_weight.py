"""What `leadbot run` loads: never the heavy libraries only some features need (matplotlib for a
digest's chart, holidays for a calendar naming a country, aiohttp and the sandbox, numpy), and
the sandbox, an extra, says what to install when aiohttp is missing. Fresh subprocesses, since
this test run has loaded everything already."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO

HEAVY = ("matplotlib", "holidays", "aiohttp", "numpy", "PIL", "bot.sandbox")

LOADED = ("import json, sys, {module}; print(json.dumps(sorted(m for m in sys.modules "
          "if any(m == h or m.startswith(h + '.') for h in {heavy!r}))))")


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                          text=True, timeout=60)


@pytest.mark.parametrize("module", ["bot.runtime", "bot.cli", "bot.store"])
def test_importing_the_bot_loads_no_heavy_library(module):
    result = _python(LOADED.format(module=module, heavy=HEAVY))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_numpy_stays_importable_for_the_chart_after_the_store():
    result = _python("import bot.store, numpy, sqlite_utils.db; print(numpy.__name__, "
                     "sqlite_utils.db.np)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["numpy", "None"]


def test_sandbox_without_aiohttp_says_what_to_install(tmp_path):
    db = str(tmp_path / "s.db")
    code = ("import sys; sys.modules['aiohttp'] = None; "
            f"sys.argv = ['leadbot', 'sandbox', '--port', '0', '--db', {db!r}]; "
            "from bot.cli import main; main()")
    result = _python(code)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.strip() == ("error: the sandbox needs aiohttp: pip install "
                                     "'leadbot[sandbox]' (or pipx install 'leadbot[sandbox]')")
    assert not (tmp_path / "s.db").exists()
