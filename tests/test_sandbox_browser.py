"""The sandbox in a real headless Chromium, used as a person would: the sandbox on a free
port, then prompt -> click -> react -> reply -> edit -> reflect -> Home -> digest at desktop
width, the same at phone width, and a restart on the same database. One browser and one
sandbox serve every test but the restart. A screenshot of every step is kept, and saved under
test-artifacts/sandbox/ when a step fails."""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest

from bot.messages.sightings import TITLE as SIGHTING_TITLE
from tests.conftest import REPO
from tests.e2e import stop_sandbox

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = REPO / "test-artifacts" / "sandbox"
DEMO = REPO / "bot" / "sandbox" / "demo.yaml"
pytestmark = pytest.mark.e2e

if os.environ.get("CI") and CHROMIUM is None:  # CI installs it (.ci/run): never skip there
    raise RuntimeError("Chromium is missing: .ci/run should have installed it")
playwright = pytest.importorskip("playwright.sync_api")
if CHROMIUM is None:
    pytest.skip("Chromium is not installed (Debian: apt-get install chromium)",
                allow_module_level=True)

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
expect = playwright.expect
# Assertions wait up to 10 s, as actions do (page.set_default_timeout): the suite runs on two
# workers, and a page on a busy machine can take more than Playwright's default 5 s.
expect.set_options(timeout=10_000)


class Sandbox:
    """The sandbox `leadbot sandbox` starts (its demo, the real bot, the page) on ``port``
    (0: a free one) with its database at ``db``, served in this process; `leadbot sandbox` as
    a process is tested in test_sandbox_app.py, test_make_run.py and test_packaging.py."""

    def __init__(self, db: Path, port: int = 0):
        from bot.sandbox.app import Sandbox as App

        self.db = db
        self.app = App(DEMO, db, port=port, demo_data=True)
        self.url = self.app.start()
        self.port = int(self.url.rstrip("/").rsplit(":", 1)[1])

    def stop(self) -> None:
        """Stop as Ctrl-C would."""
        stop_sandbox(self.app)

    def rows(self, kind: str) -> list[dict]:
        """What the bot stored, as `leadbot export` would write it."""
        from bot.store import Store
        store = Store.open(self.db)
        try:
            return store.export_rows(kind)
        finally:
            store.close()

    def stored(self, kind: str, check, timeout: float = 10) -> None:
        """Wait until ``check(rows)`` holds (the bot's worker stores answers a moment after
        the page shows them); fail with the last rows if it never does."""
        deadline = time.monotonic() + timeout
        while not check(rows := self.rows(kind)):
            if time.monotonic() > deadline:
                raise AssertionError(f"{kind} rows never matched: {rows}")
            time.sleep(0.1)


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    running = Sandbox(tmp_path_factory.mktemp("sandbox") / "sandbox.db")
    yield running
    running.stop()


def open_page(browser, url: str, device: dict):
    context = browser.new_context(reduced_motion="reduce", **device)  # no sliding menu
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(url)
    return page


@pytest.fixture
def page(browser, sandbox):
    tab = open_page(browser, sandbox.url, DESKTOP)
    yield tab
    tab.context.close()


@pytest.fixture
def phone(browser, sandbox):
    tab = open_page(browser, sandbox.url, PHONE)
    yield tab
    tab.context.close()


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


def message_menu(page, message, item: str) -> None:
    """Choose ``item`` in a message's "More actions" menu (it shows on hover, as in Slack)."""
    message.hover()
    message.get_by_role("button", name="More actions").click()
    page.get_by_role("menuitem", name=item).click()


def react(message, name: str) -> None:
    message.hover()
    message.get_by_role("button", name="Add reaction").click()
    message.get_by_role("menuitem", name=f":{name}:").click()


def fits_the_width(page, selector: str = "html") -> None:
    """Nothing scrolls sideways: not the page, nor the element ``selector``."""
    widths = page.eval_on_selector(selector, "e => [e.scrollWidth, e.clientWidth]")
    assert widths[0] <= widths[1], f"{selector} scrolls sideways: {widths}"
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")


def inside_the_screen(locator) -> None:
    expect(locator).to_be_in_viewport(ratio=1)  # all of it


def test_walk_through_prompt_click_react_reply_reflect_home_digest(page, tmp_path, sandbox):
    step = Steps(page, tmp_path)
    me = page.locator("#me")
    prompt = page.locator("#messages .msg").first

    def see_the_prompt_with_who_and_when():
        expect(prompt).to_contain_text("When you see good leadership")
        expect(prompt.locator("button", has_text="I'll take the lead")).to_be_visible()
        expect(prompt.locator(".avatar")).to_have_text("lb")
        expect(prompt.locator(".who")).to_have_text("leadbot")
        expect(prompt.locator(".time")).to_have_text(re.compile(r"^\d\d:\d\d$"))
        expect(prompt.locator(".time")).to_have_attribute("title", re.compile(r" 20\d\d "))
        # no choice stands out: the three buttons look alike
        looks = prompt.locator("[data-action-id^=leadbot_choice_]").evaluate_all(
            "buttons => buttons.map(b => getComputedStyle(b).backgroundColor)")
        assert len(looks) == 3 and len(set(looks)) == 1, looks
        # the shortcut is in a menu, not a link under every message
        expect(page.get_by_text("More actions: ")).to_have_count(0)

    def take_as_ada_and_follow_as_bob():
        me.select_option(label="Ada (admin)")
        prompt.locator("button[data-action-id=leadbot_choice_take]").click()
        expect(page.locator(".msg.ephemeral")).to_contain_text("take the lead")
        expect(page.locator("[data-block-id=leadbot_counts]")).to_contain_text("1 take")
        me.select_option(label="Bob")
        expect(page.locator(".msg.ephemeral")).to_have_count(0)  # Ada's only
        prompt.locator("button[data-action-id=leadbot_choice_follow]").click()
        expect(page.locator("[data-block-id=leadbot_counts]")).to_contain_text("1 follow")
        assert "1 take" in counts(page)

    def react_as_bob_then_toggle_as_ada():
        react(prompt, "+1")
        mine = prompt.locator(".reaction[data-reaction='+1']")
        expect(mine).to_have_text("👍 1")
        expect(mine).to_have_attribute("aria-pressed", "true")
        me.select_option(label="Ada (admin)")
        expect(mine).to_have_attribute("aria-pressed", "false")
        mine.click()  # clicking someone's reaction adds yours
        expect(mine).to_have_text("👍 2")
        expect(mine).to_have_attribute("aria-pressed", "true")
        mine.click()  # and clicking it again takes yours back
        expect(mine).to_have_text("👍 1")
        expect(mine).to_have_attribute("aria-pressed", "false")
        me.select_option(label="Bob")

    def reply_in_the_thread():
        prompt.get_by_role("button", name="Reply").click()
        # the thread opens once it is loaded, its box focused (a key sent before goes nowhere)
        expect(page.locator("#reply-text")).to_be_focused()
        page.press("#reply-text", "Enter")  # nothing written: said under the thread's box
        expect(page.locator("#reply-error")).to_have_text("Write something first.")
        expect(page.locator("#error")).to_have_text("")
        page.fill("#reply-text", "I'll try it at Thursdays stand-up")
        page.press("#reply-text", "Enter")
        expect(page.locator("#thread-replies")).to_contain_text("Thursdays stand-up")
        expect(page.locator("#reply-error")).to_have_text("")

    def edit_the_reply_in_place():
        reply = page.locator("#thread-replies .msg").last
        message_menu(page, reply, "Edit message")
        box = reply.get_by_role("textbox", name="Edit message")
        expect(box).to_have_value("I'll try it at Thursdays stand-up")
        box.fill("I'll try it at Thursday's stand-up")
        reply.get_by_role("button", name="Save").click()
        expect(reply).to_contain_text("Thursday's stand-up")
        expect(reply.locator(".only")).to_have_text("(edited)")

    def delete_a_reply_after_confirming():
        page.fill("#reply-text", "a typo")
        page.press("#reply-text", "Enter")
        typo = page.locator("#thread-replies .msg", has_text="a typo")
        message_menu(page, typo, "Delete message…")
        confirm = page.locator("dialog#confirm")
        expect(confirm).to_be_visible()
        confirm.get_by_role("button", name="Cancel").click()
        expect(confirm).to_be_hidden()
        expect(typo).to_have_count(1)
        message_menu(page, typo, "Delete message…")
        confirm.get_by_role("button", name="Delete").click()
        expect(typo).to_have_count(0)
        page.click("#close-thread")
        expect(page.locator("#thread")).to_be_hidden()

    def open_the_shortcut_from_the_menu():
        message_menu(page, prompt, "I saw good leadership")
        expect(page.locator("#modal-title")).to_have_text(SIGHTING_TITLE)
        page.click("#modal-close")
        expect(page.locator("dialog[open]")).to_have_count(0)

    def reflect_with_an_invalid_then_a_valid_form():
        page.fill("#text", "/reflect")
        page.press("#text", "Enter")
        dialog = page.locator("dialog[open]")
        expect(dialog).to_contain_text("What happened?")
        page.click("#modal-submit")
        expect(dialog.locator("[data-error-for=reflect_text]")).to_contain_text(
            "Write a few words")
        dialog.locator("textarea").fill("Let Chen chair the planning meeting.")
        dialog.get_by_label("I took the lead").check()
        page.click("#modal-submit")
        # "Saving...", then the worker's outcome in the same form, and a private confirmation
        expect(dialog).to_contain_text("Reflection saved")
        expect(page.locator(".msg.ephemeral").last).to_contain_text(
            "Reflection saved (I took the lead)")
        page.click("#modal-close")
        expect(page.locator("dialog[open]")).to_have_count(0)

    def escape_closes_a_form_for_good():
        page.fill("#text", "/reflect")
        page.press("#text", "Enter")
        expect(page.locator("dialog[open]")).to_contain_text("What happened?")
        page.keyboard.press("Escape")
        expect(page.locator("dialog[open]")).to_have_count(0)
        page.reload()  # the server was told: the form does not come back
        expect(prompt).to_be_visible()
        expect(page.locator("dialog[open]")).to_have_count(0)

    def open_the_home_tab():
        page.click("#home-tab")
        expect(page.locator("#home")).to_contain_text("Your leadership practice")
        expect(page.locator("#home")).to_contain_text("chair the planning")
        expect(page.locator("#composer")).to_be_hidden()  # nowhere to post from Home

    def post_the_digest_and_see_the_chart():
        page.locator("#channels button").first.click()
        expect(page.locator("#composer")).to_be_visible()
        page.click("button[data-time=digest]")
        expect(page.locator("#messages")).to_contain_text("Weekly digest")
        chart = page.locator("#messages figure img").last
        expect(chart).to_be_visible()
        assert chart.evaluate("img => img.complete && img.naturalWidth") == 800

    step("see the prompt", see_the_prompt_with_who_and_when)
    step("take and follow", take_as_ada_and_follow_as_bob)
    step("react", react_as_bob_then_toggle_as_ada)
    step("reply in thread", reply_in_the_thread)
    step("edit", edit_the_reply_in_place)
    step("delete", delete_a_reply_after_confirming)
    step("shortcut", open_the_shortcut_from_the_menu)
    step("reflect", reflect_with_an_invalid_then_a_valid_form)
    step("escape", escape_closes_a_form_for_good)
    step("home", open_the_home_tab)
    step("digest", post_the_digest_and_see_the_chart)
    # what the page did reached the bot's database as real answers
    ts = prompt.get_attribute("data-ts")
    sandbox.stored("reflection", lambda rows: [
        (r["user"], r["choice"]) for r in rows if "chair the planning" in (r["text"] or "")]
        == [("U0SANDBOB", "take")])
    sandbox.stored("reply", lambda rows: [  # edited in place; the typo deleted
        (r["text"], bool(r["edited_at"])) for r in rows if r["thread_ts"] == ts]
        == [("I'll try it at Thursday's stand-up", True)])
    sandbox.stored("reaction", lambda rows: {
        (r["user"], r["text"], bool(r["removed_at"])) for r in rows if r["ts"] == ts}
        == {("U0SANDBOB", "+1", False), ("U0SANDADA", "+1", True)})


def test_saw_from_the_composer_with_a_mention(page, sandbox):
    page.fill("#text", "/saw @bob asked why the line stopped, five times")
    page.press("#text", "Enter")
    expect(page.locator(".msg.ephemeral").last).to_contain_text("Bob")
    sandbox.stored("sighting", lambda rows: [(r["user"], r["about"], r["text"]) for r in rows]
                   == [("U0SANDADA", "U0SANDBOB", "asked why the line stopped, five times")])


def test_phone_width_menu_thread_form_and_home(phone, tmp_path):
    """390 px wide, as an iPhone, then 360 px: nothing is cut off or scrolls sideways."""
    page, step = phone, Steps(phone, tmp_path)

    def channels_are_a_menu():
        expect(page.locator("#messages .msg").first).to_be_visible()
        expect(page.locator("#sidebar")).not_to_be_in_viewport()
        fits_the_width(page)
        page.get_by_role("button", name="Channels").click()
        inside_the_screen(page.locator("#sidebar"))
        page.locator("#channels button", has_text="#team-tokyo").click()
        expect(page.locator("#title")).to_have_text("#team-tokyo")
        expect(page.locator("#sidebar")).not_to_be_in_viewport()

    def a_thread_is_a_full_screen_panel():
        page.locator("#messages .msg").first.get_by_role("button", name="Reply").click()
        thread = page.locator("#thread")
        expect(thread).to_be_visible()
        box = thread.bounding_box()
        assert (box["x"], box["width"]) == (0, 390), box
        page.fill("#reply-text", "unbroken:" + "x" * 400)  # a long word wraps
        page.press("#reply-text", "Enter")
        expect(page.locator("#thread-replies")).to_contain_text("unbroken:")
        fits_the_width(page, "#thread-messages")
        inside_the_screen(page.get_by_role("button", name="Reply", exact=True))
        page.get_by_role("button", name="Back to the channel").click()
        expect(thread).to_be_hidden()
        expect(page.locator("#title")).to_be_in_viewport()

    def the_form_fits_and_its_button_shows():
        page.fill("#text", "/reflect")
        page.press("#text", "Enter")
        expect(page.locator("dialog[open]")).to_contain_text("What happened?")
        inside_the_screen(page.locator("dialog[open]"))
        inside_the_screen(page.locator("#modal-submit"))
        fits_the_width(page, "dialog[open]")
        page.click("#modal-close")
        expect(page.locator("dialog[open]")).to_have_count(0)

    def home_is_readable():
        page.get_by_role("button", name="Channels").click()
        page.click("#home-tab")
        expect(page.locator("#home")).to_contain_text("Your settings")
        expect(page.locator("#sidebar")).not_to_be_in_viewport()
        fits_the_width(page, "#home")

    def down_to_360_pixels():
        page.set_viewport_size({"width": 360, "height": 740})
        fits_the_width(page, "#home")
        page.get_by_role("button", name="Channels").click()
        page.locator("#channels button", has_text="#team-london").click()
        expect(page.locator("#title")).to_have_text("#team-london")
        fits_the_width(page, "#messages")
        inside_the_screen(page.get_by_role("button", name="Send", exact=True))

    step("menu", channels_are_a_menu)
    step("thread", a_thread_is_a_full_screen_panel)
    step("form", the_form_fits_and_its_button_shows)
    step("home", home_is_readable)
    step("360 px", down_to_360_pixels)


def test_restart_on_the_same_database(browser, tmp_path):
    """The page says once that the sandbox stopped, and comes back with it; the new run's
    prompt is a new prompt, and what people do there is stored."""
    first = Sandbox(tmp_path / "sandbox.db")
    page = open_page(browser, first.url, DESKTOP)
    step = Steps(page, tmp_path)
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.on("pageerror", lambda error: console.append(str(error)))
    second, prompts = None, []

    def answer_before_the_restart():
        page.locator("#me").select_option(label="Bob")
        prompt = page.locator("#messages .msg").first
        prompts.append(prompt.get_attribute("data-ts"))
        prompt.locator("button[data-action-id=leadbot_choice_take]").click()
        expect(page.locator(".msg.ephemeral")).to_contain_text("take the lead")
        prompt.get_by_role("button", name="Reply").click()
        page.fill("#reply-text", "before the restart")
        page.press("#reply-text", "Enter")
        expect(page.locator("#thread-replies")).to_contain_text("before the restart")
        page.click("#close-thread")

    def stop_and_see_it_said_once():
        first.stop()
        banner = page.locator("#offline")
        expect(banner).to_be_visible()
        expect(banner).to_contain_text("not answering")
        # the banner shows when an attempt to reach it has failed: quietly, no error thrown
        assert not [line for line in console if "Failed to fetch" in line], console

    def start_again_and_answer_the_new_prompt():
        nonlocal second
        second = Sandbox(first.db, port=first.port)
        expect(page.locator("#offline")).to_be_hidden(timeout=20_000)
        prompt = page.locator("#messages .msg").first
        expect(page.locator("#messages .msg")).to_have_count(1)  # the new run's prompt
        prompts.append(prompt.get_attribute("data-ts"))
        assert prompts[1] != prompts[0]
        prompt.locator("button[data-action-id=leadbot_choice_take]").click()
        expect(page.locator(".msg.ephemeral")).to_contain_text("take the lead")
        expect(page.locator(".msg.ephemeral")).not_to_contain_text("already")
        expect(prompt.locator("[data-block-id=leadbot_counts]")).to_contain_text("1 take")
        prompt.get_by_role("button", name="Reply").click()
        page.fill("#reply-text", "after the restart")
        page.press("#reply-text", "Enter")
        expect(page.locator("#thread-replies")).to_contain_text("after the restart")

    try:
        step("before", answer_before_the_restart)
        step("stopped", stop_and_see_it_said_once)
        step("restarted", start_again_and_answer_the_new_prompt)
        first.stored("reply", lambda rows: {
            (prompts[0], "before the restart"), (prompts[1], "after the restart")}
            <= {(r["thread_ts"], r["text"]) for r in rows})
        first.stored("choice", lambda rows: {
            (r["ts"], r["choice"]) for r in rows if r["user"] == "U0SANDBOB" and r["ts"] in prompts}
            == {(prompts[0], "take"), (prompts[1], "take")})
    finally:
        page.context.close()
        for running in (first, second):
            if running is not None:
                running.stop()
