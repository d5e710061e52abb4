"""The sandbox in a real headless Chromium, used as a person would: `leadbot sandbox` on a free
port, then prompt -> click -> reply -> reflect -> Home -> digest. A screenshot of every step is
kept, and saved under test-artifacts/sandbox/ when a step fails."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.e2e import BotProcess

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = REPO / "test-artifacts" / "sandbox"
pytestmark = pytest.mark.e2e

if os.environ.get("CI") and CHROMIUM is None:  # CI installs it (.ci/run): never skip there
    raise RuntimeError("Chromium is missing: .ci/run should have installed it")
playwright = pytest.importorskip("playwright.sync_api")
if CHROMIUM is None:
    pytest.skip("Chromium is not installed (Debian: apt-get install chromium)",
                allow_module_level=True)

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def sandbox_db(tmp_path):
    return tmp_path / "sandbox.db"


@pytest.fixture
def sandbox(tmp_path, sandbox_db):
    process = BotProcess(["sandbox", "--port", "0", "--db", str(sandbox_db)], {}, tmp_path)
    try:
        url = process.wait_for_line(r"open (http://127\.0\.0\.1:\d+/)", timeout=30).group(1)
        yield url
    finally:
        process.stop()


@pytest.fixture
def page(sandbox, tmp_path):
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        tab = browser.new_page(viewport={"width": 1280, "height": 900})
        tab.set_default_timeout(10_000)
        tab.goto(sandbox)
        yield tab
        browser.close()


class Steps:
    """Runs named steps; screenshots each; on a failure saves them all as artefacts."""

    def __init__(self, page, folder: Path):
        self.page, self.folder, self.taken = page, folder, []

    def __call__(self, name: str, action) -> None:
        try:
            action()
        except Exception:
            self._shot(f"{len(self.taken):02d}-{name}-FAILED")
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            for shot in self.taken:
                shutil.copy(shot, ARTIFACTS / shot.name)
            raise
        self._shot(f"{len(self.taken):02d}-{name}")

    def _shot(self, name: str) -> None:
        path = self.folder / f"{name}.png"
        self.page.screenshot(path=str(path))
        self.taken.append(path)


def counts(page) -> str:
    return page.locator("#messages .msg").first.locator(
        "[data-block-id=leadbot_counts]").inner_text()


def test_walk_through_prompt_click_reply_reflect_home_digest(page, tmp_path, sandbox_db):
    step = Steps(page, tmp_path)
    me = page.locator("#me")

    def see_the_prompt():
        prompt = page.locator("#messages .msg").first
        playwright.expect(prompt).to_contain_text("When you see good leadership")
        playwright.expect(prompt.locator("button", has_text="I'll take the lead")).to_be_visible()

    def take_as_ada_and_follow_as_bob():
        me.select_option(label="Ada (admin)")
        page.locator("#messages .msg").first.locator(
            "button[data-action-id=leadbot_choice_take]").click()
        playwright.expect(page.locator(".msg.ephemeral")).to_contain_text("take the lead")
        playwright.expect(page.locator("[data-block-id=leadbot_counts]")).to_contain_text(
            "1 take")
        me.select_option(label="Bob")
        playwright.expect(page.locator(".msg.ephemeral")).to_have_count(0)  # Ada's only
        page.locator("#messages .msg").first.locator(
            "button[data-action-id=leadbot_choice_follow]").click()
        playwright.expect(page.locator("[data-block-id=leadbot_counts]")).to_contain_text(
            "1 follow")
        assert "1 take" in counts(page)

    def reply_in_the_thread():
        page.locator("#messages .msg").first.get_by_role("button", name="Reply").click()
        page.fill("#reply-text", "I'll try it at Thursday's stand-up")
        page.press("#reply-text", "Enter")
        playwright.expect(page.locator("#thread-messages")).to_contain_text(
            "Thursday's stand-up")
        page.click("#close-thread")

    def reflect_with_an_invalid_then_a_valid_form():
        page.fill("#text", "/reflect")
        page.press("#text", "Enter")
        dialog = page.locator("dialog[open]")
        playwright.expect(dialog).to_contain_text("What happened?")
        page.click("#modal-submit")
        playwright.expect(dialog.locator("[data-error-for=reflect_text]")).to_contain_text(
            "Write a few words")
        dialog.locator("textarea").fill("Let Chen chair the planning meeting.")
        dialog.get_by_label("I took the lead").check()
        page.click("#modal-submit")
        # "Saving...", then the worker's outcome in the same form, and a private confirmation
        playwright.expect(dialog).to_contain_text("Reflection saved")
        playwright.expect(page.locator(".msg.ephemeral").last).to_contain_text(
            "Reflection saved (I took the lead)")
        page.click("#modal-close")
        playwright.expect(page.locator("dialog[open]")).to_have_count(0)

    def open_the_home_tab():
        page.click("#home-tab")
        playwright.expect(page.locator("#home")).to_contain_text("Your leadership practice")
        playwright.expect(page.locator("#home")).to_contain_text("chair the planning")

    def post_the_digest_and_see_the_chart():
        page.locator("#channels button").first.click()
        page.click("button[data-time=digest]")
        playwright.expect(page.locator("#messages")).to_contain_text("Weekly digest")
        chart = page.locator("#messages figure img").last
        playwright.expect(chart).to_be_visible()
        assert chart.evaluate("img => img.complete && img.naturalWidth") == 800

    step("see the prompt", see_the_prompt)
    step("take and follow", take_as_ada_and_follow_as_bob)
    step("reply in thread", reply_in_the_thread)
    step("reflect", reflect_with_an_invalid_then_a_valid_form)
    step("home", open_the_home_tab)
    step("digest", post_the_digest_and_see_the_chart)
    # what the page did reached the bot's database as real answers
    from bot.store import Store
    store = Store.open(sandbox_db)
    try:
        mine = [r for r in store.export_rows("reflection")
                if "chair the planning" in (r["text"] or "")]
        assert [(r["user"], r["choice"]) for r in mine] == [("U0SANDBOB", "take")]
        assert any(r["text"] == "I'll try it at Thursday's stand-up"
                   for r in store.export_rows("reply"))
    finally:
        store.close()


def test_saw_from_the_composer_with_a_mention(page, sandbox_db):
    page.fill("#text", "/saw @bob asked why the line stopped, five times")
    page.press("#text", "Enter")
    playwright.expect(page.locator(".msg.ephemeral").last).to_contain_text("Bob")
    from bot.store import Store
    store = Store.open(sandbox_db)
    try:
        [row] = [r for r in store.export_rows("sighting")]
        assert (row["user"], row["about"]) == ("U0SANDADA", "U0SANDBOB")
        assert row["text"] == "asked why the line stopped, five times"
    finally:
        store.close()
