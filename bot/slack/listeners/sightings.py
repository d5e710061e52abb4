"""/saw, its form, "Add details", the prompt's "I saw good leadership" and the message shortcut.

Every path answers Slack inside its 3 seconds: the command's answer is its ack, and the form is
opened with the fresh trigger_id (after at most one quick lookup) before anything else. The DM
to the person seen is never sent from here: it is queued in the outbox (see
``bot.services.sightings.save``).
"""

from __future__ import annotations

import logging

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.messages import ids
from bot.messages import sightings as sb
from bot.services import sightings
from bot.services.sightings import Draft, InvalidSighting, OwnSighting
from bot.slack.deferred import defer, request_key, sighting_draft
from bot.slack.deps import Deps
from bot.slack.parse import is_direct_conversation, plain_from_slack
from bot.slack.registry import Registry

log = logging.getLogger(__name__)
PURPOSE = "sighting"
FIELD_BLOCKS = {"person": ids.SIGHTING_PERSON[0], "text": ids.SIGHTING_TEXT[0],
                "theme": ids.SIGHTING_THEME[0]}
NOT_IN_CHANNEL = ("leadbot is not in this channel, so nothing was saved. Use `/saw` in one of "
                  "your team's leadbot channels, or invite leadbot here first.")
NO_FORM = "Slack did not open the form in time; please try again."


def parse_values(values: dict) -> Draft:
    """The sighting form's ``view.state.values`` as a Draft (missing inputs are empty)."""

    def element(pair: tuple[str, str]) -> dict:
        return (values.get(pair[0]) or {}).get(pair[1]) or {}

    theme = element(ids.SIGHTING_THEME).get("selected_option") or {}
    ticked = {o.get("value") for pair in (ids.SIGHTING_ANONYMOUS, ids.SIGHTING_DIGEST)
              for o in element(pair).get("selected_options") or []}
    return Draft(about=element(ids.SIGHTING_PERSON).get("selected_user") or None,
                 text=element(ids.SIGHTING_TEXT).get("value") or "",
                 theme=theme.get("value") or None, anonymous=sb.ANONYMOUS in ticked,
                 in_digest=sb.LEAVE_OUT not in ticked)


def command_channel(deps: Deps, client: WebClient,
                    body: dict) -> tuple[str | None, str | None]:
    """The channel a ``/saw`` belongs to, and None or what to tell the seer.

    From a DM or group DM it belongs, like one written from the Home tab, to the team's channel
    when there is only one (else to no digest), with no Slack lookup."""
    channel = body.get("channel_id")
    if is_direct_conversation(channel, body.get("channel_name")):
        return sightings.home_channel(deps.channels, channel, direct=True), None
    return channel, channel_problem(deps, client, channel)


def channel_problem(deps: Deps, client: WebClient, channel: str | None) -> str | None:
    """None if leadbot is in ``channel`` (configured, or a member), else what to tell the seer."""
    if channel and deps.channels.config_of(channel):
        return None
    if not channel:
        return NOT_IN_CHANNEL
    try:
        info = client.conversations_info(channel=channel)["channel"]
    except SlackApiError as exc:
        if exc.response.get("error") == "channel_not_found":
            return NOT_IN_CHANNEL
        log.warning("conversations.info %s failed: %s", channel, exc.response.get("error"))
        return "Slack did not say whether leadbot is in this channel; please try again."
    return None if info.get("is_member") else NOT_IN_CHANNEL


def open_modal(deps: Deps, client: WebClient, trigger_id: str, user: str, *,
               channel: str | None, about: str | None = None, sighting: dict | None = None,
               permalink: str | None = None) -> str | None:
    """Open the sighting form and remember it; None, or what went wrong, for the person."""
    themes = deps.themes()
    if sighting:
        view = sb.sighting_modal(themes, about=sighting["about"], text=sighting["text"] or "",
                                 theme=sighting["theme"], anonymous=sighting["anonymous"],
                                 in_digest=sighting["in_digest"], details=True)
    else:
        view = sb.sighting_modal(themes, about=about, permalink=permalink)
    try:
        opened = client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as exc:
        log.warning("views.open failed: %s", exc.response.get("error"))
        return NO_FORM
    view_id = opened["view"]["id"]
    defer(deps, "modal", f"modal:{view_id}",
          {"view_id": view_id, "user": user, "purpose": PURPOSE, "channel": channel,
           "sighting_id": sighting["id"] if sighting else None}, user)
    return None


def on_command(ack: Ack, body: dict, client: WebClient, deps: Deps) -> None:
    """``/saw [@person what they did | @person | help]``."""
    user = body.get("user_id", "")
    try:
        request = sightings.parse_command(body.get("text") or "", plain_from_slack)
        if request.action == "help":
            ack(blocks=sb.help_blocks(), text="What /saw can do")
            return
        draft = sightings.quick_draft(request, user, set(deps.themes()))
        channel, problem = command_channel(deps, client, body)
        if problem:
            ack(text=problem)
            return
        if draft is None:
            if request.about:  # a bot or a deactivated account: say so before the form
                sightings.check_person(request.about, deps.directory)
            problem = open_modal(deps, client, body.get("trigger_id", ""), user,
                                 channel=channel, about=request.about)
            if problem:
                ack(text=problem)
            else:
                ack()
            return
        sightings.check_person(draft.about, deps.directory)  # a bot, or deactivated
    except OwnSighting as exc:
        ack(text=str(exc))
        return
    except InvalidSighting as exc:
        ack(blocks=sb.help_blocks(str(exc)), text=f"Nothing was saved. {exc}")
        return
    # saved by the worker, which answers through response_url; a replay is dropped
    defer(deps, "saw_quick", request_key("command", body),
          {"user": user, "draft": sighting_draft(draft), "channel": channel,
           "response_url": body.get("response_url")}, user)
    ack()


def on_submit(ack: Ack, body: dict, deps: Deps) -> None:
    """A submitted sighting form: checked from the payload (and who the person is), mistakes
    shown on their field; then saved (or amended) by the worker, which updates the form."""
    view, user = body.get("view") or {}, (body.get("user") or {}).get("id", "")
    draft = parse_values((view.get("state") or {}).get("values") or {})
    themes = set(deps.themes())
    details = ids.SIGHTING_PERSON[0] not in ((view.get("state") or {}).get("values") or {})
    try:
        if details:  # "Add details": the person is not part of that form
            draft = draft.words_checked(themes)
        else:
            draft = sightings.check(draft, user, themes=themes,
                                    directory=deps.directory)
    except InvalidSighting as exc:
        ack(response_action="errors", errors={FIELD_BLOCKS[exc.field]: str(exc)})
        return
    defer(deps, "sighting_submit", request_key("view", body),
          {"view_id": view.get("id", ""), "user": user, "draft": sighting_draft(draft),
           "permalink": sb.permalink_of(view)}, user)
    ack(response_action="update", view=sb.saving_modal())


def on_prompt_button(ack: Ack, body: dict, client: WebClient, respond: Respond,
                     deps: Deps) -> None:
    """"I saw good leadership" under a prompt: the form, for the prompt's channel."""
    user = (body.get("user") or {}).get("id", "")
    channel = (body.get("container") or {}).get("channel_id") or (
        body.get("channel") or {}).get("id")
    problem = open_modal(deps, client, body.get("trigger_id", ""), user, channel=channel)
    ack()
    if problem and body.get("response_url"):
        respond(text=problem, replace_original=False)


def on_details(ack: Ack, body: dict, client: WebClient, respond: Respond,
               deps: Deps) -> None:
    """"Add details" after a quick ``/saw``: the form, prefilled with that sighting."""
    user = (body.get("user") or {}).get("id", "")
    value = ((body.get("actions") or [{}])[0]).get("value") or ""
    sighting = sightings.mine(deps.store, user, value)
    if sighting is None:
        ack()
        respond(text="That sighting is no longer stored (it may have been forgotten).",
                replace_original=False)
        return
    problem = open_modal(deps, client, body.get("trigger_id", ""), user,
                         channel=sighting["channel"], sighting=sighting)
    ack()
    if problem and body.get("response_url"):
        respond(text=problem, replace_original=False)


def on_shortcut(ack: Ack, body: dict, client: WebClient, respond: Respond,
                deps: Deps) -> None:
    """"I saw good leadership" on a message: the form, its author and link filled in."""
    user = (body.get("user") or {}).get("id", "")
    message = body.get("message") or {}
    where = body.get("channel") or {}
    channel = where.get("id")
    ts = message.get("ts") or body.get("message_ts")
    permalink = None
    if channel and ts:
        try:
            permalink = client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"]
        except SlackApiError as exc:  # a DM leadbot cannot see: the form works without it
            log.info("no permalink for %s/%s: %s", channel, ts, exc.response.get("error"))
    author = message.get("user")
    if message.get("bot_id") or author == user:
        author = None  # an app's message, or one's own: the seer picks the person
    channel = sightings.home_channel(deps.channels, channel,
                                     direct=is_direct_conversation(channel, where.get("name")))
    problem = open_modal(deps, client, body.get("trigger_id", ""), user, channel=channel,
                         about=author, permalink=permalink)
    ack()
    if problem and body.get("response_url"):
        respond(text=problem, response_type="ephemeral")


def register(registry: Registry, deps: Deps) -> None:
    """Attach the sighting listeners."""

    @registry.command(ids.SAW_COMMAND)
    def command(ack: Ack, body: dict, client: WebClient) -> None:
        on_command(ack, body, client, deps)

    @registry.view(ids.SIGHTING_VIEW)
    def submit(ack: Ack, body: dict) -> None:
        on_submit(ack, body, deps)

    @registry.action(ids.SIGHTING_PROMPT_ACTION)
    def from_prompt(ack: Ack, body: dict, client: WebClient, respond: Respond) -> None:
        on_prompt_button(ack, body, client, respond, deps)

    @registry.action(ids.SIGHTING_DETAILS_ACTION)
    def details(ack: Ack, body: dict, client: WebClient, respond: Respond) -> None:
        on_details(ack, body, client, respond, deps)

    @registry.shortcut(ids.SIGHTING_SHORTCUT)
    def shortcut(ack: Ack, body: dict, client: WebClient, respond: Respond) -> None:
        on_shortcut(ack, body, client, respond, deps)
