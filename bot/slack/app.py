"""create_app wires a Bolt App to our client and listeners; nothing is built at import time."""

from __future__ import annotations

import logging

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient

from bot.slack.deps import Deps
from bot.slack.listeners import (
    admin,
    answers,
    choices,
    fallbacks,
    follow_ups,
    reflect,
    settings,
    sightings,
)
from bot.slack.registry import Registry

log = logging.getLogger(__name__)
# What reading a payload of an unexpected shape raises (a list where a dict belongs...).
SHAPE_ERRORS = (KeyError, TypeError, AttributeError, IndexError)


def create_app(client: WebClient, signing_secret: str | None, deps: Deps) -> App:
    """A Bolt App that uses ``client`` (and so its base URL) for every Web API call."""
    app = App(
        client=client,
        signing_secret=signing_secret or "",
        token_verification_enabled=False,  # the runtime already called auth.test
        request_verification_enabled=bool(signing_secret),
        # Listeners only write to the inbox (fast), so Slack gets its ack once the work is on
        # disk; the inbox worker does the rest.
        process_before_response=True,
        raise_error_for_unhandled_request=False,
        logger=logging.getLogger("leadbot.bolt"),
    )
    register(app, deps)
    return app


def register(app: App, deps: Deps) -> Registry:
    """Attach every listener area; return what was registered."""
    registry = Registry(app)
    # Events first: they are the busiest path, and Bolt tries listeners in this order.
    answers.register(registry, deps)
    choices.register(registry, deps)
    reflect.register(registry, deps)
    follow_ups.register(registry, deps)
    settings.register(registry, deps)
    sightings.register(registry, deps)
    admin.register(registry, deps)
    fallbacks.register(app)  # last: it takes whatever no listener above took

    @app.error
    def on_error(error: Exception, body: dict) -> BoltResponse | None:
        kind = (body or {}).get("type") if isinstance(body, dict) else type(body).__name__
        if isinstance(error, SHAPE_ERRORS):
            # A payload shaped unlike anything Slack sends (only someone holding the signing
            # secret can send one): refused with 400 and one line, not 500 and a traceback.
            log.warning("refused a %s payload of an unexpected shape (%s: %s)", kind,
                        type(error).__name__, str(error)[:200])
            return BoltResponse(status=400, body="unexpected payload shape")
        log.exception("listener failed on %s", kind, exc_info=error)
        return None

    return registry
