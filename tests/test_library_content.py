"""What the bundled library says keeps the article's promises: the refrain exactly as John Shook
wrote it, every theme with enough nudges, the choice always left with the person, the NUMMI
story and the word gemba explained wherever they appear (nudges are shuffled, any can come
first), no raw id in anything people read, and every text whole in its Slack field."""

from __future__ import annotations

import re

import pytest

from bot.library import CONTEXT_MAX, DEFAULT_LIBRARY, NAME_MAX, NUDGE_MAX, load_library
from bot.messages import reflect as rb
from bot.messages import sightings as sb
from bot.messages.kit import (
    CONTEXT_TEXT_MAX,
    ENTITY_MAX,
    HEADER_TEXT_MAX,
    OPTION_TEXT_MAX,
    SECTION_TEXT_MAX,
    escape,
    quote,
)
from bot.messages.prompt import build_nudge_blocks, build_prompt_blocks, nudge_text, prompt_text
from bot.sandbox.workspace.blockkit import check_blocks, check_view
from bot.services.content import nudge_content, prompt_content
from tests.conftest import REPO

# The article's refrain, typographic apostrophes included; the library keeps one sentence group
# a line, as the prompt quotes it line by line.
REFRAIN = ("When you see good leadership, follow it if you wish. If you don’t see it, take it. "
           "If you wish. If you don’t, don’t complain.")
ATTRIBUTION = "John Shook, “Lead from the Front, Lead from Behind”"
ARTICLE = REPO.parent / "shared" / "reference" / "lead-from-the-front-lead-from-behind.txt"

# Words that leave the choice with the person, as the refrain does; every nudge uses one.
CHOICE_LEFT = ("if you wish", "if you like", "if you'd like")

# A term and the gloss that must follow it, in parentheses, the first time a text uses it.
GLOSSED = {
    "NUMMI": r"NUMMI \(the Toyota–GM joint venture[^)]*\)",
    "gemba": r"gemba \((the place )?where the work[^)]*\)",
}

# The article's ideas the review found missing, by nudge id (the schema has no tags, and ids
# are stable: the rotation stores them), each with words its text must carry.
TAGGED = {
    "follow": (("any-level-5", "any-level-6", "any-level-7", "situational-6", "develop-6"),
               r"\b(follow|back)", 2),
    "persistence": (("surface-6", "scientific-6"), r"\b(again|back to|bringing them back)\b", 1),
    "good intent": (("respect-6",), r"\bmeant\b", 1),
}


@pytest.fixture(scope="module")
def library():
    return load_library(DEFAULT_LIBRARY)


def read_texts(library) -> dict[str, str]:
    """Every library text a person can read, by where it lives in the file."""
    out = {"refrain.text": library.refrain.text, "refrain.attribution": library.refrain.attribution}
    out.update({f"refrain.context[{i}]": line for i, line in enumerate(library.refrain.context)})
    for key, theme in library.themes.items():
        out[f"themes.{key}.name"] = theme.name
        out[f"themes.{key}.summary"] = theme.summary
    out.update({f"nudges.{n.id}": n.text for n in library.nudges})
    return out


def shown(payload) -> list[str]:
    """The text of every text object in a payload (what Slack shows; ids and values are not)."""
    found = []
    if isinstance(payload, dict):
        if payload.get("type") in ("mrkdwn", "plain_text") and isinstance(payload.get("text"), str):
            found.append(payload["text"])
        for value in payload.values():
            found.extend(shown(value))
    elif isinstance(payload, list):
        for value in payload:
            found.extend(shown(value))
    return found


def rendered(library) -> dict[str, list[str]]:
    """What the bot shows of the library: every prompt, every nudge, the forms' theme lists."""
    out: dict[str, list[str]] = {}
    for i in range(len(library.refrain.context)):
        content = prompt_content(library, i)
        out[f"prompt {i}"] = [*shown(build_prompt_blocks(content)), prompt_text(content)]
    for nudge in library.nudges:
        content = nudge_content(library, nudge)
        out[f"nudge {nudge.id}"] = [*shown(build_nudge_blocks(content)), nudge_text(content)]
    themes = {key: b.name for key, b in library.themes.items()}
    out["/reflect form"] = shown(rb.reflect_modal(themes))
    out["/saw form"] = shown(sb.sighting_modal(themes))
    return out


def test_every_theme_has_at_least_five_nudges(library):
    for theme in library.themes:
        assert len(library.nudges_for([theme])) >= 5, theme


def test_the_refrain_is_the_articles_with_its_attribution(library):
    lines = library.refrain.text.splitlines()
    assert len(lines) == 3 and " ".join(lines) == REFRAIN
    assert library.refrain.attribution == ATTRIBUTION
    [section] = [b for b in build_prompt_blocks(prompt_content(library, 0))
                 if b.get("block_id") == "leadbot_refrain"]
    assert section["text"]["text"] == quote("\n".join(lines)) + f"\n— _{ATTRIBUTION}_"


def test_the_refrain_matches_the_reference_article():
    if not ARTICLE.exists():  # the article lives in ../shared; REFRAIN above is its copy
        pytest.skip("the reference article is not beside the repository")
    assert REFRAIN in " ".join(ARTICLE.read_text(encoding="utf-8").split())


def test_every_nudge_leaves_the_choice_with_the_person(library):
    missing = [n.id for n in library.nudges
               if not any(words in n.text.lower().replace("’", "'") for words in CHOICE_LEFT)]
    assert missing == []


@pytest.mark.parametrize("idea", list(TAGGED))
def test_the_articles_missing_ideas_have_nudges(library, idea):
    ids, words, at_least = TAGGED[idea]
    assert len(ids) >= at_least
    for nudge_id in ids:
        nudge = library.nudge(nudge_id)
        assert nudge is not None, nudge_id
        assert re.search(words, nudge.text, flags=re.I), nudge_id


@pytest.mark.parametrize("term", list(GLOSSED))
def test_jargon_is_glossed_wherever_it_appears(library, term):
    unglossed = []
    for where, text in read_texts(library).items():
        first = re.search(rf"\b{term}\b", text, flags=re.I)
        glossed = re.search(GLOSSED[term], text, flags=re.I)
        if first and not (glossed and glossed.start() == first.start()):
            unglossed.append(where)
    assert unglossed == []


def test_no_raw_id_in_anything_people_read(library):
    ids = [*library.themes, *(n.id for n in library.nudges)]
    pattern = re.compile("|".join(rf"(?<![\w-]){re.escape(i)}(?![\w-])" for i in ids))
    found = {where: pattern.findall(text) for where, text in read_texts(library).items()}
    for where, texts in rendered(library).items():
        found[where] = [hit for text in texts for hit in pattern.findall(text)]
    assert {where: hits for where, hits in found.items() if hits} == {}


def test_the_bundled_texts_fit_their_slack_fields_whole(library):
    for nudge in library.nudges:
        theme = library.themes[nudge.theme].name
        header = f"*{escape(theme)}*\n"
        assert len(escape(theme)) <= HEADER_TEXT_MAX
        assert len(escape(nudge.text)) <= SECTION_TEXT_MAX - len(header), nudge.id
        blocks = build_nudge_blocks(nudge_content(library, nudge))
        assert check_blocks(blocks) == []
        assert blocks[0]["text"]["text"] == header + escape(nudge.text)  # nothing cut
    for i, line in enumerate(library.refrain.context):
        assert len(escape(line)) <= CONTEXT_TEXT_MAX
        blocks = build_prompt_blocks(prompt_content(library, i))
        assert check_blocks(blocks) == []
        assert escape(line) in shown(blocks)
    refrain = quote(escape(library.refrain.text)) + f"\n— _{escape(ATTRIBUTION)}_"
    assert len(refrain) <= SECTION_TEXT_MAX
    themes = {key: b.name for key, b in library.themes.items()}
    assert all(len(name) <= OPTION_TEXT_MAX for name in themes.values())
    for view in (rb.reflect_modal(themes), sb.sighting_modal(themes)):
        assert check_view(view) == []
        assert set(themes.values()) <= set(shown(view))  # every name whole in its option


def test_any_valid_library_fits_slack():
    # escaping can grow a character to "&amp;": the validator's limits must still fit Slack's
    theme_header = len("**\n") + min(NAME_MAX * ENTITY_MAX, HEADER_TEXT_MAX)
    longest_nudge, longest_context = NUDGE_MAX * ENTITY_MAX, CONTEXT_MAX * ENTITY_MAX
    assert longest_nudge + theme_header <= SECTION_TEXT_MAX
    assert longest_context <= CONTEXT_TEXT_MAX
    assert NAME_MAX <= OPTION_TEXT_MAX
