"""The admin's configuration: every validation error names file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_config
from bot.yamlfile import FileProblems
from tests.conftest import MINIMAL, REPO


def problems_of(path: Path) -> list[str]:
    with pytest.raises(FileProblems) as info:
        load_config(path)
    return [str(p) for p in info.value.problems]


def test_shipped_example_is_valid():
    config = load_config(REPO / "config" / "leadbot.yaml")
    assert [c.channel for c in config.channels] == ["C0123TEAM", "#platform-team"]
    team = config.channels[0]
    assert team.tz.key == "America/Chicago"
    assert team.themes == ("respect-for-people", "go-to-gemba")
    assert config.channels[1].tz.key == "Europe/London"  # inherits the default
    assert team.schedules() == {"prompt": "0 9 * * MON", "nudge": "0 14 * * TUE,THU",
                                "digest": "0 16 * * FRI"}


def test_minimal_config(write_config):
    config = load_config(write_config(MINIMAL))
    assert config.admins == ("U0123ADMIN",)
    assert config.library_path == REPO / "bot" / "data" / "prompts.yaml"


BAD = [
    # (yaml, line, field, message fragment)
    ("timezone: Europe/Londn\nchannels:\n  - channel: C0123TEAM\n    prompt: '0 9 * * 1'\n",
     1, "timezone", "unknown timezone 'Europe/Londn'; did you mean 'Europe/London'?"),
    ("timezone: UTC\nchannels:\n  - channel: C0123TEAM\n    promt: '0 9 * * 1'\n",
     4, "channels[0].promt", "unknown key 'promt'; did you mean 'prompt'?"),
    ("timezone: UTC\ntimzone: UTC\nchannels:\n  - channel: C0123TEAM\n    prompt: '0 9 * * 1'\n",
     2, "timzone", "unknown key 'timzone'; did you mean 'timezone'?"),
    ("timezone: UTC\nchannels:\n  - channel: C0123TEAM\n    prompt: '0 9 * *'\n",
     4, "channels[0].prompt", "has 4 fields; expected 5"),
    ("timezone: UTC\nchannels:\n  - channel: C0123TEAM\n    prompt: '0 25 * * MON'\n",
     4, "channels[0].prompt", "bad hour (0-23)"),
    ("timezone: UTC\nchannels:\n  - channel: C0123TEAM\n    prompt: '0 9 * * 8'\n",
     4, "channels[0].prompt", "'8' is not a day of week"),
    ("timezone: UTC\nchannels:\n  - channel: C0123TEAM\n    prompt: '0 9 1 * MON'\n",
     4, "channels[0].prompt", "restricts both day of month and day of week"),
    ("timezone: UTC\nchannels:\n  - channel: C0123TEAM\n    prompt: '0 9 * * 1'\n"
     "    timezone: Mars/Olympus\n", 5, "channels[0].timezone", "unknown timezone 'Mars/Olympus'"),
    ("timezone: UTC\nchannels:\n  - channel: C0123TEAM\n    prompt: '0 9 * * 1'\n"
     "    themes: [respect-for-peple]\n",
     5, "channels[0].themes[0]", "unknown theme 'respect-for-peple'; did you mean "
                                    "'respect-for-people'?"),
    ("timezone: UTC\nchannels:\n  - channel: C0123TEAM\n    prompt: '0 9 * * 1'\n"
     "  - channel: C0123TEAM\n    prompt: '0 9 * * 2'\n",
     5, "channels[1].channel", "'C0123TEAM' is already configured at channels[0]"),
    ("timezone: UTC\nchannels: []\n", 2, "channels", "must not be empty"),
    ("timezone: UTC\n", 1, "channels", "required, but missing"),
    ("channels:\n  - channel: C0123TEAM\n    prompt: '0 9 * * 1'\n",
     1, "timezone", "required, but missing"),
    ("timezone: UTC\nadmins: U0123ADMIN\nchannels:\n  - channel: C0123TEAM\n"
     "    prompt: '0 9 * * 1'\n", 2, "admins", "expected a list, got 'U0123ADMIN'"),
    ("timezone: UTC\nadmins: [bob]\nchannels:\n  - channel: C0123TEAM\n    prompt: '0 9 * * 1'\n",
     2, "admins[0]", "'bob' is not a Slack user ID"),
    ("timezone: 3\nchannels:\n  - channel: C0123TEAM\n    prompt: '0 9 * * 1'\n",
     1, "timezone", "expected text, got the number 3"),
    ("timezone: UTC\nchannels:\n  - channel: C0123TEAM\n    prompt: 900\n",
     4, "channels[0].prompt", "expected text, got the number 900"),
    ("timezone: UTC\nchannels:\n  - channel: general\n    prompt: '0 9 * * 1'\n",
     3, "channels[0].channel", "neither a channel ID"),
    ("timezone: UTC\nchannels:\n  - channel: '#General Chat'\n    prompt: '0 9 * * 1'\n",
     3, "channels[0].channel", "is not a Slack channel name"),
    ("timezone: UTC\nchannels:\n  - channel: C0123TEAM\n", 3, "channels[0]",
     "give at least one schedule"),
    ("timezone: UTC\nchannels:\n  - C0123TEAM\n", 3, "channels[0]",
     "expected a mapping of keys to values, got 'C0123TEAM'"),
    ("timezone: UTC\nchannels:\n  - channel: C0123TEAM\n    prompt: '0 9 * * 1'\n"
     "    themes: []\n", 5, "channels[0].themes", "must not be empty"),
    ("timezone: UTC\nconcurrency: 0\nchannels:\n  - channel: C0123TEAM\n    prompt: '0 9 * * 1'\n",
     2, "concurrency", "greater than or equal to 1"),
    ("timezone: UTC\nmissed_run_grace: '1h'\nchannels:\n  - channel: C0123TEAM\n"
     "    prompt: '0 9 * * 1'\n", 2, "missed_run_grace", "expected a whole number, got '1h'"),
    ("timezone: UTC\nchannels:\n  - channel: C0123TEAM\n    prompt: '0 9 * * 1'\n"
     "    show_names: 'yes'\n", 5, "channels[0].show_names", "expected true or false, got 'yes'"),
    ("timezone: UTC\ntimezone: UTC\nchannels:\n  - channel: C0123TEAM\n    prompt: '0 9 * * 1'\n",
     2, "timezone", "this key appears twice in the same block (first at line 1)"),
    # a value YAML cannot build is reported, and so is the unknown key it is under
    ("timezone: UTC\nholiday: 2026-02-30\nchannels:\n  - channel: C0123TEAM\n"
     "    prompt: '0 9 * * 1'\n", 2, "holiday", "unknown key 'holiday'; did you mean 'holidays'?"),
    ("timezone: UTC\nholiday: 2026-02-30\nchannels:\n  - channel: C0123TEAM\n"
     "    prompt: '0 9 * * 1'\n", 2, "holiday", "'2026-02-30' is not a valid date"),
    ("timezone: UTC\nchannels:\n  - channel: C0123TEAM\n    prompt: '0 9 * * 1'\n"
     "    themes: [go-to-gemba, go-to-gemba]\n",
     5, "channels[0].themes[1]", "'go-to-gemba' is listed twice (first at line 5)"),
    ("timezone: UTC\nchannels:\n  - channel: general\n    timezone: UTC\n", 3, "channels[0]",
     "give at least one schedule"),
]


@pytest.mark.parametrize(("text", "line", "field", "fragment"), BAD,
                         ids=[f"{b[2]}-{i}" for i, b in enumerate(BAD)])
def test_each_error_names_file_line_and_field(write_config, text, line, field, fragment):
    path = write_config(text)
    found = problems_of(path)
    expected_prefix = f"{path}:{line}: {field}: "
    matching = [p for p in found if p.startswith(expected_prefix)]
    assert matching, f"no problem starts with {expected_prefix!r}: {found}"
    assert any(fragment in p for p in matching), found


def test_all_errors_are_reported_at_once(write_config):
    path = write_config("""\
        timezone: Europe/Londn
        admins: U1
        channels:
          - channel: C0123TEAM
            promt: "0 9 * * MON"
          - channel: C0123TEAM
            prompt: "0 25 * * MON"
    """)
    found = problems_of(path)
    assert [p.split(": ")[1] for p in found] == [
        "timezone", "admins", "channels[0].promt", "channels[1].channel", "channels[1].prompt"]
    # sorted by line
    lines = [int(p.split(":")[1]) for p in found]
    assert lines == sorted(lines)


@pytest.mark.parametrize(("text", "fragment"), [
    ("", "the configuration is empty"),
    ("- a\n- b\n", "expected a mapping of keys at the top of the configuration, got a list"),
    ("timezone: [unclosed\n", "invalid YAML"),
    ("timezone: UTC\n  bad indent: x\n", "invalid YAML"),
])
def test_unusable_files(write_config, text, fragment):
    found = problems_of(write_config(text))
    assert len(found) == 1 and fragment in found[0]


def test_yaml_syntax_error_has_line(write_config):
    path = write_config("timezone: UTC\nchannels:\n  - channel: C0123TEAM\n    prompt: '0 9\n")
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:") and "invalid YAML" in problem


def test_missing_file(tmp_path):
    (problem,) = problems_of(tmp_path / "nope.yaml")
    assert problem == f"{tmp_path / 'nope.yaml'}: file not found"


def test_library_key_points_to_own_file(write_config, tmp_path):
    (tmp_path / "mine.yaml").write_text((REPO / "bot" / "data" / "prompts.yaml").read_text())
    path = write_config(MINIMAL + "library: mine.yaml\n")
    assert load_config(path).library_path == tmp_path / "mine.yaml"


def test_broken_library_reported_with_config(write_config, tmp_path):
    (tmp_path / "mine.yaml").write_text("version: 1\nrefrain: {}\n")
    path = write_config(MINIMAL + "library: mine.yaml\n")
    found = problems_of(path)
    # each problem in the library's own file, and no line that is not a problem
    assert all(p.startswith(f"{tmp_path / 'mine.yaml'}:") for p in found), found
    assert any(p.startswith(f"{tmp_path / 'mine.yaml'}:2: refrain.text: required") for p in found)


def test_a_library_that_cannot_be_read_is_named_at_the_library_key(write_config, tmp_path):
    path = write_config(MINIMAL + "library: nope.yaml\n")
    assert problems_of(path) == [
        f"{path}:7: library: {tmp_path / 'nope.yaml'}: file not found"]


def test_a_broken_library_still_checks_the_channels_themes(write_config, tmp_path):
    library = (REPO / "bot" / "data" / "prompts.yaml").read_text().replace("version: 1",
                                                                          "version: one")
    (tmp_path / "mine.yaml").write_text(library)
    line = library.splitlines().index("version: one") + 1
    path = write_config(MINIMAL + "    themes: [go-to-gemba, go-to-gembaa]\n"
                                  "library: mine.yaml\n")
    assert problems_of(path) == [
        f"{path}:7: channels[0].themes[1]: unknown theme 'go-to-gembaa'; did you mean "
        "'go-to-gemba'?",
        f"{tmp_path / 'mine.yaml'}:{line}: version: expected a whole number, got 'one'",
    ]


def test_prompts_yaml_beside_config_is_the_default(write_config, tmp_path):
    (tmp_path / "prompts.yaml").write_text((REPO / "bot" / "data" / "prompts.yaml").read_text())
    assert load_config(write_config(MINIMAL)).library_path == tmp_path / "prompts.yaml"


def test_hash_names_and_ids_both_accepted(write_config):
    config = load_config(write_config("""\
        timezone: Asia/Tokyo
        channels:
          - channel: "#team-a"
            nudges: "0 10 * * 1-5"
          - channel: G012PRIVATE
            digest: "0 16 * * FRI"
    """))
    assert config.channel("#team-a").nudges == "0 10 * * 1-5"
    assert config.channel("G012PRIVATE").prompt is None


def _channels(count: int, schedules: str, timezone: str = "", first: int = 0) -> str:
    """``count`` channels with the same schedules (a format string of ``i``), in ``timezone``."""
    tz = f"    timezone: {timezone}\n" if timezone else ""
    return "".join(f"  - channel: C{first + i:06d}\n{tz}" + schedules.format(i=i)
                   for i in range(count))


PROMPT = '    prompt: "{cron}"\n'
SCALE = [
    # (name, channels, warnings expected: fragments, one per warning)
    ("every second in 500 channels", _channels(500, PROMPT.format(cron="* * * * * *")),
     ["5: channels[0].prompt: '* * * * * *' fires as often as every 1 s, more often than every "
      "5 minutes (and in 499 more schedule(s))",
      "5: channels[0].prompt: up to 30,000 posts fall due in one minute"]),
    ("every minute in 400 channels", _channels(400, PROMPT.format(cron="* * * * *")),
     ["fires as often as every 1 min", "up to 400 posts fall due in one minute"]),
    ("every 4 minutes", _channels(1, PROMPT.format(cron="*/4 * * * *")),
     ["'*/4 * * * *' fires as often as every 4 min, more often than every 5 minutes"]),
    ("every 5 minutes", _channels(1, PROMPT.format(cron="*/5 * * * *")), []),
    ("301 channels in one minute", _channels(301, PROMPT.format(cron="0 9 * * MON")),
     ["5: channels[0].prompt: up to 301 posts fall due in one minute (Mon 30 Nov 09:00 UTC), "
      "across all channels; Slack takes several hundred a minute"]),
    ("300 channels in one minute", _channels(300, PROMPT.format(cron="0 9 * * MON")), []),
    ("three kinds in 101 channels in one minute",
     _channels(101, '    prompt: "0 9 * * MON"\n    nudges: "0 9 * * MON"\n'
                    '    digest: "0 9 * * MON"\n'), ["up to 303 posts"]),
    ("400 channels over 400 minutes",
     "".join(f"  - channel: C{i:06d}\n    prompt: \"{i % 60} {8 + i // 60} * * MON\"\n"
             for i in range(400)), []),
    ("same local minute, different offsets",
     _channels(200, PROMPT.format(cron="0 9 * * MON"), "Europe/London")
     + _channels(200, PROMPT.format(cron="0 9 * * MON"), "Asia/Tokyo", first=200), []),
    ("same local minute, same offset",
     _channels(200, PROMPT.format(cron="0 9 * * MON"), "Europe/London")
     + _channels(200, PROMPT.format(cron="0 9 * * MON"), "Europe/Lisbon", first=200),
     ["up to 400 posts fall due in one minute (Mon 30 Nov 09:00 UTC)"]),
    ("a monthly collision", _channels(301, PROMPT.format(cron="0 9 1 * *")),
     ["up to 301 posts fall due in one minute (Tue 01 Dec 09:00 UTC)"]),
]


@pytest.mark.parametrize(("channels", "fragments"), [s[1:] for s in SCALE],
                         ids=[s[0] for s in SCALE])
def test_check_config_warns_about_scale(run_cli, write_config, channels, fragments):
    path = write_config("timezone: UTC\nadmins: [U0123ADMIN]\nchannels:\n" + channels)
    result = run_cli("check-config", str(path))
    assert result.exit_code == 0, result.output  # warnings, not errors
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == len(fragments), warnings
    for warning, fragment in zip(warnings, fragments, strict=True):
        assert warning.startswith(f"warning: {path}:"), warning
        assert fragment in warning, warning


def test_the_shipped_config_has_no_warning(run_cli):
    result = run_cli("check-config", str(REPO / "config" / "leadbot.yaml"))
    assert result.exit_code == 0 and result.stderr == ""


def test_ten_thousand_channels_load(write_config):
    zones = ["Europe/London", "America/New_York", "Asia/Tokyo", "Australia/Sydney"]
    channels = "".join(
        f"  - channel: C{i:08d}\n    timezone: {zones[i % 4]}\n"
        f"    prompt: \"{i % 60} {8 + i % 3} * * MON\"\n    nudges: \"{i % 60} 14 * * WED\"\n"
        for i in range(10_000))
    config = load_config(write_config(MINIMAL.split("channels:")[0] + "channels:\n" + channels))
    assert len(config.channels) == 10_000
    last = config.channels[-1]
    assert (last.channel, last.tz.key, last.prompt) == ("C00009999", "Australia/Sydney",
                                                        "39 8 * * MON")
    assert last.lines == {"prompt": 4 + 4 * 9_999 + 2, "nudges": 4 + 4 * 9_999 + 3}
