"""`leadbot check-config` on broken files, line by line: every problem once, at its own line,
naming the field and the value; one problem does not hide another; the count is the lines."""

from __future__ import annotations

import re

import pytest

from tests.conftest import REPO

NUDGE_TOO_LONG = "x" * 401

# A library with one problem on each marked line; the other lines are valid.
LIBRARY = f"""\
version: 1
refrain:
  text: "A test refrain."
  attribution: "A test author"
  context:
    - "A test context line."
themes:
  respect-for-people:
    name: "Respect for people"
    summary: "A test summary."
  go-to-gemba:
    name: "Go to gemba"
    summary: "A test summary."
nudges:
  - id: respect-1
    theme: respect-for-people
    text: "Ask one teammate what slows them down."
  - id: gemba-1
    theme: go-to-gemba
    text: "Watch one piece of work from start to end."
  - id: respect-1                      # line 21: the id of nudges[0]
    theme: respect-for-people
    text: "Thank someone for a problem they raised."
  - id: gemba-2
    theme: go-to-gembaa             # line 25: not declared
    text: "Sit with the team that uses what you build."
  - id: gemba-3
    theme: go-to-gemba
    text: ""                           # line 29: empty
  - id: gemba-4
    theme: go-to-gemba
    text: "{NUDGE_TOO_LONG}"           # line 32: 401 characters
  - id: gemba-5
    theme: go-to-gemba
    text: "Ask to see the work, not the report."
    theme: respect-for-people       # line 36: a key written twice
  - id: gemba-6
    theme: go-to-gemba
    text: 42                           # line 39: a number, not text
"""

LIBRARY_PROBLEMS = [
    "21: nudges[2].id: 'respect-1' is used twice (first at line 15); give each nudge its own id",
    "25: nudges[3].theme: unknown theme 'go-to-gembaa'; did you mean 'go-to-gemba'?",
    "29: nudges[4].text: must not be empty",
    "32: nudges[5].text: too long: 401 characters, at most 400",
    "36: nudges[6].theme: this key appears twice in the same block (first at line 34); "
    "keep one",
    "39: nudges[7].text: expected text, got the number 42",
]

CONFIG = """\
timezone: Europe/Londn
admins: [U0123ADMIN, alice]
skip_dates: [2026-12-24, 2026-02-30]
channels:
  - channel: C0123TEAM
    prompt: "0 9 * * MON"
    themes: [go-to-gemba, respect-for-peple, go-to-gemba]
    prompt: "0 10 * * MON"
  - channel: general
    skip_dates:
      - 2026-13-01
  - channel: C0123TEAM
    digest: "0 9 * FRI"
    show_names: "yes"
"""

CONFIG_PROBLEMS = [
    "1: timezone: unknown timezone 'Europe/Londn'; did you mean 'Europe/London'?",
    "2: admins[1]: 'alice' is not a Slack user ID (like U0123ABCD): find it in the person's "
    "profile, More > Copy member ID",
    "3: skip_dates[1]: '2026-02-30' is not a valid date: day is out of range for month",
    "7: channels[0].themes[1]: unknown theme 'respect-for-peple'; did you mean "
    "'respect-for-people'?",
    "7: channels[0].themes[2]: 'go-to-gemba' is listed twice (first at line 7); list each "
    "theme once",
    "8: channels[0].prompt: this key appears twice in the same block (first at line 6); keep one",
    "9: channels[1].channel: 'general' is neither a channel ID (like C0123ABCD) nor a "
    "#channel-name",
    "9: channels[1]: give at least one schedule: prompt, nudges or digest",
    "11: channels[1].skip_dates[0]: '2026-13-01' is not a valid date: month must be in 1..12",
    "12: channels[2].channel: 'C0123TEAM' is already configured at channels[0] (line 5); list "
    "each channel once",
    "13: channels[2].digest: '0 9 * FRI' has 4 fields; expected 5: minute hour day-of-month "
    "month day-of-week, e.g. \"0 9 * * MON\" (or 6, with seconds first)",
    "14: channels[2].show_names: expected true or false, got 'yes'",
]

MINIMAL_WITH_LIBRARY = """\
timezone: UTC
library: mylib.yaml
channels:
  - channel: C0123TEAM
    prompt: "0 9 * * MON"
"""


def _errors(result) -> tuple[list[str], str]:
    """The error lines of a failed check-config, checked for shape, and its summary line."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    *errors, summary = result.stderr.splitlines()
    assert all(line.startswith("error: ") for line in errors), errors
    return [line.removeprefix("error: ") for line in errors], summary


def test_a_broken_library_reports_each_problem_at_its_line(run_cli, write_config, tmp_path):
    library = write_config(LIBRARY, name="mylib.yaml")
    path = write_config(MINIMAL_WITH_LIBRARY)
    errors, summary = _errors(run_cli("check-config", str(path)))
    assert errors == [f"{library}:{line}" for line in LIBRARY_PROBLEMS]
    assert summary == "6 problems found; nothing was started."


def test_a_broken_config_reports_each_problem_at_its_line(run_cli, write_config):
    path = write_config(CONFIG)
    errors, summary = _errors(run_cli("check-config", str(path)))
    assert errors == [f"{path}:{line}" for line in CONFIG_PROBLEMS]
    assert summary == "12 problems found; nothing was started."


def test_config_and_library_problems_are_counted_together(run_cli, write_config):
    library = write_config(LIBRARY, name="mylib.yaml")
    path = write_config(CONFIG + "library: mylib.yaml\n")
    errors, summary = _errors(run_cli("check-config", str(path)))
    # the config's first, then the library's; the channel's themes are checked against the
    # ids the broken library declares
    assert errors == ([f"{path}:{line}" for line in CONFIG_PROBLEMS]
                      + [f"{library}:{line}" for line in LIBRARY_PROBLEMS])
    assert summary == f"{len(errors)} problems found; nothing was started."


UNBUILDABLE = [
    # (value YAML types but cannot build, the message for it)
    ("2026-02-30", "'2026-02-30' is not a valid date: day is out of range for month"),
    ("2026-11-30 25:00:00", "'2026-11-30 25:00:00' is not a valid date and time: hour must be "
                            "in 0..23"),
    ("!!bool maybe", "'maybe' is not a valid true/false value"),
    ("!!timestamp soon", "'soon' is not a valid date"),
    ("!!int nine", "'nine' is not a valid whole number: invalid literal for int() with base "
                   "10: 'nine'"),
    ("!shout quiet", "the tag !shout is not one leadbot reads; remove it"),
    ("!!map yes", "cannot read this as !!map: expected a mapping node, but found scalar"),
]


@pytest.mark.parametrize(("value", "message"), UNBUILDABLE, ids=[u[0] for u in UNBUILDABLE])
def test_a_value_yaml_cannot_build_hides_nothing(run_cli, write_config, value, message):
    path = write_config(f"""\
        timezone: Europe/Londn
        channels:
          - channel: C0123TEAM
            prompt: "0 9 * * MON"
            show_names: {value}
          - channel: C0123TEAM
            prompt: "0 9 * * MON"
    """)
    errors, summary = _errors(run_cli("check-config", str(path)))
    assert errors == [
        f"{path}:1: timezone: unknown timezone 'Europe/Londn'; did you mean 'Europe/London'?",
        f"{path}:5: channels[0].show_names: {message}",
        f"{path}:6: channels[1].channel: 'C0123TEAM' is already configured at channels[0] "
        "(line 3); list each channel once",
    ]
    assert summary == "3 problems found; nothing was started."


def test_a_line_break_in_a_value_stays_on_the_problems_line(run_cli, write_config):
    library = write_config(LIBRARY.replace("id: gemba-1", 'id: "gemba\\n1"'), name="mylib.yaml")
    path = write_config(MINIMAL_WITH_LIBRARY)
    errors, summary = _errors(run_cli("check-config", str(path)))
    assert f"{library}:18: nudges[1].id: 'gemba\\n1' is not a valid id: use lowercase letters, " \
           "digits and hyphens (e.g. gemba-1)" in errors
    assert summary == f"{len(errors)} problems found; nothing was started."


def test_a_syntax_error_stops_the_file_but_keeps_what_was_found_before_it(run_cli, write_config):
    # the parser cannot go on after line 13; the key written twice on line 8 was found before
    path = write_config(CONFIG.replace('digest: "0 9 * FRI"', "digest: @now"))
    errors, summary = _errors(run_cli("check-config", str(path)))
    assert errors == [
        f"{path}:8: channels[0].prompt: this key appears twice in the same block (first at line "
        "6); keep one",
        f"{path}:13: invalid YAML: found character that cannot start any token",
    ]
    assert summary == "2 problems found; nothing was started."


def test_the_readmes_validation_examples_are_what_check_config_prints(run_cli, write_config):
    section = (REPO / "README.md").read_text().split("### Validation\n")[1].split("\n### ")[0]
    blocks = re.findall(r"```(\w*)\n(.*?)```", section, flags=re.S)
    (_, config), (_, config_output), (_, library_output) = blocks[:3]
    path = write_config(config, name="bad.yaml")
    result = run_cli("check-config", str(path))
    command, *shown, echo, exit_code = config_output.splitlines()
    assert (command, echo) == ("$ leadbot check-config bad.yaml", "$ echo $?")
    assert result.stderr.replace(str(path), "bad.yaml").splitlines() == shown
    assert result.exit_code == int(exit_code)
    assert library_output.splitlines() == [
        *(f"error: mylib.yaml:{line}" for line in LIBRARY_PROBLEMS),
        "6 problems found; nothing was started."]
