"""The vendored subset of Slack's Web API spec: inside the package, covering every method the fake
handles, and exactly what scripts/slack_spec_subset.py makes from Slack's full file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import bot
from bot.sandbox.workspace import spec
from bot.sandbox.workspace.methods import HANDLERS
from tests.conftest import REPO, json_refs

FULL_SPEC = REPO.parent / "shared" / "slack-api-spec" / "slack_web_openapi_v2.json"
SCRIPT = REPO / "scripts" / "slack_spec_subset.py"
VENDORED = json.loads(spec.DEFAULT_SPEC_PATH.read_text(encoding="utf-8"))




def test_the_default_spec_is_the_vendored_file_inside_the_package(monkeypatch):
    monkeypatch.delenv("LEADBOT_SLACK_SPEC", raising=False)
    package = spec.find_spec().resolve()
    assert package == spec.DEFAULT_SPEC_PATH
    assert package.is_relative_to(Path(bot.__file__).resolve().parent)
    assert VENDORED["swagger"] == "2.0"


def test_the_environment_still_overrides_it(monkeypatch, tmp_path):
    other = tmp_path / "spec.json"
    other.write_text(json.dumps({"paths": {"/only.this": {"post": {}}}}), encoding="utf-8")
    monkeypatch.setenv("LEADBOT_SLACK_SPEC", str(other))
    assert "only.this" in spec.load_spec()


def test_the_vendored_subset_has_every_handled_method(monkeypatch):
    monkeypatch.delenv("LEADBOT_SLACK_SPEC", raising=False)
    documented = {route.lstrip("/") for route in VENDORED["paths"]}
    # the handlers newer than the October 2020 spec are the only ones it may lack
    assert set(HANDLERS) - documented <= set(spec.EXTRA_METHODS)
    assert set(HANDLERS) <= set(spec.load_spec())


def test_every_ref_in_the_subset_resolves_inside_it():
    refs = set(json_refs(VENDORED))
    assert refs and all(r.startswith("#/definitions/") for r in refs)
    assert {r.removeprefix("#/definitions/") for r in refs} <= set(VENDORED["definitions"])


@pytest.mark.parametrize(("name", "needle"), [
    ("LICENSE", "MIT License"),
    ("README.md", "bc08db49625630e3585bf2f1322128ea04f2a7f3"),
    ("README.md", "slackapi/slack-api-specs"),
])
def test_the_licence_and_the_source_travel_with_the_data(name, needle):
    assert needle in (spec.REFERENCE_DIR / name).read_text(encoding="utf-8")


def test_the_vendored_subset_is_what_the_script_makes(tmp_path):
    if not FULL_SPEC.is_file():
        pytest.skip(f"Slack's full spec is not beside the repository ({FULL_SPEC}); the "
                    "vendored subset cannot be compared with its source here")
    out = tmp_path / "subset.json"
    subprocess.run([sys.executable, str(SCRIPT), str(FULL_SPEC), "--output", str(out)],
                   check=True, capture_output=True, timeout=120)
    assert out.read_bytes() == spec.DEFAULT_SPEC_PATH.read_bytes(), (
        "the vendored spec is out of date: run scripts/slack_spec_subset.py (see "
        "bot/sandbox/workspace/reference/README.md)")
