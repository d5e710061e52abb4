"""Pure Block Kit builders for reflections: the modal, and /reflect's answers (history, stats,
help, forgetting oneself)."""

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
    day_text,
    escape,
    option,
    plain,
    quote,
    section,
    theme_input,
)
from bot.words import plural

TEXT_MAX = 3000  # Slack's own ceiling for a plain_text_input; the modal says it
UNKNOWN_ECHO_MAX = 40  # an unknown word is echoed back, shortened


@dataclass(frozen=True)
class Stats:
    """One person's own numbers."""

    choices: dict[str, int]
    reflections: int
    reflection_choices: dict[str, int]
    themes: list[tuple[str, int]]
    streak: int


def reflect_modal(themes: dict[str, str], *, text: str = "", choice: str | None = None,
                  theme: str | None = None, shared: bool = False,
                  details: bool = False, named: bool = False,
                  placeholder: str | None = None) -> View:
    """The reflection form; prefilled when adding details to a quick reflection (``placeholder``
    replaces the text box's grey suggestion, e.g. the follow-up's questions)."""
    text_el: dict[str, Any] = {
        "type": "plain_text_input", "action_id": ids.REFLECT_TEXT[1], "multiline": True,
        "max_length": TEXT_MAX,
        "placeholder": plain(placeholder or "What did you see, choose and do? What did you "
                                            "learn?"),
    }
    if text:
        text_el["initial_value"] = text[:TEXT_MAX]
    choices = [option(label, value) for value, label in ids.REFLECT_CHOICE_LABELS.items()]
    choice_el: dict[str, Any] = {"type": "radio_buttons", "action_id": ids.REFLECT_CHOICE[1],
                                 "options": choices}
    if choice in ids.REFLECT_CHOICE_LABELS:
        choice_el["initial_option"] = option(ids.REFLECT_CHOICE_LABELS[choice], choice)
    blocks: list[Block] = [
        {"type": "input", "block_id": ids.REFLECT_TEXT[0], "element": text_el,
         "label": plain("What happened?"),
         "hint": plain(f"Up to {TEXT_MAX:,} characters. Only you see it unless you share it "
                        "below.")},
        {"type": "input", "block_id": ids.REFLECT_CHOICE[0], "optional": True,
         "element": choice_el, "label": plain("Which choice was it?")},
    ]
    if themes:
        blocks.append(theme_input(themes, theme, ids.REFLECT_THEME,
                                  "Which theme did it touch?"))
    # What the form says about the name is what is stored when the person shares (in
    # private_metadata): it holds forever, whatever the channel's show_names becomes.
    share = option(f"Share it in the team digest, {_name_words(named)}", "share",
                   f"Unticked, {sharing_words(False, named)}.")
    share_el: dict[str, Any] = {"type": "checkboxes", "action_id": ids.REFLECT_SHARE[1],
                                "options": [share]}
    if shared:
        share_el["initial_options"] = [share]
    blocks.append({"type": "input", "block_id": ids.REFLECT_SHARE[0], "optional": True,
                   "element": share_el, "label": plain("Sharing")})
    return {"type": "modal", "callback_id": ids.REFLECT_VIEW,
            "private_metadata": json.dumps({"named": bool(named)}),
            "title": plain("Add details" if details else "Reflect"),
            "submit": plain("Save"), "close": plain("Cancel"), "blocks": blocks}


def expired_modal() -> View:
    """What replaces a form leadbot has no record of opening (or opened for someone else)."""
    return {"type": "modal", "title": plain("Reflect"), "close": plain("Close"),
            "blocks": [section("This form is no longer open, so nothing was saved. Run "
                                "`/reflect` to write your reflection again.")]}


def saving_modal() -> View:
    """What the form shows the moment it is sent, until the worker has saved it."""
    return {"type": "modal", "title": plain("Reflect"), "close": plain("Close"),
            "blocks": [section(":hourglass_flowing_sand: Saving your reflection...")]}


def saved_modal(confirmation: str | None = None) -> View:
    """The form's own confirmation: what was saved, and who sees it (the same words as
    everywhere); without them, for a form sent twice, that it was saved."""
    said = confirmation or (":white_check_mark: Reflection saved: this form was sent twice, "
                            "and is kept once.")
    return {"type": "modal", "title": plain("Reflect"), "close": plain("Close"),
            "blocks": [section(f"{said} It is on your Home tab.")]}


def _name_words(named: bool) -> str:
    return "with your name" if named else "without your name"


def sharing_words(shared: bool, named: bool) -> str:
    """Who sees a reflection, said the same way in the form, the confirmation, the history and
    the Home tab."""
    return f"shared in the team digest, {_name_words(named)}" if shared else "only you see it"


def form_named(view: dict) -> bool:
    """What a submitted reflection form said about the name when sharing."""
    try:
        return bool(json.loads(view.get("private_metadata") or "{}").get("named"))
    except (ValueError, AttributeError):
        return False


def _choice_words(choice: str | None) -> str:
    return ids.REFLECT_CHOICE_LABELS.get(choice or "", "")


def saved_text(choice: str | None, shared: bool, named: bool = False) -> str:
    """The private confirmation of a stored reflection."""
    parts = [":white_check_mark: Reflection saved"]
    if choice:
        parts.append(f" ({_choice_words(choice)})")
    words = sharing_words(shared, named)
    parts.append(f". {words[0].upper()}{words[1:]}.")
    return "".join(parts)


def quick_saved(reflection_id: int, text: str, choice: str | None) -> list[Block]:
    """The answer to ``/reflect some text``: what was saved, and "Add details"."""
    return [
        section(saved_text(choice, False) + "\n" + quote(clip(escape(text), 600))),
        {"type": "actions", "block_id": "leadbot_quick_saved", "elements": [
            {"type": "button", "action_id": ids.OPEN_REFLECT_ACTION,
             "text": plain("Add details"), "value": str(reflection_id),
             "accessibility_label": "Add details to this reflection in a form"}]},
    ]


def help_blocks(unknown: str | None = None) -> list[Block]:
    """What ``/reflect`` can do."""
    lines = []
    if unknown:
        lines.append(f"`{clip(escape(unknown), UNKNOWN_ECHO_MAX)}` is not something `/reflect` "
                     "knows. To save it as a reflection, write a few more words.")
    lines += [
        "*Reflect on what you followed, took or let go.* Only you see your reflections "
        "unless you share one.",
        "• `/reflect` opens the form",
        "• `/reflect what happened…` saves it straight away (start with `follow:`, `take:` "
        "or `pass:` to say which choice it was)",
        "• `/reflect history` your last 10 reflections",
        "• `/reflect stats` your counts and your weekly streak",
        "• `/reflect settings` pause leadbot's DMs, choose which you get, set quiet hours",
        "• `/reflect forget` delete everything leadbot keeps about you",
        "Your Home tab (open leadbot in the sidebar) shows the same, and what comes next.",
    ]
    return [section("\n".join(lines))]


def history_blocks(reflections: list[dict], themes: dict[str, str], tz: ZoneInfo,
                   follow_ups: list[dict] | None = None,
                   sightings: list[Block] | None = None) -> list[Block]:
    """Someone's last reflections, newest first, then how their recent "take"s went."""
    if not reflections:
        blocks = [section("You have no reflections yet. `/reflect` opens the form; it takes "
                           "a minute, and only you see it.")]
    else:
        blocks = [section(f"*Your last {plural(len(reflections), 'reflection')}*")]
        blocks.extend(reflection_section(row, themes, tz, 400) for row in reflections)
    if follow_ups:
        lines = [_follow_up_line(row, tz) for row in follow_ups]
        blocks.append(section("*How your recent leads went*\n" + "\n".join(lines)))
    blocks.extend(sightings or [])
    return blocks


def _follow_up_line(row: dict, tz: ZoneInfo) -> str:
    outcome = ids.FOLLOW_UP_OUTCOMES.get(row.get("outcome") or "", "not answered yet")
    return f"• Took the lead {day_text(row['chosen_at'], tz)} in <#{row['channel']}>: {outcome}"


def reflection_section(row: dict, themes: dict[str, str], tz: ZoneInfo, limit: int) -> Block:
    """One reflection: its day, choice, theme and who sees it, then its words quoted."""
    meta = [f"*{day_text(row['at'], tz)}*"]
    if row.get("choice"):
        meta.append(_choice_words(row["choice"]))
    if row.get("theme"):
        meta.append(escape(themes.get(row["theme"], row["theme"])))
    meta.append(sharing_words(bool(row.get("shared")), bool(row.get("shared_named"))))
    return section(" · ".join(meta) + "\n" + quote(clip(escape(row["text"] or ""), limit)))


def stats_blocks(stats: Stats, themes: dict[str, str]) -> list[Block]:
    """Someone's own numbers."""
    c, r = stats.choices, stats.reflection_choices
    lines = [
        "*Your numbers*",
        f"On prompts: {c['follow']} follow · {c['take']} take the lead · {c['pass']} pass",
        f"Reflections: {stats.reflections} ({r['follow']} followed · {r['take']} took the "
        f"lead · {r['pass']} let go)",
    ]
    if stats.themes:
        lines.append("Themes: " + ", ".join(f"{escape(themes.get(t, t))} {n}"
                                            for t, n in stats.themes))
    lines.append(streak_line(stats.streak))
    return [section("\n".join(lines))]


def streak_line(streak: int) -> str:
    """The weekly streak in words."""
    if streak == 0:
        return "Weekly streak: none yet. One answer or reflection this week starts one."
    return f"Weekly streak: {streak} week{'s' if streak != 1 else ''} in a row :seedling:"


FORGET_WORDS = {"choices": ("choice", "choices"), "replies": ("thread reply", "thread replies"),
                "reactions": ("reaction", "reactions"),
                "reflections": ("reflection", "reflections"),
                "follow_ups": ("follow-up", "follow-ups"),
                "follow-ups": ("follow-up", "follow-ups"), "settings": ("setting", "settings"),
                "sightings": ("sighting you recorded", "sightings you recorded"),
                "sightings about them": ("sighting about you", "sightings about you"),
                "messages waiting": ("message waiting to be sent", "messages waiting to be sent"),
                "sent messages quoting them": ("sent message quoting you",
                                               "sent messages quoting you"),
                "pending answers": ("answer not yet recorded", "answers not yet recorded")}


def _held(counts: dict[str, int]) -> str:
    """"1 choice, 2 thread replies, ..." for what forget deletes."""
    return ", ".join(plural(n, *FORGET_WORDS.get(k, (k, k))) for k, n in counts.items())


def forget_confirm(held: dict[str, int]) -> list[Block]:
    """Ask before deleting everything about someone."""
    listed = _held(held)
    return [
        section(f"*Delete everything leadbot keeps about you?*\nThat is {listed}. It cannot "
                 "be undone. Counts already shown in channels are not rewritten."),
        {"type": "actions", "block_id": "leadbot_forget", "elements": [
            {"type": "button", "action_id": ids.FORGET_CONFIRM_ACTION, "style": "danger",
             "text": plain("Delete everything"), "value": "forget",
             "accessibility_label": "Delete everything leadbot keeps about you"},
            {"type": "button", "action_id": ids.FORGET_CANCEL_ACTION,
             "text": plain("Keep it"), "value": "keep",
             "accessibility_label": "Keep your data and delete nothing"}]},
    ]


def forgotten_text(report: dict[str, int]) -> str:
    """What forgetting deleted."""
    listed = _held(report)
    return f":wastebasket: Done. Deleted {listed}. leadbot keeps nothing else about you."
