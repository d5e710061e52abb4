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


COUNTRY_CONFIG = """\
timezone: UTC
holidays: GB
channels:
  - channel: C0123TEAM
    prompt: "0 9 * * MON"
"""

# Every import of a module of holidays.countries is recorded, even one taken back out of
# sys.modules afterwards.
IMPORTS_OF_COUNTRIES = """
import json, sys
from datetime import date
from pathlib import Path

seen = []
class Recorder:
    def find_spec(self, name, path=None, target=None):
        if name.startswith("holidays.countries"):
            seen.append(name)
        return None
sys.meta_path.insert(0, Recorder())

from bot.config import load_config
(channel,) = load_config(Path({path!r})).channels
print(json.dumps([channel.calendar.why_off(date(2026, 12, 25)), sorted(set(seen))]))
"""


def test_a_calendar_naming_a_country_imports_that_country_only(tmp_path):
    path = tmp_path / "leadbot.yaml"
    path.write_text(COUNTRY_CONFIG)
    result = _python(IMPORTS_OF_COUNTRIES.format(path=str(path)))
    assert result.returncode == 0, result.stderr
    why_off, imported = json.loads(result.stdout)
    assert why_off == "public holiday in GB: Christmas Day"
    # the one country, not the ~250 that importing the package holidays.countries loads
    assert imported == ["holidays.countries.united_kingdom"]


def test_the_holidays_package_is_whole_after_one_country_was_loaded():
    code = ("from datetime import date; from bot.workdays import holiday_name, "
            "supported_countries; holiday_name('GB', date(2026, 12, 25)); import holidays; "
            "print(len(holidays.list_supported_countries()), len(supported_countries()), "
            "holidays.countries.united_kingdom.GB.__name__, "
            "date(2026, 7, 14) in holidays.country_holidays('FR', years=2026))")
    result = _python(code)
    assert result.returncode == 0, result.stderr
    countries, codes, gb, bastille_day = result.stdout.split()
    assert countries == codes and int(codes) > 400  # the registry names the same codes
    assert (gb, bastille_day) == ("GB", "True")


# `leadbot run` itself: once connected, what has it loaded? (A digest is scheduled and the
# calendar names a country, so the chart and the holidays are configured, not yet used.)
RUNNING_CONFIG = """\
timezone: UTC
holidays: GB
channels:
  - channel: C0123TEAM
    prompt: "0 9 1 1 *"
    digest: "0 16 1 1 *"
"""

RUN_AND_REPORT = f"""
import json, logging, sys

class Report(logging.Handler):
    def emit(self, record):
        if record.getMessage() == "Socket Mode connected":
            heavy = sorted(m for m in sys.modules
                           if any(m == h or m.startswith(h + ".") for h in {HEAVY!r}))
            print("LOADED " + json.dumps(heavy), flush=True)

logging.getLogger("leadbot").addHandler(Report())
sys.argv = ["leadbot", "run"]
from bot.cli import main
main()
"""


def test_leadbot_run_connected_has_loaded_no_heavy_library(fake, tmp_path):
    from tests.e2e import BotProcess, bot_env

    env = bot_env(fake, tmp_path, RUNNING_CONFIG)
    bot = BotProcess([], env, tmp_path, argv=[sys.executable, "-c", RUN_AND_REPORT])
    try:
        loaded = json.loads(bot.wait_for_line(r"^LOADED (.*)$").group(1))
    finally:
        bot.stop()
    # the holidays package's core is there (the country was checked), its countries are not
    assert "holidays" in loaded and "holidays.countries" not in loaded
    assert [m for m in loaded if not m.startswith("holidays")] == []
