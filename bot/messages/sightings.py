"""Pure Block Kit builders for leadership sightings: the form, /saw's answers, the DM to the
person seen, and the "Leadership seen" list on someone's history and Home tab."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from bot.messages import ids
from bot.messages.kit import (
    Block,
    View,
    clip,
    context,
    day_text,
    escape,
    option,
    plain,
    quote,
    section,
    theme_input,
)

TEXT_MAX = 1000  # a sighting is a moment, not an essay; the form and /saw help say so
TITLE = "Leadership sighting"
ANONYMOUS = "anonymous"
LEAVE_OUT = "leave_out"



@dataclass(frozen=True)
class Amended:
    """What "Add details" changed: whether the sighting was still there, and its DM's fate."""

    found: bool
    # "rewritten" (it was still waiting), else the DM's status ("sending", "sent",
    # "cancelled"), or None when there is no DM to speak of.
    dm: str | None = None


def _checkbox(pair: tuple[str, str], option: dict, ticked: bool, label: str) -> Block:
    element: dict[str, Any] = {"type": "checkboxes", "action_id": pair[1], "options": [option]}
    if ticked:
        element["initial_options"] = [option]
    return {"type": "input", "block_id": pair[0], "optional": True, "element": element,
            "label": plain(label)}


def sighting_modal(themes: dict[str, str], *, about: str | None = None, text: str = "",
                   theme: str | None = None, anonymous: bool = False, in_digest: bool = True,
                   details: bool = False, permalink: str | None = None) -> View:
    """The sighting form: empty, prefilled with a person (and the message a shortcut was used
    on), or, for "Add details", with a stored sighting whose person no longer changes."""
    blocks: list[Block] = []
    if details:
        blocks.append(section(f"You saw good leadership in <@{about}>."))
    else:
        person: dict[str, Any] = {"type": "users_select", "action_id": ids.SIGHTING_PERSON[1],
                                  "placeholder": plain("Pick a teammate")}
        if about:
            person["initial_user"] = about
        blocks.append({"type": "input", "block_id": ids.SIGHTING_PERSON[0], "element": person,
                       "label": plain("Whom did you see leading?")})
    if permalink:
        blocks.append(context(f"About <{permalink}|this message>."))
    text_el: dict[str, Any] = {
        "type": "plain_text_input", "action_id": ids.SIGHTING_TEXT[1], "multiline": True,
        "max_length": TEXT_MAX,
        "placeholder": plain("What did they do? e.g. asked the quietest person first"),
    }
    if text:
        text_el["initial_value"] = text[:TEXT_MAX]
    blocks.append({"type": "input", "block_id": ids.SIGHTING_TEXT[0], "element": text_el,
                   "label": plain("What did you see?"),
                   "hint": plain(f"Up to {TEXT_MAX:,} characters. They will read these "
                                  "words.")})
    if themes:
        blocks.append(theme_input(themes, theme, ids.SIGHTING_THEME, "Which theme was it?"))
    blocks.append(_checkbox(ids.SIGHTING_ANONYMOUS, option(
        "Tell them anonymously", ANONYMOUS, "They see your words, not your name."),
        anonymous, "Your name"))
    blocks.append(_checkbox(ids.SIGHTING_DIGEST, option(
        "Leave it out of the team digest", LEAVE_OUT, "Only they and you will see it."),
        not in_digest, "Team digest"))
    view: View = {"type": "modal", "callback_id": ids.SIGHTING_VIEW,
                  "title": plain("Add details" if details else TITLE),
                  "submit": plain("Save"), "close": plain("Cancel"), "blocks": blocks}
    if permalink:
        view["private_metadata"] = json.dumps({"permalink": permalink})
    return view


def permalink_of(view: dict) -> str | None:
    """The permalink a shortcut's form carries (None for the other forms)."""
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return None
    link = meta.get("permalink") if isinstance(meta, dict) else None
    return link if isinstance(link, str) and link.startswith("https://") else None


def expired_modal() -> View:
    """What replaces a form leadbot has no record of opening (or opened for someone else)."""
    return {"type": "modal", "title": plain(TITLE), "close": plain("Close"),
            "blocks": [section("This form is no longer open, so nothing was saved. Run "
                                "`/saw` to record what you saw again.")]}


def saving_modal() -> View:
    """What the form shows the moment it is sent, until the worker has saved it."""
    return {"type": "modal", "title": plain(TITLE), "close": plain("Close"),
            "blocks": [section(":hourglass_flowing_sand: Saving what you saw...")]}


def already_saved_modal() -> View:
    """The same form sent twice: the first one was saved."""
    return {"type": "modal", "title": plain(TITLE), "close": plain("Close"),
            "blocks": [section(":white_check_mark: Already saved: this form was sent twice, "
                               "and is kept once.")]}


def not_saved_modal(reason: str) -> View:
    """A submitted form the worker could not store (the person was deactivated meanwhile)."""
    return {"type": "modal", "title": plain(TITLE), "close": plain("Close"),
            "blocks": [section(f"Nothing was saved. {escape(reason)}")]}


def gone_modal() -> View:
    """"Add details" on a sighting that is no longer stored (forgotten meanwhile)."""
    return {"type": "modal", "title": plain(TITLE), "close": plain("Close"),
            "blocks": [section("That sighting is no longer stored (it may have been "
                                "forgotten), so nothing was changed.")]}


def saved_text(row: dict) -> str:
    """The private confirmation of a stored sighting: who hears it, and where it shows."""
    name = "without your name" if row["anonymous"] else "with your name"
    digest = ("It can appear in the team digest." if row["in_digest"]
              else "It stays out of the team digest.")
    return (f":white_check_mark: Noted: you saw good leadership in <@{row['about']}>. They'll "
            f"get a note quoting you, {name}. {digest}")


def _amended_text(row: dict, amended: Amended) -> str:
    name = "without your name" if row["anonymous"] else "with your name"
    digest = ("It can appear in the team digest." if row["in_digest"]
              else "It stays out of the team digest.")
    if amended.dm == "rewritten":
        told = f"The note to <@{row['about']}> now reads as you changed it, {name}."
    elif amended.dm in ("sending", "sent"):
        told = (f"<@{row['about']}> was already told as you first wrote it; this changes the "
                "record, not that note.")
    else:
        told = f"<@{row['about']}> will not get a note about it."
    return f":white_check_mark: Saved. {told} {digest}"


def saved_modal(row: dict, amended: Amended | None = None) -> View:
    """The form's own confirmation, after a new sighting or "Add details"."""
    text = saved_text(row) if amended is None else _amended_text(row, amended)
    return {"type": "modal", "title": plain(TITLE), "close": plain("Close"),
            "blocks": [section(text)]}


def quick_saved(row: dict) -> list[Block]:
    """The answer to ``/saw @someone what they did``: what was saved, and "Add details"."""
    return [
        section(saved_text(row) + "\n" + quote(clip(escape(row["text"] or ""), 600))),
        {"type": "actions", "block_id": "leadbot_sighting_saved", "elements": [
            {"type": "button", "action_id": ids.SIGHTING_DETAILS_ACTION,
             "text": plain("Add details"), "value": str(row["id"]),
             "accessibility_label": "Add a theme, or change who sees this sighting"}]},
    ]


def sighting_dm(row: dict, themes: dict[str, str]) -> tuple[str, list[Block]]:
    """The DM to the person seen: what was seen, by whom unless anonymous; (text, blocks)."""
    who = "A teammate" if row["anonymous"] else f"<@{row['seer']}>"
    headline = f"{who} saw good leadership in you"
    lines = [f":raised_hands: *{headline}* and wanted you to know:",
             quote(clip(escape(row["text"] or ""), 2500))]
    meta = []
    if row.get("theme"):
        meta.append(escape(themes.get(row["theme"], row["theme"])))
    if row.get("permalink"):
        meta.append(f"<{row['permalink']}|the message it was about>")
    elif row.get("channel") and row["channel"][:1] in ("C", "G"):
        meta.append(f"in <#{row['channel']}>")
    blocks = [section("\n".join(lines))]
    if meta:
        blocks.append(context(" · ".join(meta)))
    blocks.append(context("_When you see good leadership, follow it if you wish._ — John Shook,"
                           " “Lead from the Front, Lead from Behind”"
                           " · `/reflect settings` turns these notes off."))
    return headline + ".", blocks


def help_blocks(problem: str | None = None) -> list[Block]:
    """What ``/saw`` can do, after what went wrong (nothing is saved when there is one)."""
    lines = []
    if problem:
        lines.append(f"Nothing was saved. {escape(problem)}")
    lines += [
        "*Record good leadership you saw in someone.* They get a short note quoting you.",
        "• `/saw @name what they did` records it straight away, with your name "
        "(\"Add details\" then picks a theme or makes it anonymous)",
        "• `/saw` or `/saw @name` opens the form: a theme, anonymous, or out of the team digest",
        "• On any message: *More actions* (⋯) → *I saw good leadership*",
        f"Up to {TEXT_MAX:,} characters. For your own good work, there is `/reflect`.",
    ]
    return [section("\n".join(lines))]


def sightings_section(given: list[dict], received: list[dict], tz: ZoneInfo,
                      limit: int = 200) -> list[Block]:
    """Leadership the person saw in others, and others saw in them (anonymous stays so)."""
    lines = []
    for row in received:
        by = f"<@{row['seer']}>" if not row.get("anonymous") else "a teammate"
        lines.append(f"• {day_text(row['at'], tz)}: {by} saw you lead: "
                     f"_{clip(escape(row.get('text') or '(words deleted)'), limit)}_")
    for row in given:
        lines.append(f"• {day_text(row['at'], tz)}: you saw <@{row['about']}> lead: "
                     f"_{clip(escape(row.get('text') or '(words deleted)'), limit)}_")
    if not lines:
        return []
    return [section("*Leadership seen*\n" + "\n".join(lines))]
