"""The reflection and admin builders: every view and message passes the fake Slack's Block Kit
checks, uses the ids the listeners read, and says what it should, long or odd text included."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.messages import admin as am
from bot.messages import home as hm
from bot.messages import ids
from bot.messages import reflect as rb
from bot.messages import sightings as sb
from bot.messages.admin import ChannelStatus
from bot.messages.reflect import TEXT_MAX, Stats
from bot.sandbox.workspace.blockkit import check_blocks, check_view
from tests.conftest import text_of

THEMES = {"go-to-gemba": "Go where the work happens", "respect-for-people": "Respect for people"}
UTC_TZ, PARIS = ZoneInfo("UTC"), ZoneInfo("Europe/Paris")
LONG = "word " * 2000  # 10,000 characters
NASTY = "<script>alert('R&D')</script> & <!channel> > done"


def row(text="I asked for a demo", at="2026-11-22T23:30:00Z", choice="take",
        theme="go-to-gemba", shared=0, rid=1):
    return {"id": rid, "text": text, "at": at, "choice": choice, "theme": theme,
            "shared": shared, "channel": "C0123TEAM"}


def inputs(view) -> dict:
    return {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}


def test_reflect_modal_blank():
    view = rb.reflect_modal(THEMES)
    assert check_view(view) == []
    assert (view["callback_id"], view["title"]["text"], view["submit"]["text"]) == (
        ids.REFLECT_VIEW, "Reflect", "Save")
    blocks = inputs(view)
    assert list(blocks) == [ids.REFLECT_TEXT[0], ids.REFLECT_CHOICE[0], ids.REFLECT_THEME[0],
                            ids.REFLECT_SHARE[0]]
    for block_id, action_id in (ids.REFLECT_TEXT, ids.REFLECT_CHOICE, ids.REFLECT_THEME,
                                ids.REFLECT_SHARE):
        assert blocks[block_id]["element"]["action_id"] == action_id
    text = blocks[ids.REFLECT_TEXT[0]]
    assert (text["element"]["max_length"], TEXT_MAX) == (3000, 3000)
    assert "Up to 3,000 characters" in text["hint"]["text"]
    assert "initial_value" not in text["element"] and "optional" not in text
    assert [blocks[b].get("optional") for b in list(blocks)[1:]] == [True, True, True]
    choice = blocks[ids.REFLECT_CHOICE[0]]["element"]
    assert [o["value"] for o in choice["options"]] == ["follow", "take", "pass"]
    assert [o["text"]["text"] for o in choice["options"]] == list(
        ids.REFLECT_CHOICE_LABELS.values())
    theme = blocks[ids.REFLECT_THEME[0]]["element"]
    assert [(o["value"], o["text"]["text"]) for o in theme["options"]] == list(THEMES.items())
    assert "initial_option" not in choice and "initial_option" not in theme
    share = blocks[ids.REFLECT_SHARE[0]]["element"]
    assert [o["value"] for o in share["options"]] == ["share"]
    assert "initial_options" not in share


def test_reflect_modal_prefilled_for_details():
    view = rb.reflect_modal(THEMES, text="quick one", choice="take", theme="respect-for-people",
                            shared=True, details=True)
    assert check_view(view) == []
    assert view["title"]["text"] == "Add details"
    blocks = inputs(view)
    assert blocks[ids.REFLECT_TEXT[0]]["element"]["initial_value"] == "quick one"
    choice = blocks[ids.REFLECT_CHOICE[0]]["element"]
    assert choice["initial_option"] == choice["options"][1]
    assert choice["initial_option"]["value"] == "take"
    theme = blocks[ids.REFLECT_THEME[0]]["element"]
    assert theme["initial_option"] == theme["options"][1]
    assert theme["initial_option"]["value"] == "respect-for-people"
    share = blocks[ids.REFLECT_SHARE[0]]["element"]
    assert share["initial_options"] == share["options"]


def test_reflect_modal_unknown_prefill_and_no_themes():
    view = rb.reflect_modal(THEMES, choice="maybe", theme="gone")
    blocks = inputs(view)
    assert "initial_option" not in blocks[ids.REFLECT_CHOICE[0]]["element"]
    assert "initial_option" not in blocks[ids.REFLECT_THEME[0]]["element"]
    bare = rb.reflect_modal({}, theme="go-to-gemba")
    assert check_view(bare) == []
    assert list(inputs(bare)) == [ids.REFLECT_TEXT[0], ids.REFLECT_CHOICE[0],
                                  ids.REFLECT_SHARE[0]]


@pytest.mark.parametrize("text", [LONG, NASTY])
def test_reflect_modal_long_or_odd_text(text):
    view = rb.reflect_modal(THEMES, text=text, details=True)
    assert check_view(view) == []
    initial = inputs(view)[ids.REFLECT_TEXT[0]]["element"]["initial_value"]
    assert initial == text[:3000]


def test_expired_and_saved_modals():
    expired, saved = rb.expired_modal(), rb.saved_modal()
    assert check_view(expired) == [] and check_view(saved) == []
    assert "submit" not in expired and "submit" not in saved
    assert "nothing was saved" in text_of(expired["blocks"])
    assert text_of(saved["blocks"]).startswith(":white_check_mark: Reflection saved: this form "
                                               "was sent twice")
    said = rb.saved_text("take", True, named=False)
    assert text_of(rb.saved_modal(said)["blocks"]).startswith(said)  # the same words as elsewhere


def test_quick_saved():
    blocks = rb.quick_saved(42, "backed Ann's retro\nit went well", "follow")
    assert check_blocks(blocks) == []
    saved = blocks[0]["text"]["text"]
    assert saved.startswith(":white_check_mark: Reflection saved (")
    assert saved.endswith("followed). Only you see it.\n>backed Ann's retro\n>it went well")
    (button,) = blocks[1]["elements"]
    assert (button["action_id"], button["value"], button["text"]["text"]) == (
        ids.OPEN_REFLECT_ACTION, "42", "Add details")
    assert rb.quick_saved(7, "x", None)[0]["text"]["text"].startswith(
        ":white_check_mark: Reflection saved. Only you")


@pytest.mark.parametrize("text", [LONG, NASTY])
def test_quick_saved_long_or_odd_text(text):
    blocks = rb.quick_saved(1, text, "take")
    assert check_blocks(blocks) == []
    assert len(blocks[0]["text"]["text"]) < 700


def test_help_blocks():
    plain = text_of(rb.help_blocks())
    assert "`/reflect history`" in plain and "not something" not in plain
    assert "`histroy` is not something `/reflect` knows" in text_of(rb.help_blocks("histroy"))
    long = rb.help_blocks(NASTY * 5)
    assert check_blocks(long) == []
    # escaped first, then clipped without cutting an entity in half
    assert "`&lt;script&gt;alert('R&amp;D')&lt;/scri…` is not" in text_of(long)


@pytest.mark.parametrize(("word", "shown"), [
    ("<!channel>", "`&lt;!channel&gt;` is not"),
    ("<https://x|click>", "`&lt;https://x|click&gt;` is not"),
    ("<@U0000BOB>", "`&lt;@U0000BOB&gt;` is not"),
    ("R&D", "`R&amp;D` is not"),
])
def test_an_unknown_word_is_echoed_as_typed_never_live(word, shown):
    blocks = rb.help_blocks(word)
    assert check_blocks(blocks) == []
    text = text_of(blocks)
    assert shown in text
    assert word not in text


def test_history_blocks_empty():
    blocks = rb.history_blocks([], THEMES, UTC_TZ)
    assert check_blocks(blocks) == []
    assert len(blocks) == 1 and "no reflections yet" in text_of(blocks)


def test_history_blocks_dates_in_timezone_and_marks():
    rows = [row(), row("kept for me", choice=None, theme="retired-theme", shared=1, rid=2),
            {**row("shared named", choice=None, theme=None, shared=1, rid=3),
             "shared_named": 1}]
    blocks = rb.history_blocks(rows, THEMES, UTC_TZ)
    assert check_blocks(blocks) == []
    assert [b["text"]["text"] for b in blocks] == [
        "*Your last 3 reflections*",
        "*Sun 22 Nov 2026* · I took the lead · Go where the work happens · only you see it\n"
        ">I asked for a demo",
        "*Sun 22 Nov 2026* · retired-theme · shared in the team digest, without your name\n"
        ">kept for me",
        "*Sun 22 Nov 2026* · shared in the team digest, with your name\n>shared named"]
    paris = rb.history_blocks(rows, THEMES, PARIS)
    assert paris[1]["text"]["text"].startswith("*Mon 23 Nov 2026* ·")


def test_history_blocks_long_or_odd_text():
    blocks = rb.history_blocks([row(LONG, rid=i) for i in range(9)] + [row(NASTY)], THEMES,
                               UTC_TZ)
    assert check_blocks(blocks) == []
    assert len(blocks) == 11 and all(len(b["text"]["text"]) < 600 for b in blocks)


def test_stats_blocks():
    stats = Stats(choices={"follow": 1, "take": 2, "pass": 0}, reflections=4,
                  reflection_choices={"follow": 0, "take": 3, "pass": 1},
                  themes=[("go-to-gemba", 3), ("retired-theme", 1)], streak=1)
    blocks = rb.stats_blocks(stats, THEMES)
    assert check_blocks(blocks) == []
    assert text_of(blocks).split("\n") == [
        "*Your numbers*",
        "On prompts: 1 follow · 2 take the lead · 0 pass",
        "Reflections: 4 (0 followed · 3 took the lead · 1 let go)",
        "Themes: Go where the work happens 3, retired-theme 1",
        "Weekly streak: 1 week in a row :seedling:"]
    none = Stats({"follow": 0, "take": 0, "pass": 0}, 0, {"follow": 0, "take": 0, "pass": 0},
                 [], 0)
    lines = text_of(rb.stats_blocks(none, THEMES)).split("\n")
    assert not any(line.startswith("Themes:") for line in lines)
    assert lines[-1] == "Weekly streak: none yet. One answer or reflection this week starts one."
    three = Stats(**{**none.__dict__, "streak": 3})
    assert "3 weeks in a row" in text_of(rb.stats_blocks(three, THEMES))


def test_forget_confirm_and_forgotten_text():
    blocks = rb.forget_confirm({"choices": 2, "replies": 1, "reactions": 0, "reflections": 3})
    assert check_blocks(blocks) == []
    assert "That is 2 choices, 1 thread reply, 0 reactions, 3 reflections." in text_of(blocks)
    confirm, cancel = blocks[1]["elements"]
    assert (confirm["action_id"], confirm["style"]) == (ids.FORGET_CONFIRM_ACTION, "danger")
    assert cancel["action_id"] == ids.FORGET_CANCEL_ACTION
    assert rb.forgotten_text({"choices": 1, "reflections": 0, "pending answers": 2}) == (
        ":wastebasket: Done. Deleted 1 choice, 0 reflections, 2 answers not yet recorded. "
        "leadbot keeps nothing else about you.")


def test_home_view_empty():
    view = hm.home_view(reflections=[], choices=[], streak=0, upcoming=[], themes=THEMES,
                        tz=UTC_TZ)
    assert check_view(view) == []
    assert view["type"] == "home"
    text = text_of(view["blocks"])
    assert "*Next prompt*\nNone of leadbot's channels has you as a member" in text
    assert "*Your recent choices*\nNone yet" in text
    assert "*Your recent reflections*\nNone yet" in text
    assert "Weekly streak: none yet" in text
    (button,) = view["blocks"][2]["elements"]
    assert (button["action_id"], button["value"]) == (ids.OPEN_REFLECT_ACTION, "new")


def test_home_view_filled():
    chicago = ZoneInfo("America/Chicago")
    upcoming = [("C0123TEAM", datetime(2026, 11, 30, 9, 0, tzinfo=chicago)),
                ("C0PLATFORM", datetime(2026, 11, 30, 9, 30, tzinfo=ZoneInfo("Europe/London")))]
    choices = [{"channel": "C0123TEAM", "choice": c, "at": "2026-11-23T10:00:00Z"}
               for c in ("take", "follow", "pass", "take", "take", "follow", "pass")]
    reflections = [row(f"note {i}", rid=i) for i in range(6)] + [row(LONG), row(NASTY)]
    view = hm.home_view(reflections=reflections, choices=choices, streak=2, upcoming=upcoming,
                        themes=THEMES, tz=UTC_TZ)
    assert check_view(view) == []
    text = text_of(view["blocks"])
    assert ("*Next prompt in your channels*\n• <#C0123TEAM>: Mon 30 Nov, 09:00 CST\n"
            "• <#C0PLATFORM>: Mon 30 Nov, 09:30 GMT") in text
    assert ("*Your recent choices*\n• Mon 23 Nov 2026 · I'll take the lead · <#C0123TEAM>\n"
            "• Mon 23 Nov 2026 · I'll follow · <#C0123TEAM>\n"
            "• Mon 23 Nov 2026 · I'll let it go · <#C0123TEAM>\n") in text
    assert text.count("· <#C0123TEAM>") == hm.HOME_ITEMS == 5
    assert "Weekly streak: 2 weeks in a row" in text
    assert [f">note {i}" in text for i in range(6)] == [True] * 5 + [False]
    long_home = hm.home_view(reflections=[row(LONG), row(NASTY)], choices=choices, streak=1,
                             upcoming=upcoming * 60, themes={}, tz=PARIS)
    assert check_view(long_home) == []


def test_status_blocks_and_admin_help():
    at = datetime(2026, 11, 30, 9, 0, tzinfo=ZoneInfo("America/Chicago"))
    rows = [ChannelStatus("C0123TEAM", "C0123TEAM", {"prompt": at, "nudge": None},
                          {"kind": "nudge", "status": "failed"}, 2),
            ChannelStatus("#platform-team", None, {"prompt": None}, None, 0)]
    blocks = am.status_blocks("leadbot 1.0: 1 of 2", rows)
    assert check_blocks(blocks) == []
    assert [b["text"]["text"] for b in blocks] == [
        "*leadbot 1.0: 1 of 2*",
        "<#C0123TEAM>: next prompt Mon 30 Nov 09:00 CST, nudge never · last nudge failed · "
        "2 failed",
        "`#platform-team` (not reachable): next prompt never · nothing posted yet"]
    many = am.status_blocks("h", rows * 30)
    assert check_blocks(many) == [] and len(many) == 41
    help_text = text_of(am.admin_help())
    assert check_blocks(am.admin_help()) == []
    assert "`/leadbot status`" in help_text and "`/leadbot post-now #channel" in help_text


def test_history_escapes_mrkdwn_control_characters():
    (_, section) = rb.history_blocks([row("R&D <!channel> a < b")], THEMES, UTC_TZ)
    assert section["text"]["text"].endswith(">R&amp;D &lt;!channel&gt; a &lt; b")


def test_saved_text_keeps_the_capital_i():
    assert rb.saved_text("follow", True) == (
        ":white_check_mark: Reflection saved (I followed). Shared in the team digest, without "
        "your name.")


def test_the_share_box_says_when_the_digest_shows_names():
    def share_option(view):
        block = next(b for b in view["blocks"] if b["block_id"] == ids.REFLECT_SHARE[0])
        return block["element"]["options"][0]

    plain_view = rb.reflect_modal(THEMES)
    anonymous = share_option(plain_view)
    assert anonymous["text"]["text"].endswith("without your name")
    named_view = rb.reflect_modal(THEMES, named=True)
    named = share_option(named_view)
    assert named["text"]["text"].endswith(", with your name")
    assert rb.saved_text(None, True, named=True).endswith("with your name.")
    # what the form says is what a submission stores: it travels in private_metadata
    assert (rb.form_named(named_view), rb.form_named(plain_view)) == (True, False)
    assert rb.form_named({"private_metadata": "not json"}) is False
    # Slack refuses a form whose option description has more than 75 characters
    for option in (anonymous, named):
        description = option["description"]["text"]
        assert len(description) <= 75 and "Unticked, only you see it." in description
    assert check_view(named_view) == []


def test_more_than_100_themes_offer_the_chosen_one():
    themes = {f"theme-{i}": f"Theme {i}" for i in range(150)}
    for chosen, last in [("theme-120", "theme-120"), ("theme-5", "theme-99"),
                         (None, "theme-99")]:
        view = rb.reflect_modal(themes, theme=chosen)
        assert check_view(view) == [], chosen
        element = inputs(view)[ids.REFLECT_THEME[0]]["element"]
        values = [o["value"] for o in element["options"]]
        assert len(values) == 100 and values[-1] == last and values[:99] == list(themes)[:99]
        if chosen:
            assert element["initial_option"] in element["options"]
            assert element["initial_option"]["value"] == chosen


def test_sightings_in_history_and_home_hide_anonymous_seers():
    received = [{"at": "2026-11-24T10:00:00Z", "seer": "U0SEER", "anonymous": True,
                 "text": "ran a great <retro>", "about": "U1"},
                {"at": "2026-11-23T10:00:00Z", "seer": "U0NAMED", "anonymous": False,
                 "text": "asked why", "about": "U1"}]
    given = [{"at": "2026-11-22T10:00:00Z", "seer": "U1", "about": "U0BOB", "anonymous": False,
              "text": None}]
    [section] = sb.sightings_section(given, received, UTC_TZ)
    text = section["text"]["text"]
    assert "a teammate saw you lead: _ran a great &lt;retro&gt;_" in text
    assert "U0SEER" not in text and "<@U0NAMED> saw you lead" in text
    assert "you saw <@U0BOB> lead: _(words deleted)_" in text
    assert sb.sightings_section([], [], UTC_TZ) == []
    blocks = rb.history_blocks([], THEMES, UTC_TZ, sightings=[section])
    assert blocks[-1] == section and check_blocks(blocks) == []
    home = hm.home_view(reflections=[], choices=[], streak=0, upcoming=[], themes=THEMES,
                        tz=UTC_TZ, sightings=[section])
    assert section in home["blocks"] and check_view(home) == []
