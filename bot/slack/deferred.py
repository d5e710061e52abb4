"""Slash commands and form submissions after their ack: what the inbox worker does with them.

A listener checks what it can from the payload alone (a mistake is answered at once, in the
ack), writes the work to the inbox under a key made from Slack's ``trigger_id`` (a replayed
request has the same one, so it is recognised and dropped), and acks. The worker then writes
the main database and answers the person: through the command's ``response_url``, by updating
the form, or with an ephemeral message. A locked main database delays the answer; it never
loses the work. Each Slack answer is its own inbox item, so retrying one never saves twice.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import asdict
from typing import Any

from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot.messages import reflect as rb
from bot.messages import sightings as sb
from bot.services import forms, reflections, sightings
from bot.services.people import forget_person
from bot.services.reflections import Draft
from bot.services.sightings import InvalidSighting
from bot.slack.deps import Deps
from bot.slack.errors import best_effort
from bot.slack.home import publish_home
from bot.worker import Handler

log = logging.getLogger(__name__)
REFLECT_PURPOSES = ("reflect", "reflect-home")
SIGHTING_PURPOSE = "sighting"


def request_key(kind: str, body: dict) -> str:
    """The inbox key of a command or submission: Slack's trigger_id is new for each one and
    the same in a replay, so a replay is recognised."""
    trigger = body.get("trigger_id") or uuid.uuid4().hex
    view_id = (body.get("view") or {}).get("id")
    return f"{kind}:{view_id}:{trigger}" if view_id else f"{kind}:{trigger}"


def defer(deps: Deps, kind: str, key: str, payload: dict[str, Any],
          user: str | None) -> bool:
    """Put work in the inbox; False when the key was seen before (a replay: do nothing)."""
    if deps.inbox is None:
        return False
    return deps.inbox.put(key, kind, {**payload, "key": key}, deps.clock.now(),
                          user=user)


def answer(deps: Deps, p: dict[str, Any], body: dict[str, Any]) -> None:
    """Answer the person through the command's response_url (an inbox item of its own)."""
    if p.get("response_url"):
        defer(deps, "respond", f"{p['key']}:answer", {"url": p["response_url"],
                                                          "body": body}, None)


def update_view(deps: Deps, p: dict[str, Any], view: dict[str, Any]) -> None:
    """Replace the submitted form's "Saving..." with the outcome (an inbox item of its own)."""
    defer(deps, "view_update", f"{p['key']}:view", {"view_id": p["view_id"], "view": view},
          None)


def _later(deps: Deps, kind: str, p: dict[str, Any], payload: dict[str, Any]) -> None:
    defer(deps, kind, f"{p['key']}:{kind}", payload, p["user"])


def respond(p: dict[str, Any]) -> None:
    """POST an answer to a response_url; a 5xx or a dropped connection is retried."""
    response = WebhookClient(p["url"], timeout=10).send_dict(p["body"])
    if response.status_code >= 500 or response.status_code == 429:
        raise ConnectionError(f"response_url answered {response.status_code}")
    if response.status_code != 200:  # expired (30 minutes) or used up: not retried
        log.warning("response_url answered %s (%s); the answer was not shown",
                    response.status_code, response.body[:100])


def handlers(deps: Deps, client: WebClient | None) -> dict[str, Handler]:
    """The inbox handlers for deferred commands and submissions, by kind."""
    store, clock = deps.store, deps.clock

    def modal(p: dict[str, Any]) -> None:
        sighting_id = p.get("sighting_id")
        if p["purpose"] == SIGHTING_PURPOSE and sighting_id is None:  # queued by 0.10
            sighting_id, p = p.get("reflection_id"), {**p, "reflection_id": None}
        forms.remember(store, clock, p["view_id"], p["user"], p["purpose"],
                       channel=p.get("channel"), reflection_id=p.get("reflection_id"),
                       sighting_id=sighting_id, follow_up_id=p.get("follow_up_id"))

    def form_record(p: dict[str, Any], purposes: tuple[str, ...]) -> dict | None:
        """The record of the form submitted, if leadbot opened it for this person."""
        waiting = deps.inbox.waiting if deps.inbox is not None else (lambda _key: False)
        return forms.opened_for(store, p["view_id"], p["user"], purposes, waiting=waiting)

    def reflect_quick(p: dict[str, Any]) -> None:
        saved = reflections.save_quick(store, clock, p["user"], Draft(p["text"], p["choice"]),
                                       themes=set(deps.themes()), channel=p.get("channel"))
        answer(deps, p, {"response_type": "ephemeral",
                         "text": rb.saved_text(saved.get("choice"), False),
                         "blocks": rb.quick_saved(saved["id"], saved.get("text") or "",
                                                  saved.get("choice"))})
        _later(deps, "home", p, {"user": p["user"]})

    def reflect_submit(p: dict[str, Any]) -> None:
        row = form_record(p, REFLECT_PURPOSES)
        if row is None:
            update_view(deps, p, rb.expired_modal())
            return
        p = queued_by_0_11(p)
        draft = Draft(p["text"], p.get("choice"), p.get("theme"), bool(p.get("shared")),
                      bool(p.get("named")))
        if not reflections.submit(store, clock, p["user"], row, draft,
                                  themes=set(deps.themes())):
            update_view(deps, p, rb.saved_modal())  # sent twice: saved the first time
            return
        text = rb.saved_text(draft.choice, draft.shared, draft.named)
        update_view(deps, p, rb.saved_modal(text))
        if row["purpose"] == "reflect" and row["channel"]:
            _later(deps, "ephemeral", p, {"channel": row["channel"], "user": p["user"],
                                          "text": text})
        _later(deps, "home", p, {"user": p["user"]})

    def saw_quick(p: dict[str, Any]) -> None:
        draft = sightings.Draft(**p["draft"])
        try:
            saved = sightings.save_quick(store, clock, p["user"], draft, themes=deps.themes(),
                                         directory=deps.directory, channel=p.get("channel"))
        except InvalidSighting as exc:
            answer(deps, p, {"response_type": "ephemeral",
                             "text": f"Nothing was saved. {exc}",
                             "blocks": sb.help_blocks(str(exc))})
            return
        answer(deps, p, {"response_type": "ephemeral", "text": sb.saved_text(saved),
                         "blocks": sb.quick_saved(saved)})

    def sighting_submit(p: dict[str, Any]) -> None:
        row = form_record(p, (SIGHTING_PURPOSE,))
        if row is None:
            update_view(deps, p, sb.expired_modal())
            return
        p = queued_by_0_11(p)
        try:
            done = sightings.submit(store, clock, p["user"], row, sightings.Draft(**p["draft"]),
                                    themes=deps.themes(), directory=deps.directory,
                                    permalink=p.get("permalink"))
        except InvalidSighting as exc:  # rolled back, the form still open: it can be sent again
            update_view(deps, p, sb.not_saved_modal(str(exc)))
            return
        if done.twice:
            update_view(deps, p, sb.already_saved_modal())
        elif done.sighting is None:
            update_view(deps, p, sb.gone_modal())
        else:
            update_view(deps, p, sb.saved_modal(done.sighting, done.amended))

    def forget(p: dict[str, Any]) -> None:
        # The worker is the only one handling items here: no need to wait for it.
        report = forget_person(store, deps.inbox, p["user"], clock, wait_for_worker=False)
        log.info("forgot a person at their request: %s", report)
        answer(deps, p, {"text": rb.forgotten_text(report), "replace_original": True})
        if client is not None:  # their Home tab, emptied, without queueing anything about them
            best_effort(publish_home, deps=deps, client=client, user=p["user"])

    def view_update(p: dict[str, Any]) -> None:
        if client is not None:
            best_effort(client.views_update, view_id=p["view_id"], view=p["view"])

    return {"modal": modal, "reflect_quick": reflect_quick, "reflect_submit": reflect_submit,
            "saw_quick": saw_quick, "sighting_submit": sighting_submit, "forget": forget,
            "respond": respond, "view_update": view_update}


def queued_by_0_11(p: dict[str, Any]) -> dict[str, Any]:
    """A form's inbox item as today's handlers read it: one queued by 0.11 or before (still
    waiting when the bot was upgraded) called its theme "behavior"."""
    p = dict(p)
    if "behavior" in p:
        p["theme"] = p.pop("behavior")
    if isinstance(p.get("draft"), dict) and "behavior" in p["draft"]:
        p["draft"] = {("theme" if k == "behavior" else k): v for k, v in p["draft"].items()}
    return p


def sighting_draft(draft: sightings.Draft) -> dict[str, Any]:
    """A checked sighting draft as the inbox keeps it."""
    return asdict(draft)
