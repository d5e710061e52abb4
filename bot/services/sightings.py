"""Leadership sightings: someone saw good leadership in a teammate and records it.

The refrain begins "When you see good leadership, follow it": a sighting is that moment written
down, and the person seen is told (with the seer's name, or without it, as the seer chose).
Plain values in and out; the Slack layer turns these into /saw, its form, and the DM.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from bot.channels import Channels
from bot.clock import Clock
from bot.messages.sightings import TEXT_MAX, Amended, sighting_dm
from bot.services.directory import Directory
from bot.services.ports import SlackFailure
from bot.services.reflections import clean_text, cleaned_within
from bot.store import Store

HELP_WORDS = ("help", "?")
OWN_WORDS = ("Noticing your own good work counts too — but a sighting is about someone else. "
             "Try /reflect for your own.")
# A user mention as Slack escapes it (should_escape: true): <@U123> or <@U123|name>.
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_LEADING = re.compile(r"^[\s:,;.\-–—]+")


class InvalidSighting(ValueError):
    """Input that cannot be stored as a sighting; the message says why, for the person, and
    ``field`` which part of the form it is about ("person", "text" or "theme")."""

    def __init__(self, message: str, field: str = "text"):
        super().__init__(message)
        self.field = field


class OwnSighting(InvalidSighting):
    """The seer named themselves: answered with a kind word rather than an error."""

    def __init__(self) -> None:
        super().__init__(OWN_WORDS, "person")


def check_text(text: str | None) -> str:
    """The cleaned text, or InvalidSighting saying what is wrong with it."""
    cleaned, problem = cleaned_within(text, TEXT_MAX,
                                      "Write a few words about what you saw them do.")
    if problem:
        raise InvalidSighting(problem)
    return cleaned


@dataclass(frozen=True)
class Command:
    """What someone asked of ``/saw``: the form (perhaps for a person), a quick sighting, help."""

    action: str  # "open", "quick", "help"
    about: str | None = None
    text: str = ""


def _same(text: str) -> str:
    return text


def parse_command(text: str, plain: Callable[[str], str] = _same) -> Command:
    """Read the words after ``/saw`` as Slack sends them (mentions escaped as ``<@U…>``).

    Nothing opens the form; "help" is the help; otherwise the first person mentioned is the one
    seen. A leading mention is taken off the words; one further in stays, as "@name", so
    "/saw a calm retro by @ada" reads well. ``plain`` turns the rest of Slack's markup into the
    words a person sees. No mention at all is InvalidSighting.
    """
    stripped = (text or "").strip()
    if not stripped:
        return Command("open")
    if stripped.lower() in HELP_WORDS:
        return Command("help")
    match = _MENTION.search(stripped)
    if match is None:
        raise InvalidSighting("Mention the person you saw, picked from Slack's list as you type "
                              "@: `/saw @name what they did`.", "person")
    rest = _LEADING.sub("", stripped[match.end():]) if match.start() == 0 else stripped
    words = clean_text(plain(rest))
    return Command("quick" if words else "open", match.group(1), words)


@dataclass(frozen=True)
class Draft:
    """A sighting as written in the form or the command, before it is stored."""

    about: str | None
    text: str
    theme: str | None = None
    anonymous: bool = False
    in_digest: bool = True

    def checked(self, seer: str, themes: set[str]) -> Draft:
        """This draft cleaned, or InvalidSighting (OwnSighting when it is about the seer)."""
        if not self.about:
            raise InvalidSighting("Pick the person you saw.", "person")
        if self.about == seer:
            raise OwnSighting()
        return self.words_checked(themes)

    def words_checked(self, themes: set[str]) -> Draft:
        """The words, theme and flags cleaned (all "Add details" changes), or InvalidSighting."""
        if self.theme is not None and self.theme not in themes:
            raise InvalidSighting("That theme is no longer in the library; pick another.",
                                  "theme")
        return replace(self, text=check_text(self.text), anonymous=bool(self.anonymous),
                       in_digest=bool(self.in_digest))


def home_channel(channels: Channels, channel_id: str | None, *, direct: bool) -> str | None:
    """The channel a sighting belongs to: the one it was recorded in, unless that was a DM or
    group DM; then, like one written from the Home tab, the team's channel when leadbot has
    only one (else no digest)."""
    return channels.default() if direct else channel_id


def check_person(about: str, directory: Directory | None) -> None:
    """InvalidSighting unless ``about`` is an active person (not an app) Slack knows.

    Without a directory (no Slack at hand: the CLI, unit tests) the check is skipped.
    """
    if directory is None:
        return
    try:
        person = directory.get(about)
    except SlackFailure:
        raise InvalidSighting("Slack did not say who that is just now; please try again.",
                              "person") from None
    if person is None:
        raise InvalidSighting("Slack does not know that person. Pick them from the list as "
                              "you type @.", "person")
    if person.is_bot:
        raise InvalidSighting("That is an app, not a person: a sighting is about a teammate.",
                              "person")
    if person.deleted:
        raise InvalidSighting("That account is deactivated, so nobody would hear it. Pick "
                              "someone active.", "person")


def check(draft: Draft, seer: str, *, themes: set[str],
          directory: Directory | None) -> Draft:
    """The draft cleaned and its person checked, or InvalidSighting."""
    good = draft.checked(seer, themes)
    check_person(good.about or "", directory)
    return good


def save(store: Store, clock: Clock, seer: str, draft: Draft, *, themes: dict[str, str],
         directory: Directory | None, channel: str | None = None,
         permalink: str | None = None) -> int:
    """Check and store a new sighting, and queue the DM that tells the person seen.

    The DM is queued once, here, when the sighting is first recorded; the outbox job sends it
    when that person's settings allow. A later "Add details" rewrites it while it still waits
    (see ``amend``), so it follows the seer's final choice of words and anonymity.
    """
    good = check(draft, seer, themes=set(themes), directory=directory)
    about = good.about or ""
    now = clock.now()
    with store.batch():
        sighting_id = store.record_sighting(
            seer=seer, about=about, text=good.text, at=now, theme=good.theme,
            channel=channel, permalink=permalink, anonymous=good.anonymous,
            in_digest=good.in_digest)
        text, blocks = sighting_dm(store.sighting(sighting_id) or {}, themes)
        store.set_sighting_dm(sighting_id, store.queue_dm(about, "sighting", text, blocks, now))
    return sighting_id


def quick_draft(command: Command, seer: str, themes: set[str]) -> Draft | None:
    """The checked sighting of a quick ``/saw @name what they did`` (None when the command
    opens the form); OwnSighting when the seer named themselves."""
    if command.about == seer:
        raise OwnSighting()
    if command.action != "quick":
        return None
    return Draft(command.about, command.text).checked(seer, themes)


def save_quick(store: Store, clock: Clock, seer: str, draft: Draft, *, themes: dict[str, str],
               directory: Directory | None, channel: str | None = None) -> dict:
    """``save`` for ``/saw``; the stored sighting."""
    sighting_id = save(store, clock, seer, draft, themes=themes, directory=directory,
                       channel=channel)
    return store.sighting(sighting_id) or {"id": sighting_id}


def mine(store: Store, seer: str, sighting_id: str) -> dict | None:
    """The sighting ``seer`` recorded with this id (as a button carries it), else None."""
    row = store.sighting(int(sighting_id)) if sighting_id.isdigit() else None
    return row if row is not None and row["seer"] == seer else None


@dataclass(frozen=True)
class Submitted:
    """What a submitted sighting form did: nothing (sent twice), or the sighting as stored
    (None: forgotten meanwhile) and, for "Add details", what changed."""

    twice: bool
    sighting: dict | None = None
    amended: Amended | None = None


def submit(store: Store, clock: Clock, seer: str, form: dict, draft: Draft, *,
           themes: dict[str, str], directory: Directory | None,
           permalink: str | None = None) -> Submitted:
    """Save a submitted form once: a new sighting, or "Add details" to the one it was opened
    for. InvalidSighting leaves everything as it was (the form can be sent again)."""
    sighting_id, amended = form["sighting_id"], None
    with store.batch():
        if not store.close_modal(form["view_id"], clock.now()):
            return Submitted(True)
        if sighting_id is None:
            sighting_id = save(store, clock, seer, draft, themes=themes, directory=directory,
                               channel=form["channel"], permalink=permalink)
        else:
            amended = amend(store, clock, seer, sighting_id, draft, themes=themes)
    saved = store.sighting(sighting_id)
    if amended is not None and not amended.found:
        saved = None
    return Submitted(False, saved, amended)


def amend(store: Store, clock: Clock, seer: str, sighting_id: int, draft: Draft, *,
          themes: dict[str, str]) -> Amended:
    """Change one of ``seer``'s sightings (words, theme, anonymity, digest) and rewrite its DM
    if it has not left yet. Whom it is about stays as first recorded."""
    existing = store.sighting(sighting_id)
    if existing is None or existing["seer"] != seer:
        return Amended(False)
    good = draft.words_checked(set(themes))
    with store.batch():
        if not store.update_sighting(sighting_id, seer, text=good.text, theme=good.theme,
                                     anonymous=good.anonymous, in_digest=good.in_digest,
                                     at=clock.now()):
            return Amended(False)
        text, blocks = sighting_dm(store.sighting(sighting_id) or {}, themes)
        if store.rewrite_sighting_dm(sighting_id, text, blocks):
            return Amended(True, "rewritten")
        return Amended(True, store.sighting_dm_status(sighting_id))
