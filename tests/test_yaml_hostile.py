"""Hostile YAML through `leadbot check-config`: alias bombs, deep nesting and control bytes
end in exit 2 with the file and line, stopped at a named limit, never a traceback."""

from __future__ import annotations

import pytest

from bot.config import load_config
from bot.yamlfile import MAX_ALIASED, MAX_DEPTH, FileProblems, load_yaml
from tests.conftest import MINIMAL


def _bomb(levels: int = 9) -> str:
    """The "billion laughs": each anchor repeats the previous one nine times (541 bytes)."""
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for previous, name in zip("abcdefgh", "bcdefghi"[:levels - 1], strict=False):
        text += f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]\n"
    return text


def _merge_bomb() -> str:
    """The same through merge keys, which PyYAML copies into each mapping when it builds it."""
    text = "a: &a {k0: lol, k1: lol, k2: lol, k3: lol, k4: lol, k5: lol, k6: lol, k7: lol}\n"
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        text += f"{name}: &{name}\n  <<: [" + ", ".join([f"*{previous}"] * 9) + "]\n"
    return text


HOSTILE = [
    # (name, file text, line, message fragment)
    ("alias bomb", _bomb(), 6, f"repeat more than {MAX_ALIASED:,} values"),
    ("merge-key bomb", _merge_bomb(), 9, f"repeat more than {MAX_ALIASED:,} values"),
    ("alias inside its own anchor", "timezone: UTC\nchannels: &c [1, *c]\n", 2,
     "the alias *c is inside the block &c it repeats"),
    ("1,000-deep flow list", "timezone: UTC\nchannels: " + "[" * 1000 + "]" * 1000 + "\n", 2,
     f"nest more than {MAX_DEPTH} levels deep"),
    ("1,000-deep block list",
     "timezone: UTC\nchannels:\n" + "".join("  " * i + "-\n" for i in range(1, 1000)), 52,
     f"nest more than {MAX_DEPTH} levels deep"),
    ("1,000-deep flow mapping", "timezone: UTC\nx: " + "{a: " * 1000 + "1" + "}" * 1000 + "\n",
     2, f"nest more than {MAX_DEPTH} levels deep"),
    ("1,000-deep block mapping",
     "timezone: UTC\n" + "".join("  " * i + f"k{i}:\n" for i in range(1000)) + "  " * 1000
     + "x\n", 52, f"nest more than {MAX_DEPTH} levels deep"),
    ("aliases that nest too deep",
     "a: &a " + "[" * 30 + "]" * 30 + "\nb: " + "[" * 25 + "*a" + "]" * 25 + "\n", 2,
     f"the alias *a nests blocks more than {MAX_DEPTH} levels deep"),
    ("NUL", MINIMAL.replace('"0 9 * * MON"', '"0 9 * * \x00MON"'), 5,
     "column 22: control character U+0000 (NUL) is not allowed"),
    ("ESC", "timezone: UTC\x1b[31m\n", 1, "column 14: control character U+001B (ESC)"),
    ("DEL", "timezone: UTC\nadmins: [U0123\x7fADMIN]\n", 2, "column 15: control character "
                                                            "U+007F (DEL)"),
    ("form feed", "timezone: UTC\n\x0c\n", 2, "column 1: control character U+000C"),
    ("C1 control", "timezone: UTC\n# \x9b\n", 2, "column 3: control character U+009B"),
    ("non-character", "timezone: UTC\n# \uffff\n", 2, "column 3: character U+FFFF"),
]


@pytest.mark.parametrize(("text", "line", "fragment"), [h[1:] for h in HOSTILE],
                         ids=[h[0] for h in HOSTILE])
def test_hostile_yaml_exits_2_with_file_and_line(run_cli, write_config, text, line, fragment):
    path = write_config(text)
    result = run_cli("check-config", str(path))
    assert result.exit_code == 2, result.output
    assert f"error: {path}:{line}: " in result.output, result.output
    assert fragment in result.output
    assert "1 problem found; nothing was started." in result.output
    assert "Traceback" not in result.output


def test_the_prompt_library_is_guarded_too(write_config, tmp_path):
    (tmp_path / "prompts.yaml").write_text(_bomb(), encoding="utf-8")
    path = write_config(MINIMAL)
    with pytest.raises(FileProblems) as info:
        load_config(path)
    assert f"{tmp_path / 'prompts.yaml'}:6: the aliases" in str(info.value)


@pytest.mark.parametrize("allowed", ["\t", "\r\n", "\x85", "\u00e9", "\U0001f600", "\ufeff"])
def test_printable_text_is_not_refused(write_config, allowed):
    # YAML's printable set: tab, line breaks, NEL, all of Unicode above U+00A0 (BOM included)
    text = MINIMAL.replace("admins: [U0123ADMIN]", f"admins: [U0123ADMIN]  # {allowed}")
    assert load_config(write_config(text)).admins == ("U0123ADMIN",)


def test_a_few_aliases_are_fine_and_lines_point_where_they_are_used(write_config):
    path = write_config("""\
        timezone: UTC
        channels:
          - channel: C0123TEAM
            prompt: &weekly "0 9 * * MON"
          - &second
            channel: C0123TWO
            prompt: *weekly
          - <<: *second
            channel: C0123TRE
            prompt: "0 25 * * MON"
    """)
    with pytest.raises(FileProblems) as info:
        load_config(path)
    assert str(info.value).startswith(f"{path}:10: channels[2].prompt: '0 25 * * MON'")
    fixed = path.read_text().replace("0 25", "0 10")
    path.write_text(fixed)
    config = load_config(path)
    assert [(c.channel, c.prompt) for c in config.channels] == [
        ("C0123TEAM", "0 9 * * MON"), ("C0123TWO", "0 9 * * MON"), ("C0123TRE", "0 10 * * MON")]


def test_an_alias_error_points_at_the_alias(write_config):
    path = write_config("""\
        timezone: UTC
        channels:
          - channel: C0123TEAM
            prompt: &bad "0 25 * * MON"
          - channel: C0123TWO
            prompt: *bad
    """)
    with pytest.raises(FileProblems) as info:
        load_config(path)
    lines = str(info.value).splitlines()
    assert lines[0].startswith(f"{path}:4: channels[0].prompt:")
    assert lines[1].startswith(f"{path}:6: channels[1].prompt:")


def test_aliases_within_the_budget_load(tmp_path):
    # 1,000 aliases of an 81-value block (a mapping, 20 keys, 20 lists of 2): 81,000 repeated
    block = "{" + ", ".join(f"k{i}: [a, b]" for i in range(20)) + "}"
    text = f"x: &x {block}\ny: [" + ", ".join(["*x"] * 1000) + "]\n"
    (tmp_path / "many.yaml").write_text(text, encoding="utf-8")
    loaded = load_yaml(tmp_path / "many.yaml")
    assert len(loaded.data["y"]) == 1000 and loaded.data["y"][999]["k19"] == ["a", "b"]
