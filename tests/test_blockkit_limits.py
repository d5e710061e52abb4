"""The fake Slack enforces Block Kit's limits from one table, each at its exact value, through a
real WebClient; slack_sdk's own model classes give a second opinion on what ours lets through."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.sandbox.workspace import blockkit
from bot.sandbox.workspace.blockkit import LIMITS, RULES, Limit, check_blocks

TEAM, BOB = "C0123TEAM", "U0000BOB"
URL = "https://x.io/"


def pt(text: str) -> dict:
    return {"type": "plain_text", "text": text}


def md(text: str) -> dict:
    return {"type": "mrkdwn", "text": text}


def sec(text: str = "x", **extra) -> dict:
    return {"type": "section", "text": md(text), **extra}


def button(action_id: str = "b", **extra) -> dict:
    return {"type": "button", "action_id": action_id, "text": pt("Go"), **extra}


def actions(*elements: dict) -> dict:
    return {"type": "actions", "elements": list(elements)}


def opt(text: str = "o", value: str = "v", **extra) -> dict:
    return {"text": pt(text), "value": value, **extra}


def opts(n: int) -> list[dict]:
    return [opt(f"o{i}", f"v{i}") for i in range(n)]


def select(kind: str = "static_select", **extra) -> dict:
    return {"type": kind, "action_id": "s", "options": opts(1), **extra}


def image(**extra) -> dict:
    return {"type": "image", "image_url": URL + "a.png", "alt_text": "a", **extra}


def video(**extra) -> dict:
    return {"type": "video", "title": pt("v"), "alt_text": "v", "thumbnail_url": URL + "t.png",
            "video_url": URL + "v", **extra}


def field(n: int, url: bool = False) -> str:
    """A string of exactly n characters (a URL when asked)."""
    return URL + "a" * (n - len(URL)) if url else "x" * n


def message(*blocks: dict) -> tuple[str, object]:
    return ("message", list(blocks))


def modal(*blocks: dict, **fields) -> tuple[str, object]:
    view = {"type": "modal", "title": pt("T"), "blocks": list(blocks) or [sec()], **fields}
    if any(b["type"] == "input" for b in blocks):
        view.setdefault("submit", pt("Save"))
    return ("view", view)


def text_input(**extra) -> dict:
    return {"type": "input", "label": pt("L"),
            "element": {"type": "plain_text_input", "action_id": "t", **extra}}


def an_input(element: dict, **extra) -> dict:
    return {"type": "input", "label": pt("L"), "element": element, **extra}


# limit name -> (a payload reaching n, the JSON pointer of the error at n + 1)
LIMIT_CASES = {
    "message_blocks": (lambda n: message(*[sec()] * n), "/blocks"),
    "view_blocks": (lambda n: modal(*[sec()] * n), "/view/blocks"),
    "block_id": (lambda n: message(sec(block_id=field(n))), "/blocks/0/block_id"),
    "action_id": (lambda n: message(actions(button(field(n)))),
                  "/blocks/0/elements/0/action_id"),
    "text_object": (lambda n: message({"type": "context", "elements": [md(field(n))]}),
                    "/blocks/0/elements/0/text"),
    "section_text": (lambda n: message(sec(field(n))), "/blocks/0/text/text"),
    "section_fields": (lambda n: message({"type": "section", "fields": [md("f")] * n}),
                       "/blocks/0/fields"),
    "section_field_text": (lambda n: message({"type": "section", "fields": [md(field(n))]}),
                           "/blocks/0/fields/0/text"),
    "header_text": (lambda n: message({"type": "header", "text": pt(field(n))}),
                    "/blocks/0/text/text"),
    "context_elements": (lambda n: message({"type": "context", "elements": [md("c")] * n}),
                         "/blocks/0/elements"),
    "actions_elements": (lambda n: message(actions(*[button(f"b{i}") for i in range(n)])),
                         "/blocks/0/elements"),
    "input_label": (lambda n: modal({**text_input(), "label": pt(field(n))}),
                    "/view/blocks/0/label/text"),
    "input_hint": (lambda n: modal(text_input() | {"hint": pt(field(n))}),
                   "/view/blocks/0/hint/text"),
    "image_url": (lambda n: message(image(image_url=field(n, url=True))),
                  "/blocks/0/image_url"),
    "image_alt_text": (lambda n: message(image(alt_text=field(n))), "/blocks/0/alt_text"),
    "image_title": (lambda n: message(image(title=pt(field(n)))), "/blocks/0/title/text"),
    "video_title": (lambda n: message(video(title=pt(field(n)))), "/blocks/0/title/text"),
    "markdown_text": (lambda n: message({"type": "markdown", "text": field(n)}),
                      "/blocks/0/text"),
    "button_text": (lambda n: message(actions(button(text=pt(field(n))))),
                    "/blocks/0/elements/0/text/text"),
    "button_value": (lambda n: message(actions(button(value=field(n)))),
                     "/blocks/0/elements/0/value"),
    "button_url": (lambda n: message(actions(button(url=field(n, url=True)))),
                   "/blocks/0/elements/0/url"),
    "button_accessibility_label": (
        lambda n: message(actions(button(accessibility_label=field(n)))),
        "/blocks/0/elements/0/accessibility_label"),
    "placeholder": (lambda n: message(actions(select(placeholder=pt(field(n))))),
                    "/blocks/0/elements/0/placeholder/text"),
    "select_options": (lambda n: message(actions(select(options=opts(n)))),
                       "/blocks/0/elements/0/options"),
    "multi_select_options": (
        lambda n: message(actions(select("multi_static_select", options=opts(n)))),
        "/blocks/0/elements/0/options"),
    "checkboxes_options": (lambda n: message(actions(select("checkboxes", options=opts(n)))),
                           "/blocks/0/elements/0/options"),
    "radio_options": (lambda n: message(actions(select("radio_buttons", options=opts(n)))),
                      "/blocks/0/elements/0/options"),
    "overflow_options": (lambda n: message(actions(select("overflow", options=opts(n)))),
                         "/blocks/0/elements/0/options"),
    "option_text": (lambda n: message(actions(select(options=[opt(field(n))]))),
                    "/blocks/0/elements/0/options/0/text/text"),
    "option_description": (
        lambda n: modal(an_input(select("checkboxes",
                                        options=[opt(description=pt(field(n)))]))),
        "/view/blocks/0/element/options/0/description/text"),
    "option_value": (lambda n: message(actions(select(options=[opt(value=field(n))]))),
                     "/blocks/0/elements/0/options/0/value"),
    "text_input_initial_value": (lambda n: modal(text_input(initial_value=field(n))),
                                 "/view/blocks/0/element/initial_value"),
    "text_input_max_length": (lambda n: modal(text_input(max_length=n)),
                              "/view/blocks/0/element/max_length"),
    "modal_title": (lambda n: modal(title=pt(field(n))), "/view/title/text"),
    "modal_submit": (lambda n: modal(submit=pt(field(n))), "/view/submit/text"),
    "modal_close": (lambda n: modal(close=pt(field(n))), "/view/close/text"),
    "private_metadata": (lambda n: modal(private_metadata=field(n)), "/view/private_metadata"),
    "callback_id": (lambda n: modal(callback_id=field(n)), "/view/callback_id"),
    "external_id": (lambda n: modal(external_id=field(n)), "/view/external_id"),
}

TWO = opts(2)
# rule name -> (a payload keeping it, one breaking it, the JSON pointer of the error)
RULE_CASES = {
    "initial_option_among_options": (
        modal(an_input(select(options=TWO, initial_option=TWO[1]))),
        modal(an_input(select(options=TWO, initial_option=opt("o9", "v9")))),
        "/view/blocks/0/element/initial_option"),
    "initial_options_among_options": (
        modal(an_input(select("checkboxes", options=TWO, initial_options=[TWO[0]]))),
        modal(an_input(select("checkboxes", options=TWO, initial_options=[opt("o0", "v9")]))),
        "/view/blocks/0/element/initial_options/0"),
    "initial_value_within_max_length": (
        modal(text_input(max_length=10, initial_value="x" * 10)),
        modal(text_input(max_length=10, initial_value="x" * 11)),
        "/view/blocks/0/element/initial_value"),
    "initial_user_is_a_user_id": (
        modal(an_input({"type": "users_select", "action_id": "u", "initial_user": BOB})),
        modal(an_input({"type": "users_select", "action_id": "u", "initial_user": [BOB]})),
        "/view/blocks/0/element/initial_user"),
    "unique_block_id": (
        message(sec(block_id="a"), sec(block_id="b")),
        message(sec(block_id="a"), sec(block_id="a")),
        "/blocks/1/block_id"),
    "unique_action_id": (
        modal(actions(button("a")), actions(button("b"))),
        modal(actions(button("a")), actions(button("a"))),
        "/view/blocks/1/elements/0/action_id"),
    "option_description_plain_text": (
        modal(an_input(select("radio_buttons", options=[opt(description=pt("d"))]))),
        modal(an_input(select("radio_buttons", options=[opt(description=md("d"))]))),
        "/view/blocks/0/element/options/0/description/type"),
}


@pytest.fixture
def client(fake) -> WebClient:
    return WebClient(token=fake.bot_token, base_url=fake.api_url)


def send(fake, client: WebClient, payload: tuple[str, object]) -> dict:
    """Post the message or open the modal; Slack's answer (an error's body too)."""
    kind, body = payload
    try:
        if kind == "message":
            return client.chat_postMessage(channel=TEAM, text="x", blocks=body).data
        return client.views_open(trigger_id=fake.issue_trigger_id(), view=body).data
    except SlackApiError as exc:
        return exc.response.data


def refused(answer: dict, kind: str, pointer: str) -> None:
    """Refused as Slack does, by our own checker, with an error at ``pointer``."""
    assert answer["ok"] is False
    assert answer["error"] == ("invalid_blocks" if kind == "message" else "invalid_arguments")
    messages = answer["response_metadata"]["messages"]
    assert [m for m in messages if m.startswith("[ERROR] ") and "slack_sdk" not in m
            and m.endswith(f" [json-pointer:{pointer}]")], messages


@pytest.mark.parametrize("name", list(LIMIT_CASES))
def test_each_limit_is_enforced_at_its_exact_value(fake, client, name):
    make, pointer = LIMIT_CASES[name]
    most = LIMITS[name].value
    at_limit = send(fake, client, make(most))
    assert at_limit["ok"] is True, at_limit
    over = make(most + 1)
    refused(send(fake, client, over), over[0], pointer)


@pytest.mark.parametrize("name", list(RULE_CASES))
def test_each_rule_is_enforced(fake, client, name):
    good, bad, pointer = RULE_CASES[name]
    kept = send(fake, client, good)
    assert kept["ok"] is True, kept
    refused(send(fake, client, bad), bad[0], pointer)


def test_every_limit_and_rule_has_a_case_and_a_source():
    assert set(LIMIT_CASES) == set(LIMITS)
    assert set(RULE_CASES) == set(RULES)
    sources = [limit.source for limit in LIMITS.values()] + list(RULES.values())
    assert all(s.startswith("https://docs.slack.dev/reference/") for s in sources)


def test_the_checker_reads_its_numbers_from_the_table(monkeypatch):
    blocks = [actions({"type": "static_select", "action_id": "s", "options": [opt("x" * 11)]})]
    assert check_blocks(blocks) == []
    monkeypatch.setitem(LIMITS, "option_text", Limit(10, LIMITS["option_text"].source))
    assert check_blocks(blocks) == [
        "[ERROR] must be less than 11 characters "
        "[json-pointer:/blocks/0/elements/0/options/0/text/text]"]


def test_slack_sdk_catches_what_our_checker_lets_through(fake, client):
    # our checker does not read times or dates; slack_sdk's model classes do
    picker = {"type": "timepicker", "action_id": "t", "initial_time": "9am"}
    answer = send(fake, client, message(actions(picker)))
    assert answer["error"] == "invalid_blocks"
    assert answer["response_metadata"]["messages"] == [
        "[ERROR] slack_sdk: initial_time attribute must be in format 'HH:mm' "
        "[json-pointer:/blocks/0]"]
    date = {"type": "datepicker", "action_id": "d", "initial_date": "tomorrow"}
    answer = send(fake, client, modal(an_input(date)))
    assert answer["error"] == "invalid_arguments"
    assert answer["response_metadata"]["messages"] == [
        "[ERROR] slack_sdk: initial_date attribute must be in format 'YYYY-MM-DD' "
        "[json-pointer:/view/blocks/0]"]
    # a Home tab cannot have a close button: the view-level validators run too
    home = {"type": "home", "blocks": [sec()], "close": pt("Close")}
    with pytest.raises(SlackApiError) as info:
        client.views_publish(user_id=BOB, view=home)
    assert info.value.response["response_metadata"]["messages"] == [
        "[ERROR] slack_sdk: home view cannot have submit and close [json-pointer:/view]"]
    assert fake.messages(TEAM) == [] and fake.home_view(BOB) is None


def test_a_block_slack_sdk_cannot_parse_is_an_error(monkeypatch):
    monkeypatch.setattr(blockkit, "BLOCK_TYPES", blockkit.BLOCK_TYPES | {"sparkle"})
    monkeypatch.setattr(blockkit._Checker, "_sparkle", lambda self, b, ptr: None,
                        raising=False)
    assert check_blocks([sec(), {"type": "sparkle"}]) == [
        "[ERROR] slack_sdk cannot parse this block [json-pointer:/blocks/1]"]
