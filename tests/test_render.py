"""The sandbox's Block Kit renderer: every block and element it knows, mrkdwn feature by
feature, placeholders for the rest, escaping everywhere, and leadbot's own blocks and views."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.library import load_library
from bot.messages import ids
from bot.messages.home import home_view
from bot.messages.prompt import build_prompt_blocks
from bot.messages.reflect import reflect_modal
from bot.sandbox.render import EMOJI, mrkdwn, plain, render_blocks, render_message, render_view
from bot.services.content import prompt_content

LIBRARY = Path(__file__).resolve().parents[1] / "bot" / "data" / "prompts.yaml"
NAMES = {"U1": "Ann", "W2": "Wen", "C1": "team", "U3": "Bo <b>"}


def _pt(text: str, **extra) -> dict:
    return {"type": "plain_text", "text": text, **extra}


def _md(text: str) -> dict:
    return {"type": "mrkdwn", "text": text}


def _option(text: str, value: str, **extra) -> dict:
    return {"text": _pt(text), "value": value, **extra}


def _tag(html: str, tag: str, **attrs: str) -> str:
    """The first opening tag ``<tag ...>`` holding every given attribute (fails if none)."""
    for match in re.finditer(rf"<{tag}\b[^>]*>", html):
        if all(f'{k.replace("_", "-")}="{v}"' in match[0] for k, v in attrs.items()):
            return match[0]
    raise AssertionError(f"no <{tag}> with {attrs} in {html}")


def _modal(*blocks: dict, **extra) -> dict:
    return {"type": "modal", "id": "V1", "callback_id": "cb", "title": _pt("Form"),
            "blocks": list(blocks), **extra}


def _input(element: dict, **extra) -> dict:
    return {"type": "input", "block_id": "B", "label": _pt("Label"), "element": element,
            **extra}


class _Tags(HTMLParser):
    """Every start tag of a fragment, as the browser would parse it."""

    def __init__(self, fragment: str):
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.feed(fragment)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


def _unsafe(out: str) -> None:
    """No markup from the input survived as markup: no script tag, no event handler
    attribute, no javascript: URL (the words may appear, escaped, as text)."""
    assert "<script" not in out
    for tag, attrs in _Tags(out).tags:
        assert tag != "script"
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            if name in ("href", "src"):
                assert not (value or "").strip().lower().startswith("javascript"), value


# mrkdwn, feature by feature


@pytest.mark.parametrize(("text", "expected"), [
    ("*bold*", "<b>bold</b>"),
    ("_italic_", "<i>italic</i>"),
    ("~strike~", "<s>strike</s>"),
    ("`x = 1`", "<code>x = 1</code>"),
    ("```a\n*b*```", "<pre>a\n*b*</pre>"),
    ("a\nb", "a<br>b"),
    ("done :white_check_mark: :seedling: :+1: :thumbsup:", "done ✅ 🌱 👍 👍"),
    (":not_an_emoji: 10:30:45", ":not_an_emoji: 10:30:45"),
    ("snake_case_name and 2*3*4", "snake_case_name and 2*3*4"),
    ("*R&amp;D*", "<b>R&amp;D</b>"),
])
def test_mrkdwn_inline(text, expected):
    assert mrkdwn(text) == expected


def test_every_emoji_the_bot_writes_has_a_picture():
    """A shortcode in the bot's texts that the page does not know shows as ``:name:``."""
    shortcode = re.compile(r"(?:(?<![\w:])|(?<=\\n)):([a-z][a-z0-9_+-]*):(?!\w)")
    sources = [p for p in (LIBRARY.parents[1]).rglob("*") if p.suffix in (".py", ".yaml")
               and "sandbox" not in p.parts]
    used = {m[1] for p in sources for m in shortcode.finditer(p.read_text(encoding="utf-8"))}
    assert shortcode.findall(r'"a\n:zzz: at 10:30:45 :x:"') == ["zzz", "x"]
    assert "white_check_mark" in used
    assert used - EMOJI.keys() == set()


def test_mrkdwn_code_is_not_formatted():
    assert mrkdwn("`*not bold* :tada:`") == "<code>*not bold* :tada:</code>"


def test_mrkdwn_links():
    assert mrkdwn("<https://ex.com/a?b=1&amp;c=2|the site>") == (
        '<a href="https://ex.com/a?b=1&amp;c=2" target="_blank" rel="noopener">the site</a>')
    assert mrkdwn("<http://ex.com>") == (
        '<a href="http://ex.com" target="_blank" rel="noopener">http://ex.com</a>')
    assert 'href="mailto:a@b.c"' in mrkdwn("<mailto:a@b.c|mail>")
    assert mrkdwn("*see <https://x.io|this>*") == (
        '<b>see <a href="https://x.io" target="_blank" rel="noopener">this</a></b>')


def test_mrkdwn_unsafe_link_is_text():
    out = mrkdwn("<javascript:alert(1)|click me>")
    assert "<a" not in out and "href" not in out
    assert out == "&lt;javascript:alert(1)|click me&gt;"
    assert "<a" not in mrkdwn("<data:text/html,hi|x>")


def test_mrkdwn_mentions():
    assert mrkdwn("<@U1>", NAMES) == '<span class="mention">@Ann</span>'
    assert mrkdwn("<@U9|bob>") == '<span class="mention">@bob</span>'
    assert mrkdwn("<@U9>") == '<span class="mention">@U9</span>'
    assert mrkdwn("<#C1>", NAMES) == '<span class="mention">#team</span>'
    assert mrkdwn("<#C9|general>") == '<span class="mention">#general</span>'
    assert mrkdwn("<#C9>") == '<span class="mention">#C9</span>'
    for word in ("here", "channel", "everyone"):
        assert mrkdwn(f"<!{word}>") == f'<span class="mention">@{word}</span>'
    assert mrkdwn("<@U3>", NAMES) == '<span class="mention">@Bo &lt;b&gt;</span>'


def test_mrkdwn_blockquote_lists():
    assert mrkdwn("&gt;quoted\n&gt; more\nafter") == (
        "<blockquote>quoted<br>more</blockquote>after")
    assert mrkdwn(">raw quote") == "<blockquote>raw quote</blockquote>"
    assert mrkdwn("• one\n• *two*") == "<ul><li>one</li><li><b>two</b></li></ul>"
    assert mrkdwn("- a\n- b") == "<ul><li>a</li><li>b</li></ul>"
    assert mrkdwn("intro\n1. a\n2. b") == "intro<ol><li>a</li><li>b</li></ol>"


@pytest.mark.parametrize("text", [
    "<script>alert(1)</script>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "*<script>alert(1)</script>*",
    "`<script>`",
    "<https://x.io|<script>>",
    "<@U1|<script>alert(1)</script>>",
])
def test_mrkdwn_never_passes_markup(text):
    out = mrkdwn(text)
    assert "<script" not in out and "&lt;script" in out


def test_mrkdwn_escapes_attribute_breakouts():
    out = mrkdwn('<https://x.io/"><img src=x onerror=alert(1)>|x> "><img onerror=alert(1)>')
    _unsafe(out)
    assert 'href="https://x.io/&quot;' in out and "&lt;img onerror" in out
    # the renderer's own markers cannot be forged to repeat a rendered fragment
    assert mrkdwn("<@U1> \ue0000\ue001") == '<span class="mention">@U1</span> 0'


def test_plain():
    assert plain(_pt("Hi :wave: <b>&")) == "Hi 👋 &lt;b&gt;&amp;"
    assert plain(_pt("Hi :wave:", emoji=False)) == "Hi :wave:"
    assert plain(_md("*hi*")) == "<b>hi</b>"
    assert plain(None) == ""


# blocks


def test_header_divider_markdown_and_wrapper():
    out = render_blocks([{"type": "header", "block_id": "h", "text": _pt("Title :tada:")},
                         {"type": "divider"},
                         {"type": "markdown", "text": "**md** <i>"}])
    assert '<div class="block block-header" data-block-id="h">' in out
    assert "Title 🎉</h2>" in out
    assert '<div class="block block-divider" data-block-id="b1"><hr></div>' in out
    assert '<div class="markdown">**md** &lt;i&gt;</div>' in out


def test_section_text_fields_and_accessories():
    out = render_blocks([
        {"type": "section", "block_id": "s", "text": _md("*hi*"),
         "fields": [_md("_a_"), _pt("b")],
         "accessory": {"type": "button", "action_id": "go", "text": _pt("Go"), "value": "1"}},
        {"type": "section", "text": _md("pic"),
         "accessory": {"type": "image", "image_url": "https://x.io/a.png", "alt_text": "A"}},
        {"type": "section", "text": _md("menu"), "accessory": {
            "type": "overflow", "action_id": "more",
            "options": [_option("Edit", "edit"), _option("Delete", "del")]}},
        {"type": "section", "text": _md("select"), "accessory": {
            "type": "static_select", "action_id": "pick", "options": [_option("One", "1")]}},
        {"type": "section", "text": _md("when"), "accessory": {
            "type": "datepicker", "action_id": "day", "initial_date": "2026-11-25"}},
        {"type": "section", "text": _md("time"), "accessory": {
            "type": "timepicker", "action_id": "at", "initial_time": "09:30"}},
    ])
    assert '<div class="sk-text"><b>hi</b></div>' in out
    assert '<div class="sk-fields"><div class="sk-field"><i>a</i></div>' in out
    assert '<div class="sk-field">b</div>' in out
    _tag(out, "button", data_action_id="go", data_block_id="s", data_value="1")
    _tag(out, "img", src="https://x.io/a.png", alt="A")
    overflow = _tag(out, "select", data_type="overflow", data_action_id="more")
    assert 'data-block-id="b2"' in overflow
    assert '<option value="edit">Edit</option><option value="del">Delete</option>' in out
    _tag(out, "select", data_type="static_select", data_action_id="pick")
    _tag(out, "input", type="date", data_type="datepicker", value="2026-11-25")
    _tag(out, "input", type="time", data_type="timepicker", value="09:30")


def test_context_block():
    out = render_blocks([{"type": "context", "elements": [
        _md("*a*"), _pt("b :eyes:"),
        {"type": "image", "image_url": "https://x.io/i.png", "alt_text": "icon"},
        {"type": "image", "image_url": "javascript:alert(1)", "alt_text": "bad"}]}])
    assert '<span class="sk-context-text"><b>a</b></span>' in out
    assert '<span class="sk-context-text">b 👀</span>' in out
    _tag(out, "img", src="https://x.io/i.png", alt="icon")
    assert "javascript" not in out and '<span class="sk-image-missing">bad</span>' in out


def test_image_block():
    out = render_blocks([{"type": "image", "block_id": "i", "image_url": "https://x.io/c.png",
                          "alt_text": "a chart", "title": _pt("Weekly")}])
    assert '<div class="block block-image" data-block-id="i"><figure>' in out
    _tag(out, "img", src="https://x.io/c.png", alt="a chart")
    assert "<figcaption>Weekly</figcaption>" in out


def test_actions_elements_carry_data_and_context():
    context = {"container": "message", "channel": "C1", "ts": "123.4", "Bad Key!": "x"}
    out = render_blocks([{"type": "actions", "block_id": "A", "elements": [
        {"type": "button", "action_id": "yes", "text": _pt("Yes"), "value": "y",
         "style": "primary", "accessibility_label": "Say yes"},
        {"type": "button", "action_id": "no", "text": _pt("No"), "style": "danger"},
        {"type": "button", "action_id": "plain", "text": _pt("Plain"), "style": "weird"},
        {"type": "static_select", "action_id": "sel", "placeholder": _pt("Choose"),
         "options": [_option("One", "1"), _option("Two", "2")]},
        {"type": "datepicker", "action_id": "d"},
        {"type": "timepicker", "action_id": "t"},
        {"type": "overflow", "action_id": "o", "options": [_option("X", "x")]},
    ]}], context=context)
    yes = _tag(out, "button", data_action_id="yes")
    assert 'class="sk-button primary"' in yes and 'aria-label="Say yes"' in yes
    assert 'data-block-id="A"' in yes and 'data-value="y"' in yes
    assert 'data-type="button"' in yes
    assert 'class="sk-button danger"' in _tag(out, "button", data_action_id="no")
    plain_button = _tag(out, "button", data_action_id="plain")
    assert 'class="sk-button"' in plain_button and 'aria-label="Plain"' in plain_button
    select = _tag(out, "select", data_action_id="sel", data_type="static_select")
    assert '<option value="" disabled selected>Choose</option><option value="1">One</option>' \
        in out
    _tag(out, "input", type="date", data_action_id="d", data_type="datepicker")
    _tag(out, "input", type="time", data_action_id="t", data_type="timepicker")
    _tag(out, "select", data_action_id="o", data_type="overflow")
    for tag in (yes, select):
        assert 'data-container="message" data-channel="C1" data-ts="123.4"' in tag
        assert 'data-badkey="x"' in tag
    assert out.count('data-ts="123.4"') == 7


def test_rich_text_block():
    out = render_blocks([{"type": "rich_text", "elements": [
        {"type": "rich_text_section", "elements": [
            {"type": "text", "text": "hi <b> "}, {"type": "user", "user_id": "U1"},
            {"type": "emoji", "name": "tada"},
            {"type": "link", "url": "javascript:alert(1)", "text": "link"}]},
        {"type": "rich_text_list", "elements": [
            {"type": "rich_text_section", "elements": [{"type": "text", "text": "one"}]},
            {"type": "rich_text_section", "elements": [{"type": "text", "text": "two"}]}]},
    ]}], names=NAMES)
    assert '<span class="sk-rich-section">hi &lt;b&gt; @Ann🎉link</span>' in out
    assert '<div class="sk-rich-other">one<br>two</div>' in out
    assert "<a" not in out


def test_unknown_blocks_and_elements_show_a_placeholder():
    out = render_blocks([{"type": "video", "block_id": "v"}, {"type": "<script>"}, "junk",
                         {"type": "file"}])
    assert '<div class="block unknown">Unsupported block: video</div>' in out
    assert "Unsupported block: &lt;script&gt;" in out and "<script" not in out
    assert out.count('class="block unknown"') == 4
    el = render_blocks([{"type": "actions", "elements": [{"type": "workflow_button"}]}])
    assert "Unsupported element: workflow_button" in el


def test_input_outside_a_view_is_a_placeholder():
    out = render_blocks([_input({"type": "plain_text_input", "action_id": "a"})])
    assert out == '<div class="block unknown">Unsupported block: input</div>'


# views


def test_modal_form_and_title():
    view = render_view(_modal({"type": "section", "text": _md("*Intro*")},
                              submit=_pt("Save"), close=_pt("Cancel")))
    assert (view["title"], view["submit"], view["close"]) == ("Form", "Save", "Cancel")
    assert view["html"].startswith('<form class="sk-view" data-view-id="V1"')
    assert view["html"].endswith("</form>")
    assert "<b>Intro</b>" in view["html"]
    bare = render_view({"type": "modal", "title": _pt("T"), "blocks": []})
    assert (bare["submit"], bare["close"]) == (None, None)


def test_input_text_single_and_multiline():
    view = render_view(_modal(
        _input({"type": "plain_text_input", "action_id": "a", "initial_value": "hi \"there\"",
                "placeholder": _pt("Say it"), "dispatch_action_config": {}},
               hint=_pt("A hint"), dispatch_action=True),
        {**_input({"type": "plain_text_input", "action_id": "long", "multiline": True,
                   "max_length": 3000, "initial_value": "abc"}),
         "block_id": "L", "optional": True}))
    html = view["html"]
    assert '<div class="block block-input" data-block-id="B"><label for="sk-B-a">Label</label>' \
        in html
    single = _tag(html, "input", type="text", data_action_id="a", data_block_id="B",
                  data_type="plain_text_input", placeholder="Say it", id="sk-B-a")
    assert 'value="hi &quot;there&quot;"' in single and 'name="B/a"' in single
    assert '<div class="hint">A hint</div><div class="error" data-error-for="B"></div>' in html
    textarea = _tag(html, "textarea", data_action_id="long", maxlength="3000")
    assert textarea + "abc</textarea>" in html
    assert '<span class="counter">3/3000</span>' in html
    assert "Label (optional)</label>" in html


def test_input_select_radio_checkbox():
    yes, no = _option("Yes", "y"), _option("No", "n", description=_pt("Really not"))
    view = render_view(_modal(
        {**_input({"type": "static_select", "action_id": "s", "placeholder": _pt("Pick"),
                   "options": [yes, no], "initial_option": no}), "block_id": "S"},
        {**_input({"type": "radio_buttons", "action_id": "r", "options": [yes, no],
                   "initial_option": yes}), "block_id": "R"},
        {**_input({"type": "checkboxes", "action_id": "c", "options": [yes, no],
                   "initial_options": [no]}), "block_id": "C"}))
    html = view["html"]
    _tag(html, "select", data_type="static_select", data_block_id="S", data_action_id="s")
    assert ('<option value="" disabled>Pick</option><option value="y">Yes</option>'
            '<option value="n" selected>No</option>') in html
    _tag(html, "fieldset", data_type="radio_buttons", data_block_id="R", data_action_id="r")
    assert "checked" in _tag(html, "input", type="radio", name="R/r", value="y")
    assert "checked" not in _tag(html, "input", type="radio", name="R/r", value="n")
    assert '<span class="sk-description">Really not</span>' in html
    _tag(html, "fieldset", data_type="checkboxes", data_block_id="C")
    assert "checked" in _tag(html, "input", type="checkbox", name="C/c", value="n")
    assert "checked" not in _tag(html, "input", type="checkbox", name="C/c", value="y")


def test_input_users_date_time():
    view = render_view(_modal(
        {**_input({"type": "users_select", "action_id": "u", "initial_user": "W2",
                   "placeholder": _pt("Someone")}), "block_id": "U"},
        {**_input({"type": "datepicker", "action_id": "d", "initial_date": "2026-01-02"}),
         "block_id": "D"},
        {**_input({"type": "timepicker", "action_id": "t", "initial_time": "08:00"}),
         "block_id": "T"}), names=NAMES)
    html = view["html"]
    _tag(html, "select", data_type="users_select", data_block_id="U", data_action_id="u")
    assert '<option value="U1">Ann</option>' in html
    assert '<option value="W2" selected>Wen</option>' in html
    assert '<option value="U3">Bo &lt;b&gt;</option>' in html
    assert 'value="C1"' not in html  # channels are not people
    _tag(html, "input", type="date", data_block_id="D", value="2026-01-02")
    _tag(html, "input", type="time", data_block_id="T", value="08:00")


def test_home_view_has_no_form():
    view = render_view({"type": "home", "id": "VH", "blocks": [
        {"type": "actions", "elements": [{"type": "button", "action_id": "b",
                                          "text": _pt("B")}]}]})
    assert view["html"].startswith('<div class="sk-view sk-home" data-view-id="VH">')
    assert "<form" not in view["html"]
    assert 'data-container="view"' in _tag(view["html"], "button", data_action_id="b")


def test_view_escapes_title_and_attributes():
    evil = '"><script>alert(1)</script><img src=x onerror=alert(1)>'
    view = render_view({
        "type": "modal", "id": evil, "callback_id": evil, "title": _pt(evil),
        "submit": _pt(evil), "blocks": [
            {**_input({"type": "plain_text_input", "action_id": evil, "initial_value": evil,
                       "multiline": True, "placeholder": _pt(evil)}, label=_pt(evil)),
             "block_id": evil},
            {"type": "actions", "block_id": evil, "elements": [
                {"type": "button", "action_id": evil, "value": evil, "text": _pt(evil),
                 "accessibility_label": evil, "url": "javascript:alert(1)"}]}]})
    for out in (view["title"], view["submit"], view["html"]):
        _unsafe(out)
        assert "&lt;script" in out
    assert "data-url" not in view["html"]
    assert 'data-value="&quot;&gt;&lt;script&gt;' in view["html"]


# messages


def test_message_text_blocks_and_files():
    assert render_message({"text": "*hi* <@U1>"}, names=NAMES) == (
        '<b>hi</b> <span class="mention">@Ann</span>')
    out = render_message({"text": "fallback", "blocks": [{"type": "divider"}]})
    assert "fallback" not in out and "<hr>" in out
    files = [
        {"name": "chart.png", "title": "Chart", "alt_txt": "bars", "url": "/files/F1"},
        {"name": "x.bin", "mimetype": "image/webp", "title": "Pic",
         "url": "https://x.io/p"},
        {"name": "notes.txt", "title": "Notes", "url": "/files/F2"},
        {"name": "evil.txt", "title": "Evil", "url": "javascript:alert(1)"},
        {"name": "evil.png", "title": "Evil pic", "url": "data:image/png;base64,xx"},
    ]
    out = render_message({"text": "files", "files": files})
    assert '<figure class="sk-file"><img src="/files/F1" alt="bars">' \
           "<figcaption>Chart</figcaption></figure>" in out
    _tag(out, "img", src="https://x.io/p", alt="Pic")
    _tag(out, "a", href="/files/F2", target="_blank", rel="noopener")
    assert "javascript" not in out and "data:" not in out
    assert '<span class="sk-file">Evil</span>' in out
    assert "<figcaption>Evil pic</figcaption>" in out


def test_message_with_nasty_text_and_context():
    out = render_message({"text": "&lt;script&gt;alert(1)&lt;/script&gt; <script>x</script>",
                          "blocks": None})
    assert "<script" not in out and out.count("&lt;script&gt;") == 2
    button = render_message(
        {"blocks": [{"type": "actions", "elements": [
            {"type": "button", "action_id": "a", "text": _pt("A")}]}]},
        context={"container": "message", "ts": '1"><script>'})
    assert 'data-ts="1&quot;&gt;&lt;script&gt;"' in button and "<script" not in button


# leadbot's own blocks and views


def test_leadbot_prompt_renders():
    content = prompt_content(load_library(LIBRARY), 0)
    out = render_blocks(build_prompt_blocks(content),
                        context={"container": "message", "channel": "C1", "ts": "1.0"})
    assert "<blockquote>When you see good leadership, follow it if you wish.<br>" in out
    assert "If you don’t, don’t complain.</blockquote>" in out
    assert "— <i>John Shook" in out
    for choice, action_id in ids.CHOICE_ACTIONS.items():
        button = _tag(out, "button", data_action_id=action_id, data_block_id=ids.CHOICE_BLOCK,
                      data_value=choice, data_type="button", data_ts="1.0")
        assert "primary" not in button  # none is styled as the one to press
    assert "I&#x27;ll take the lead</button>" in out
    _tag(out, "button", data_action_id=ids.SIGHTING_PROMPT_ACTION)
    assert "💬 Reply in the thread" in out
    assert "unknown" not in out


def test_leadbot_reflect_modal_renders():
    themes = {"go-to-gemba": "Go where the work happens", "respect": "Respect for people"}
    view = render_view({**reflect_modal(themes, text="<b>seen</b>", choice="take",
                                        theme="respect", shared=True), "id": "V9"})
    assert (view["title"], view["submit"], view["close"]) == ("Reflect", "Save", "Cancel")
    html = view["html"]
    assert html.count('class="block block-input"') == 4 and "unknown" not in html
    text_id, choice_id, theme_id, share_id = (ids.REFLECT_TEXT, ids.REFLECT_CHOICE,
                                              ids.REFLECT_THEME, ids.REFLECT_SHARE)
    textarea = _tag(html, "textarea", data_block_id=text_id[0], data_action_id=text_id[1],
                    maxlength="3000")
    assert textarea + "&lt;b&gt;seen&lt;/b&gt;</textarea>" in html
    assert '<span class="counter">11/3000</span>' in html
    _tag(html, "fieldset", data_type="radio_buttons", data_block_id=choice_id[0])
    radio = _tag(html, "input", type="radio", name="/".join(choice_id), value="take")
    assert "checked" in radio
    _tag(html, "select", data_type="static_select", data_block_id=theme_id[0],
         data_action_id=theme_id[1])
    assert '<option value="respect" selected>Respect for people</option>' in html
    box = _tag(html, "input", type="checkbox", name="/".join(share_id), value="share")
    assert "checked" in box
    assert "Which choice was it? (optional)</label>" in html
    assert "What happened?</label>" in html and "What happened? (optional)" not in html


def test_leadbot_home_view_renders():
    at = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    view = render_view(home_view(
        reflections=[{"id": 1, "text": "I asked <why>", "at": "2026-11-22T10:00:00Z",
                      "choice": "take", "theme": None, "shared": 0}],
        choices=[], streak=3, upcoming=[("C1", at)], themes={}, tz=ZoneInfo("UTC")),
        names=NAMES)
    html = view["html"]
    assert view["title"] == "" and html.startswith('<div class="sk-view sk-home"')
    assert "Your leadership practice</h2>" in html
    _tag(html, "button", data_action_id=ids.OPEN_REFLECT_ACTION, data_value="new")
    assert '<span class="mention">#team</span>' in html
    assert "3 weeks in a row 🌱" in html
    assert "I asked &lt;why&gt;" in html and "<why>" not in html
    assert "unknown" not in html and "<hr>" in html
