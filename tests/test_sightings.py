"""Leadership sightings without Slack: reading /saw, checking drafts and people, the store's
queries, the form and the DM."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.messages import ids
from bot.messages import sightings as sb
from bot.messages.sightings import TEXT_MAX
from bot.sandbox.workspace.blockkit import check_blocks, check_view
from bot.services import sightings
from bot.services.directory import Person
from bot.services.sightings import Draft, InvalidSighting, OwnSighting
from bot.slack.errors import failure
from bot.slack.listeners.sightings import parse_values
from bot.slack.parse import plain_from_slack

SEER, ABOUT, OTHER = "U0000BOB", "U0000ADA", "U0000CAL"
THEMES = {"respect-for-people": "Respect for people", "go-to-gemba": "Go to the gemba"}
AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


class Directory:
    """users.info answers, by id (missing: unknown to Slack; an exception: Slack failed)."""

    def __init__(self, people: dict[str, Person | Exception]):
        self.people = people
        self.asked: list[str] = []

    def get(self, user_id: str) -> Person | None:
        self.asked.append(user_id)
        found = self.people.get(user_id)
        if isinstance(found, Exception):
            raise found
        return found


def person(user_id: str, *, is_bot: bool = False, deleted: bool = False) -> Person:
    return Person(user_id, user_id.lower(), ZoneInfo("Europe/London"), is_bot, deleted)


# --- reading /saw -----------------------------------------------------------------------------

@pytest.mark.parametrize("text, action, about, words", [
    ("", "open", None, ""),
    ("   ", "open", None, ""),
    ("help", "help", None, ""),
    ("HELP ", "help", None, ""),
    (f"<@{ABOUT}|ada> ran the retro at the board", "quick", ABOUT, "ran the retro at the board"),
    (f"<@{ABOUT}>", "open", ABOUT, ""),
    (f"<@{ABOUT}|ada>  ", "open", ABOUT, ""),
    (f"<@{ABOUT}|ada>: asked why, five times", "quick", ABOUT, "asked why, five times"),
    (f"<@{ABOUT}> — stopped the line", "quick", ABOUT, "stopped the line"),
    (f"a calm retro by <@{ABOUT}|ada> &amp; <@{OTHER}|cal>", "quick", ABOUT,
     "a calm retro by @ada & @cal"),
    ("<@W0000ENT|ent> fixed the board", "quick", "W0000ENT", "fixed the board"),
    (f"<@{ABOUT}|ada> moved the huddle to <#C0123TEAM|team>", "quick", ABOUT,
     "moved the huddle to #team"),
])
def test_parse_command(text, action, about, words):
    command = sightings.parse_command(text, plain_from_slack)
    assert (command.action, command.about, command.text) == (action, about, words)


@pytest.mark.parametrize("text", [
    "ada ran the retro",              # typed without picking the person: no mention
    "@ada ran the retro",             # what Slack sends when it could not resolve the name
    "<!subteam^S0TEAM|@team> all stepped up",
    "<#C0123TEAM|team> ran itself",
    "<!here> great work",
])
def test_parse_command_needs_a_person(text):
    with pytest.raises(InvalidSighting) as caught:
        sightings.parse_command(text, plain_from_slack)
    assert caught.value.field == "person"
    assert "/saw @name" in str(caught.value)


# --- checking a draft -------------------------------------------------------------------------

def test_draft_checks():
    good = Draft(ABOUT, "  asked\x07 the quietest person first\n", "go-to-gemba")
    checked = good.checked(SEER, set(THEMES))
    assert checked == Draft(ABOUT, "asked the quietest person first", "go-to-gemba", False,
                            True)
    assert Draft(ABOUT, "x" * TEXT_MAX).checked(SEER, set()).text == "x" * TEXT_MAX


@pytest.mark.parametrize("draft, field, words", [
    (Draft(None, "ran the retro"), "person", "Pick the person"),
    (Draft(ABOUT, ""), "text", "a few words"),
    (Draft(ABOUT, " \x00\x01 "), "text", "a few words"),
    (Draft(ABOUT, "x" * (TEXT_MAX + 1)), "text", "1,001 characters; the limit is 1,000"),
    (Draft(ABOUT, "ran the retro", "not-a-theme"), "theme", "no longer in the library"),
])
def test_draft_refusals(draft, field, words):
    with pytest.raises(InvalidSighting) as caught:
        draft.checked(SEER, set(THEMES))
    assert caught.value.field == field and words in str(caught.value)
    assert not isinstance(caught.value, OwnSighting)


def test_oneself_gets_a_kind_word():
    with pytest.raises(OwnSighting) as caught:
        Draft(SEER, "I fixed the board").checked(SEER, set(THEMES))
    assert "counts too" in str(caught.value) and "/reflect" in str(caught.value)
    assert caught.value.field == "person"


def _slack_error(error: str) -> SlackApiError:
    response = SlackResponse(client=None, http_verb="POST", api_url="users.info", req_args={},
                             data={"ok": False, "error": error}, headers={}, status_code=200)
    return SlackApiError(error, response)


@pytest.mark.parametrize("found, words", [
    (None, "does not know that person"),
    (person(ABOUT, is_bot=True), "an app, not a person"),
    (person(ABOUT, deleted=True), "deactivated"),
    # what the real Directory raises when Slack fails: the outbound's SlackFailure
    (failure(_slack_error("ratelimited")), "try again"),
    (failure(OSError("connection reset")), "try again"),
])
def test_check_person_refuses(found, words):
    directory = Directory({ABOUT: found} if found is not None else {})
    with pytest.raises(InvalidSighting) as caught:
        sightings.check_person(ABOUT, directory)
    assert caught.value.field == "person" and words in str(caught.value)
    assert directory.asked == [ABOUT]


def test_check_person_accepts_and_skips_without_a_directory():
    directory = Directory({ABOUT: person(ABOUT)})
    sightings.check_person(ABOUT, directory)
    assert directory.asked == [ABOUT]
    sightings.check_person("U0NOBODY", None)  # no Slack at hand: nothing to ask


# --- saving and amending ----------------------------------------------------------------------

def test_save_stores_and_queues_the_dm(store, clock):
    directory = Directory({ABOUT: person(ABOUT)})
    sighting_id = sightings.save(store, clock, SEER, Draft(ABOUT, "asked the quiet ones"),
                                 themes=THEMES, directory=directory,
                                 channel="C0123TEAM", permalink="https://x.slack.com/p1")
    row = store.sighting(sighting_id)
    assert {k: row[k] for k in ("seer", "about", "text", "theme", "channel", "permalink",
                                "anonymous", "in_digest", "updated_at")} == {
        "seer": SEER, "about": ABOUT, "text": "asked the quiet ones", "theme": None,
        "channel": "C0123TEAM", "permalink": "https://x.slack.com/p1", "anonymous": False,
        "in_digest": True, "updated_at": None}
    assert row["at"] == "2026-11-25T12:00:00Z"
    [dm] = store.dms_to(ABOUT)
    assert (dm["kind"], dm["status"], dm["id"]) == ("sighting", "pending", row["dm_id"])
    assert f"<@{SEER}>" in dm["text"] and "asked the quiet ones" in dm["blocks"]
    assert store.dms_to(SEER) == []


def test_save_refuses_and_stores_nothing(store, clock):
    directory = Directory({ABOUT: person(ABOUT, deleted=True)})
    for draft in (Draft(ABOUT, "fine words"), Draft(SEER, "me"), Draft(ABOUT, "")):
        with pytest.raises(InvalidSighting):
            sightings.save(store, clock, SEER, draft, themes=THEMES,
                           directory=directory)
    assert store.sightings_by(SEER) == [] and store.dms_to(ABOUT) == []


def test_anonymous_dm_does_not_name_the_seer(store, clock):
    sighting_id = sightings.save(store, clock, SEER, Draft(ABOUT, "held the line", "go-to-gemba",
                                                           anonymous=True),
                                 themes=THEMES, directory=None)
    [dm] = store.dms_to(ABOUT)
    assert SEER not in dm["text"] and SEER not in dm["blocks"]
    assert "A teammate saw good leadership in you" in dm["text"]
    assert "Go to the gemba" in dm["blocks"]
    assert store.sighting(sighting_id)["anonymous"] is True


def test_amend_follows_the_final_choice_while_the_dm_waits(store, clock):
    sighting_id = sightings.save(store, clock, SEER, Draft(ABOUT, "ran the retro"),
                                 themes=THEMES, directory=None)
    clock.advance(timedelta(minutes=2))
    change = Draft(None, "ran the retro, and let the newest person lead it",
                   "respect-for-people", anonymous=True, in_digest=False)
    # someone else cannot change it
    assert sightings.amend(store, clock, OTHER, sighting_id, change,
                           themes=THEMES) == sightings.Amended(False)
    assert store.sighting(sighting_id)["text"] == "ran the retro"
    outcome = sightings.amend(store, clock, SEER, sighting_id, change, themes=THEMES)
    assert outcome == sightings.Amended(True, "rewritten")
    row = store.sighting(sighting_id)
    assert (row["about"], row["anonymous"], row["in_digest"], row["theme"]) == (
        ABOUT, True, False, "respect-for-people")
    assert row["updated_at"] == "2026-11-25T12:02:00Z"
    [dm] = store.dms_to(ABOUT)  # the same DM, reworded: not a second one
    assert SEER not in dm["text"] + dm["blocks"] and "newest person" in dm["blocks"]
    # once the outbox has taken it, the words stay as they left
    assert store.claim_dm(dm["id"])
    store.finish_dm(dm["id"], "sent", clock.now())
    later = sightings.amend(store, clock, SEER, sighting_id, Draft(None, "named after all"),
                            themes=THEMES)
    assert later == sightings.Amended(True, "sent")
    assert "newest person" in store.dms_to(ABOUT)[0]["blocks"]
    with pytest.raises(InvalidSighting):
        sightings.amend(store, clock, SEER, sighting_id, Draft(None, ""),
                        themes=THEMES)
    assert sightings.amend(store, clock, SEER, 999, change,
                           themes=THEMES) == sightings.Amended(False)


# --- the store's queries ----------------------------------------------------------------------

def _record(store, seer, about, minutes, **fields):
    fields.setdefault("text", f"{seer} saw {about} at {minutes}")
    return store.record_sighting(seer=seer, about=about, at=AT + timedelta(minutes=minutes),
                                 **fields)


def test_by_and_about_newest_first(store):
    first = _record(store, SEER, ABOUT, 1)
    second = _record(store, SEER, OTHER, 2)
    third = _record(store, OTHER, SEER, 3)
    assert [r["id"] for r in store.sightings_by(SEER)] == [second, first]
    assert [r["id"] for r in store.sightings_by(SEER, 1)] == [second]
    assert [r["id"] for r in store.sightings_about(SEER)] == [third]
    assert store.sightings_about(ABOUT)[0]["in_digest"] is True
    assert store.sighting(12345) is None


def test_digest_sightings(store):
    start, end = AT, AT + timedelta(days=7)
    shown = _record(store, SEER, ABOUT, 10, channel="C1")
    newer = _record(store, OTHER, ABOUT, 20, channel="C1", anonymous=True)
    _record(store, SEER, ABOUT, 30, channel="C1", in_digest=False)  # the seer kept it out
    _record(store, SEER, ABOUT, 40, channel="C2")  # another channel
    _record(store, SEER, ABOUT, -1, channel="C1")  # before the window
    _record(store, SEER, ABOUT, 7 * 24 * 60, channel="C1")  # at its end: excluded
    _record(store, SEER, ABOUT, 50, channel="C1", text=None)  # words deleted by retention
    rows = store.digest_sightings("C1", start, end)
    assert [r["id"] for r in rows] == [newer, shown]
    assert rows[0]["anonymous"] is True
    assert [r["id"] for r in store.digest_sightings("C1", start, end, limit=1)] == [newer]
    # the person seen keeps sightings about them out of the digest: none of theirs shows
    other = _record(store, SEER, OTHER, 60, channel="C1")
    assert [r["id"] for r in store.digest_sightings("C1", start, end)] == [other, newer, shown]
    store.save_person_settings(ABOUT, AT, sightings_in_digest=False)
    assert [r["id"] for r in store.digest_sightings("C1", start, end)] == [other]


def test_forget_removes_what_they_saw_and_what_was_seen_in_them(store, clock):
    sightings.save(store, clock, SEER, Draft(ABOUT, "one"), themes={}, directory=None)
    sightings.save(store, clock, OTHER, Draft(SEER, "two"), themes={}, directory=None)
    kept = sightings.save(store, clock, OTHER, Draft(ABOUT, "three"), themes={},
                          directory=None)
    assert store.held_sightings(SEER) == {"sightings": 1, "sightings_about": 1}
    assert store.forget_sightings(SEER) == {"sightings": 1, "sightings_about": 1,
                                            "sighting_dms": 1, "sent_dms": 0}
    assert store.held_sightings(SEER) == {"sightings": 0, "sightings_about": 0}
    assert [r["id"] for r in store.sightings_about(ABOUT)] == [kept]
    # the DM quoting the forgotten seer's words is gone; the other one still waits
    assert [dm["text"] for dm in store.dms_to(ABOUT)] == [f"<@{OTHER}> saw good leadership "
                                                          "in you."]


# --- the form and the messages ----------------------------------------------------------------

def test_modal_shape_and_limits():
    view = sb.sighting_modal(THEMES, about=ABOUT, permalink="https://fake.slack.com/archives/C1/p1")
    assert check_view(view) == []
    by_id = {b.get("block_id"): b for b in view["blocks"]}
    assert by_id["sighting_person"]["element"]["type"] == "users_select"
    assert by_id["sighting_person"]["element"]["initial_user"] == ABOUT
    assert by_id["sighting_text"]["element"]["max_length"] == TEXT_MAX == 1000
    assert "1,000" in by_id["sighting_text"]["hint"]["text"]
    assert by_id["sighting_theme"]["optional"] is True
    assert [o["value"] for o in by_id["sighting_theme"]["element"]["options"]] == list(THEMES)
    for block_id in ("sighting_anonymous", "sighting_digest"):  # named, in the digest
        assert by_id[block_id]["optional"] is True
        assert "initial_options" not in by_id[block_id]["element"]
    assert sb.permalink_of(view) == "https://fake.slack.com/archives/C1/p1"
    assert "this message" in json.dumps(view["blocks"])


def test_details_modal_is_prefilled_and_keeps_the_person():
    view = sb.sighting_modal(THEMES, about=ABOUT, text="ran it", theme="go-to-gemba",
                             anonymous=True, in_digest=False, details=True)
    assert check_view(view) == []
    by_id = {b.get("block_id"): b for b in view["blocks"]}
    assert "sighting_person" not in by_id and f"<@{ABOUT}>" in json.dumps(view["blocks"])
    assert by_id["sighting_text"]["element"]["initial_value"] == "ran it"
    assert by_id["sighting_theme"]["element"]["initial_option"]["value"] == "go-to-gemba"
    assert by_id["sighting_anonymous"]["element"]["initial_options"][0]["value"] == "anonymous"
    assert by_id["sighting_digest"]["element"]["initial_options"][0]["value"] == "leave_out"
    assert sb.permalink_of(view) is None


@pytest.mark.parametrize("meta", ["", "not json", '{"permalink": "javascript:alert(1)"}',
                                  '["https://x"]'])
def test_permalink_of_ignores_anything_else(meta):
    assert sb.permalink_of({"private_metadata": meta}) is None


def test_parse_values_reads_the_form():
    option = {"text": {"type": "plain_text", "text": "x"}}
    values = {
        "sighting_person": {"person": {"type": "users_select", "selected_user": ABOUT}},
        "sighting_text": {"text": {"type": "plain_text_input", "value": "stopped the line"}},
        "sighting_theme": {"theme": {"type": "static_select",
                                     "selected_option": {**option, "value": "go-to-gemba"}}},
        "sighting_anonymous": {"anonymous": {"type": "checkboxes", "selected_options": [
            {**option, "value": "anonymous"}]}},
        "sighting_digest": {"leave_out": {"type": "checkboxes", "selected_options": []}},
    }
    assert parse_values(values) == Draft(ABOUT, "stopped the line", "go-to-gemba", True, True)
    assert parse_values({}) == Draft(None, "", None, False, True)


def test_buttons_carry_accessibility_labels_and_blocks_are_valid():
    row = {"id": 7, "seer": SEER, "about": ABOUT, "text": "a <b> & c", "anonymous": False,
           "in_digest": True}
    blocks = sb.quick_saved(row)
    assert check_blocks(blocks) == []
    [button] = blocks[1]["elements"]
    assert button["action_id"] == ids.SIGHTING_DETAILS_ACTION and button["value"] == "7"
    assert 0 < len(button["accessibility_label"]) <= 75
    assert "a &lt;b&gt; &amp; c" in blocks[0]["text"]["text"]  # people's words stay words
    assert "with your name" in sb.saved_text(row)
    assert "It can appear in the team digest" in sb.saved_text(row)
    kept = sb.saved_text({**row, "anonymous": True, "in_digest": False})
    assert "without your name" in kept and "stays out of the team digest" in kept
    assert check_blocks(sb.help_blocks("Something was off.")) == []


@pytest.mark.parametrize("extra, shows, hides", [
    ({}, [f"<@{SEER}> saw good leadership in you"], ["A teammate"]),
    ({"anonymous": True}, ["A teammate saw good leadership in you"], [SEER]),
    ({"permalink": "https://fake.slack.com/archives/C1/p1", "theme": "go-to-gemba"},
     ["the message it was about", "Go to the gemba"], []),
    ({"channel": "C0123TEAM"}, ["in <#C0123TEAM>"], []),
])
def test_dm_words(extra, shows, hides):
    row = {"seer": SEER, "about": ABOUT, "text": "asked > told", "anonymous": False,
           "theme": None, "permalink": None, "channel": None, **extra}
    text, blocks = sb.sighting_dm(row, THEMES)
    assert check_blocks(blocks) == []
    everything = text + json.dumps(blocks)
    for words in shows:
        assert words in everything
    for words in hides:
        assert words not in everything
    assert "asked &gt; told" in everything and "/reflect settings" in everything
    # a warm word, not a watching eye
    assert blocks[0]["text"]["text"].startswith(":raised_hands: ") and ":eyes:" not in everything


def test_forget_removes_a_sent_dm_quoting_the_seer(store, clock):
    # the text of a DM already sent stays in the outbox: forgetting the seer removes it too
    sightings.save(store, clock, SEER, Draft(ABOUT, "kept the line calm"), themes={},
                   directory=None)
    [dm] = store.pending_dms()
    assert store.claim_dm(dm["id"])
    store.finish_dm(dm["id"], "sent", clock.now())
    assert store.forget_sightings(SEER)["sent_dms"] == 1
    assert store.dms_to(ABOUT) == []
