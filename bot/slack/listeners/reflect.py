"""/reflect, its modal, "Add details", forgetting oneself, and the Home tab.

Every path answers Slack inside its 3 seconds: the command's answer is its ack, the modal is
opened with the fresh trigger_id before anything else, and Slack calls that are not needed for
the answer (the Home tab, a confirmation) go to the inbox for the worker.
"""

from __future__ import annotations

import logging
import uuid

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.messages import ids
from bot.messages import reflect as rb
from bot.messages.follow_up import REFLECT_PLACEHOLDER
from bot.messages.settings import settings_blocks
from bot.messages.sightings import sightings_section
from bot.services import follow_ups, forms, people, person_settings, reflections
from bot.services.reflections import Draft, InvalidReflection
from bot.slack.deferred import defer, request_key
from bot.slack.deps import Deps
from bot.slack.parse import parse_reflect_values, plain_from_slack
from bot.slack.registry import Registry

log = logging.getLogger(__name__)
FIELD_BLOCKS = {"text": ids.REFLECT_TEXT[0], "choice": ids.REFLECT_CHOICE[0],
                "theme": ids.REFLECT_THEME[0]}
HISTORY_LIMIT = 10
PURPOSES = ("reflect", "reflect-home")


def _later(deps: Deps, kind: str, payload: dict, user: str) -> None:
    """Queue Slack work that the answer does not wait for."""
    if deps.inbox is not None:
        deps.inbox.put(f"{kind}:{user}:{uuid.uuid4().hex}", kind, payload,
                       deps.clock.now(), user=user)


def refresh_home(deps: Deps, user: str) -> None:
    """Republish ``user``'s Home tab soon."""
    _later(deps, "home", {"user": user}, user)


def open_modal(deps: Deps, client: WebClient, trigger_id: str, user: str, *,
               channel: str | None, reflection: dict | None = None,
               follow_up: dict | None = None) -> str | None:
    """Open the reflection form and remember it; None, or what went wrong, for the person."""
    themes = deps.themes()
    form = forms.reflect_form(deps.channels, channel, follow_up=follow_up is not None)
    named = form.named
    if reflection:
        view = rb.reflect_modal(themes, text=reflection["text"] or "",
                                choice=reflection["choice"], theme=reflection["theme"],
                                shared=bool(reflection["shared"]), details=True, named=named)
    elif follow_up:
        view = rb.reflect_modal(themes, choice="take", named=named,
                                placeholder=REFLECT_PLACEHOLDER)
    else:
        view = rb.reflect_modal(themes, named=named)
    try:
        opened = client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as exc:
        log.warning("views.open failed: %s", exc.response.get("error"))
        return "Slack did not open the form in time; please try again."
    view_id = opened["view"]["id"]
    # Through the inbox, like the submission that will follow it: a locked database delays it.
    defer(deps, "modal", f"modal:{view_id}",
          {"view_id": view_id, "user": user, "purpose": form.purpose, "channel": form.channel,
           "reflection_id": reflection["id"] if reflection else None,
           "follow_up_id": follow_up["id"] if follow_up else None}, user)
    return None


def on_command(ack: Ack, body: dict, client: WebClient, deps: Deps) -> None:
    """``/reflect [text | history | stats | forget | help]``."""
    user, channel = body.get("user_id", ""), body.get("channel_id")
    request = reflections.parse_request(plain_from_slack(body.get("text") or ""))
    tz = deps.config.timezone
    if request.action == "open":
        problem = open_modal(deps, client, body.get("trigger_id", ""), user,
                             channel=channel)
        if problem:
            ack(text=problem)
        else:
            ack()
    elif request.action == "quick":
        try:
            draft = Draft(request.text, request.choice).checked(set(deps.themes()))
        except InvalidReflection as exc:
            ack(text=f"Nothing was saved. {exc} (`/reflect` opens the form.)")
            return
        # saved by the worker, which answers through response_url; a replay is dropped
        defer(deps, "reflect_quick", request_key("command", body),
              {"user": user, "channel": forms.kept_channel(deps.channels, channel),
               "text": draft.text, "choice": draft.choice,
               "response_url": body.get("response_url")}, user)
        ack()
    elif request.action == "history":
        past = reflections.history(deps.store, user, HISTORY_LIMIT)
        seen = sightings_section(past.seen_by, past.seen_about, tz)
        ack(blocks=rb.history_blocks(past.reflections, deps.themes(), tz, past.follow_ups, seen),
            text="Your last reflections")
    elif request.action == "stats":
        stats = reflections.personal_stats(deps.store, user, tz, deps.clock.now())
        ack(blocks=rb.stats_blocks(stats, deps.themes()), text="Your numbers")
    elif request.action == "settings":
        ack(blocks=settings_blocks(person_settings.of(deps.store, user), deps.clock.now(),
                                   deps.user_tz(user)), text="Your settings")
    elif request.action == "forget":
        ack(blocks=rb.forget_confirm(people.held(deps.store, deps.inbox, user)),
            text="Delete everything leadbot keeps about you?")
    else:
        ack(blocks=rb.help_blocks(request.text if request.action == "unknown" else None),
            text="What /reflect can do")


def on_submit(ack: Ack, body: dict, deps: Deps) -> None:
    """A submitted reflection form: checked from the payload alone (mistakes shown on their
    field), then saved by the worker, which replaces "Saving..." with the outcome."""
    view, user = body.get("view") or {}, (body.get("user") or {}).get("id", "")
    draft = parse_reflect_values((view.get("state") or {}).get("values") or {})
    try:
        draft = draft.checked(set(deps.themes()))
    except InvalidReflection as exc:
        ack(response_action="errors", errors={FIELD_BLOCKS[exc.field]: str(exc)})
        return
    defer(deps, "reflect_submit", request_key("view", body),
          {"view_id": view.get("id", ""), "user": user, "text": draft.text,
           "choice": draft.choice, "theme": draft.theme, "shared": draft.shared,
           # what the form said about the name when they shared: kept with the reflection
           "named": draft.shared and rb.form_named(view)}, user)
    ack(response_action="update", view=rb.saving_modal())


def on_open(ack: Ack, body: dict, client: WebClient, respond: Respond,
            deps: Deps) -> None:
    """"Write a reflection" (Home tab) or "Add details" (after a quick reflection)."""
    user = (body.get("user") or {}).get("id", "")
    value = ((body.get("actions") or [{}])[0]).get("value") or ""
    channel = (body.get("container") or {}).get("channel_id") or (
        body.get("channel") or {}).get("id")
    reflection = follow_up = None
    if value.startswith(ids.FOLLOW_UP_REFLECT_PREFIX):
        follow_up = follow_ups.mine(deps.store, user,
                                    value.removeprefix(ids.FOLLOW_UP_REFLECT_PREFIX))
        if follow_up is None:
            ack()
            respond(text="That follow-up is no longer stored (it may have been forgotten).",
                    replace_original=False)
            return
        channel = follow_up["channel"]
    elif value.isdigit():
        reflection = reflections.mine(deps.store, user, value)
        if reflection is None:
            ack()
            respond(text="That reflection is no longer stored (it may have been forgotten).",
                    replace_original=False)
            return
        channel = reflection["channel"] or channel
    problem = open_modal(deps, client, body.get("trigger_id", ""), user,
                         channel=channel, reflection=reflection,
                         follow_up=follow_up)
    ack()
    if problem and body.get("response_url"):
        respond(text=problem, replace_original=False)


def on_forget(ack: Ack, body: dict, deps: Deps) -> None:
    """The confirmed ``/reflect forget``: the worker deletes everything about whoever clicked
    (in order with their other answers) and says what it deleted."""
    user = (body.get("user") or {}).get("id", "")
    defer(deps, "forget", request_key("forget", body),
          {"user": user, "response_url": body.get("response_url")}, user)
    ack()


def on_keep(ack: Ack, respond: Respond) -> None:
    """``/reflect forget`` cancelled."""
    ack()
    respond(text="Nothing was deleted.", replace_original=True)


def on_home_opened(ack: Ack, body: dict, deps: Deps) -> None:
    """Someone opened leadbot's Home tab: publish it fresh (through the inbox)."""
    event = body.get("event") or {}
    user = event.get("user")
    if event.get("tab") == "home" and user and deps.inbox is not None:
        deps.inbox.put(f"event:{body.get('event_id') or event.get('event_ts')}", "home",
                       {"user": user}, deps.clock.now(), user=user)
    ack()


def register(registry: Registry, deps: Deps) -> None:
    """Attach the reflection listeners."""

    @registry.command(ids.REFLECT_COMMAND)
    def command(ack: Ack, body: dict, client: WebClient) -> None:
        on_command(ack, body, client, deps)

    @registry.view(ids.REFLECT_VIEW)
    def submit(ack: Ack, body: dict) -> None:
        on_submit(ack, body, deps)

    @registry.action(ids.OPEN_REFLECT_ACTION)
    def open_form(ack: Ack, body: dict, client: WebClient, respond: Respond) -> None:
        on_open(ack, body, client, respond, deps)

    @registry.action(ids.FORGET_CONFIRM_ACTION)
    def forget(ack: Ack, body: dict) -> None:
        on_forget(ack, body, deps)

    @registry.action(ids.FORGET_CANCEL_ACTION)
    def keep(ack: Ack, respond: Respond) -> None:
        on_keep(ack, respond)

    @registry.event("app_home_opened")
    def home(ack: Ack, body: dict) -> None:
        on_home_opened(ack, body, deps)
