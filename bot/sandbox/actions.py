"""What a person does on the sandbox's page, turned into what Slack would send the bot: the
payload of a click, a message or a command, a form's submission, a reaction, each delivered
over Socket Mode and waited for (so these run in the page's worker threads, not the server's
event loop); and the "make time pass" buttons."""

from __future__ import annotations

import re
from typing import Any

from bot.sandbox import payloads
from bot.sandbox.workspace.methods import MAX_TEXT, REACTION_NAME

SHORTCUT = "leadbot_sighting_shortcut"


class Actions:
    """Acts for the person chosen in "You are": ``do_<name>`` answers ``POST /sandbox/<name>``
    (a LookupError becomes a 404)."""

    def __init__(self, sandbox) -> None:
        self.sandbox = sandbox
        self.fake = sandbox.fake
        self.ws = sandbox.fake.workspace
        self.lock = sandbox.fake.server.lock

    def _person(self, data: dict) -> tuple[str, str]:
        user = data.get("as", "")
        with self.lock:
            if user not in self.ws.users:
                raise LookupError(f"no person {user!r}")
            return user, self.ws.users[user].name

    def _send(self, kind: str, payload: dict) -> dict:
        envelope_id = self.fake.send_socket(kind, payload)
        return self.fake.wait_for_ack(envelope_id, timeout=10).get("payload") or {}

    def _event(self, event: dict) -> None:
        self._send("events_api", self.fake.event_envelope(event))

    def do_action(self, data: dict) -> dict:
        user, name = self._person(data)
        action = {"type": data.get("type") or "button", "action_id": data["action_id"],
                  "block_id": data.get("block_id") or "", **_picked(data)}
        trigger = self.sandbox.new_trigger(user)
        if data.get("view_id"):
            with self.lock:
                view = dict(self.ws.views.get(data["view_id"]) or {})
            if not view:
                raise LookupError("no such view")
            payload = payloads.block_actions(user=user, name=name, action=action,
                                             trigger_id=trigger, view=view)
        else:
            channel, ts, ephemeral = data["channel"], data["ts"], bool(data.get("ephemeral"))
            with self.lock:
                pool = self.ws.ephemerals if ephemeral else self.ws.messages.get(channel, [])
                message = next((dict(m) for m in pool if m["ts"] == ts), None)
            if message is None:
                raise LookupError("no such message")
            url = self.sandbox.response_url("actions", {"channel": channel, "user": user,
                                                        "ts": ts, "ephemeral": ephemeral})
            payload = payloads.block_actions(user=user, name=name, action=action,
                                             trigger_id=trigger, message=message,
                                             channel=channel, response_url=url,
                                             ephemeral=ephemeral)
        self._send("interactive", payload)
        return {}

    def do_send(self, data: dict) -> dict:
        """A message, a thread reply, or (starting with "/") a slash command."""
        user, _name = self._person(data)
        channel, text = data["channel"], (data.get("text") or "").strip()
        if not text:
            return {"error": "Write something first."}
        if len(text) > MAX_TEXT:
            return {"error": _too_long(text)}
        if text.startswith("/"):
            command, _, rest = text.partition(" ")
            return self._command(user, channel, command, rest)
        with self.lock:
            message = self.ws.add_message(channel, text, user=user,
                                          thread_ts=data.get("thread_ts") or None)
            message = dict(message)
        self._event(payloads.message_event(message))
        return {"ts": message["ts"]}

    def _command(self, user: str, channel: str, command: str, text: str) -> dict:
        known = {"/reflect", "/leadbot", "/saw"}
        if command not in known:
            return {"error": f"{command} is not a command here; try "
                             f"{', '.join(sorted(known))}."}
        payload = self.fake.command_payload(command, self._escape_command(text), user, channel)
        trigger = payload["trigger_id"]
        self.sandbox.triggers[trigger] = user
        self.sandbox.contexts[payload["response_url"]] = {"channel": channel, "user": user}
        answer = self._send("slash_commands", payload)
        if answer.get("text") or answer.get("blocks"):
            with self.lock:
                self.ws.ephemerals.append({
                    "type": "message", "ts": self.ws.next_ts(), "channel": channel,
                    "user": user, "text": answer.get("text") or "",
                    "blocks": answer.get("blocks") or [], "bot_id": self.ws.bot_id})
        return {}

    def _escape_command(self, text: str) -> str:
        """What Slack does to a command's text with should_escape: &, < and > escaped, and
        @person / #channel turned into <@U…|name> / <#C…|name>."""
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        with self.lock:
            people = {u.name.lower(): u.id for u in self.ws.users.values()}
            people.update({(u.real_name or "").split(" ")[0].lower(): u.id
                           for u in self.ws.users.values() if u.real_name})
            rooms = {c.name.lower(): c.id for c in self.ws.channels.values() if not c.is_im}

        def person(match: re.Match) -> str:
            found = people.get(match.group(1).lower())
            return f"<@{found}|{match.group(1)}>" if found else match.group(0)

        def room(match: re.Match) -> str:
            found = rooms.get(match.group(1).lower())
            return f"<#{found}|{match.group(1)}>" if found else match.group(0)

        text = re.sub(r"(?<![\w<])@([\w.-]+)", person, text)
        return re.sub(r"(?<![\w<&])#([\w-]+)", room, text)

    def _own(self, user: str, channel: str, ts: str, verb: str) -> dict:
        """The person's own message (call with the lock held), or LookupError."""
        message = self.ws.find_message(channel, ts)
        if message is None or message.get("user") != user or message.get("bot_id"):
            raise LookupError(f"you can only {verb} your own messages")
        return message

    def do_edit(self, data: dict) -> dict:
        user, _name = self._person(data)
        channel, ts = data["channel"], data["ts"]
        if len(data.get("text") or "") > MAX_TEXT:
            return {"error": _too_long(data["text"])}
        with self.lock:
            message = self._own(user, channel, ts, "edit")
            before = dict(message)
            edited_ts = self.ws.next_ts()
            message.update(text=data.get("text") or "", edited={"user": user, "ts": edited_ts})
            after = dict(message)
        self._event(payloads.message_changed(channel, before, after, edited_ts))
        return {}

    def do_delete(self, data: dict) -> dict:
        user, _name = self._person(data)
        channel, ts = data["channel"], data["ts"]
        with self.lock:
            message = self._own(user, channel, ts, "delete")
            self.ws.messages[channel].remove(message)
            event_ts = self.ws.next_ts()
        self._event(payloads.message_deleted(channel, message, event_ts))
        return {}

    def do_submit(self, data: dict) -> dict:
        user, name = self._person(data)
        with self.lock:
            view = dict(self.ws.views.get(data.get("view_id", "")) or {})
        if not view:
            raise LookupError("no such view")
        values = payloads.state_values(view, data.get("values") or {})
        answer = self._send("interactive", payloads.view_submission(
            user=user, name=name, view=view, values=values,
            trigger_id=self.sandbox.new_trigger(user)))
        action = answer.get("response_action")
        if action == "errors":
            return {"errors": answer.get("errors") or {}}
        if action in ("update", "push") and answer.get("view"):
            with self.lock:
                stored = self.ws.views[view["id"]]
                stored.update(blocks=answer["view"].get("blocks", []),
                              title=answer["view"].get("title"),
                              submit=answer["view"].get("submit"),
                              close=answer["view"].get("close"))
            return {}
        self.sandbox.closed_views.add(view["id"])
        return {}

    def do_close(self, data: dict) -> dict:
        self.sandbox.closed_views.add(data.get("view_id", ""))
        return {}

    def do_home(self, data: dict) -> dict:
        user, _name = self._person(data)
        with self.lock:
            view_id = self.ws.home_views.get(user)
        self._event(payloads.app_home_opened(user, view_id))
        return {}

    def do_react(self, data: dict) -> dict:
        """Add or remove an emoji reaction, as the person: Slack's reaction event to the bot."""
        user, _name = self._person(data)
        channel, ts = data["channel"], data["ts"]
        name = str(data.get("name") or "").strip(":").lower()
        if not REACTION_NAME.match(name):
            return {"error": f"{name or 'nothing'} is not an emoji name (try thumbsup)."}
        added = not data.get("remove")
        with self.lock:
            message = self.ws.find_message(channel, ts)
            if message is None:
                raise LookupError("no such message")
            if not self.ws.react(message, user, name, added):
                return {}  # already so: Slack sends no event
            event = payloads.reaction_event(user=user, channel=channel, message=message,
                                            name=name, added=added, event_ts=self.ws.next_ts())
        self._event(event)
        return {}

    def do_time(self, data: dict) -> dict:
        what = data.get("what")
        if what == "follow_up":
            note = self.sandbox.next_follow_up(data.get("as") or None)
        elif what in ("prompt", "nudge", "digest"):
            channel = data.get("channel")
            if channel not in self.sandbox.bot.channels:
                channel = next(iter(self.sandbox.bot.channels.ids()))
            note = self.sandbox.post(channel, what)
        else:
            raise LookupError(f"nothing called {what!r}")
        self._refresh_homes()
        return {"note": note}

    def _refresh_homes(self) -> None:
        """The time moved: each published Home tab is rebuilt (its "next prompt"), as Slack
        asks when a person opens it."""
        with self.lock:
            homes = dict(self.ws.home_views)
        for user, view_id in homes.items():
            self._event(payloads.app_home_opened(user, view_id))

    def do_shortcut(self, data: dict) -> dict:
        user, name = self._person(data)
        channel, ts = data["channel"], data["ts"]
        with self.lock:
            message = self.ws.find_message(channel, ts)
            message = dict(message) if message else None
        if message is None:
            raise LookupError("no such message")
        url = self.sandbox.response_url("actions", {"channel": channel, "user": user})
        self._send("interactive", payloads.message_action(
            user=user, name=name, callback_id=SHORTCUT, channel=channel, message=message,
            trigger_id=self.sandbox.new_trigger(user), response_url=url))
        return {}


def _too_long(text: str) -> str:
    return (f"This is {len(text):,} characters long; Slack takes at most {MAX_TEXT:,} in a "
            "message. Shorten it, or split it in two.")


def _picked(data: dict) -> dict[str, Any]:
    """What the element carries, as Slack puts it in ``actions[0]``."""
    kind = data.get("type") or "button"
    value = data.get("value")
    if kind in ("static_select", "overflow"):
        return {"selected_option": {"text": {"type": "plain_text", "text": value or ""},
                                    "value": value}}
    if kind == "datepicker":
        return {"selected_date": value}
    if kind == "timepicker":
        return {"selected_time": value}
    return {"value": value or "", "text": {"type": "plain_text", "text": data.get("text")
                                           or value or ""}}
