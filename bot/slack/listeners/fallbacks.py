"""Acknowledge everything Slack can send that no other listener took.

Registered last: Bolt gives a request to the first listener that matches it. Without these, an
event type subscribed without a listener gets 404 in HTTP mode (Slack retries it for an hour),
and an out-of-date form or button is never acknowledged (the person sees an error in Slack).
"""

from __future__ import annotations

import logging
import re

from slack_bolt import Ack, App

from bot.messages.fallbacks import out_of_date_modal

log = logging.getLogger(__name__)
ANY = re.compile(".*")


def on_unknown_form(ack: Ack, body: dict) -> None:
    """A submitted form leadbot does not know: replace it with a polite "out of date"."""
    log.info("a form with unknown callback_id %r was submitted",
             (body.get("view") or {}).get("callback_id"))
    ack(response_action="update", view=out_of_date_modal())


def on_unknown(ack: Ack, body: dict) -> None:
    """Anything else: acknowledged, and logged once at info level."""
    kind = body.get("type") or (body.get("event") or {}).get("type")
    detail = ([a.get("action_id") for a in body.get("actions") or []]
              or body.get("callback_id") or (body.get("event") or {}).get("type"))
    log.info("acknowledged a %s that no listener handles (%s)", kind, detail)
    ack()


def register(app: App) -> None:
    """Catch-alls for views, actions, shortcuts, options and events; call after every area."""
    app.view(ANY)(on_unknown_form)
    app.view_closed(ANY)(on_unknown)
    app.action(ANY)(on_unknown)
    app.shortcut(ANY)(on_unknown)
    app.options(ANY)(on_unknown)
    app.event(ANY)(on_unknown)
