"""The sandbox page's routes, on the workspace server's own port: the page itself, the state it
shows (rendered server-side from the bot's Block Kit), an event stream, and what a person does
(each turned into the payload Slack would send, delivered to the bot over Socket Mode)."""

from __future__ import annotations

import asyncio
import re
from importlib import resources
from typing import Any

from aiohttp import web

from bot.sandbox import payloads
from bot.sandbox.render import render_message, render_view

STATIC = {"": ("index.html", "text/html"), "app.js": ("app.js", "text/javascript"),
          "app.css": ("app.css", "text/css")}
SHORTCUT = "leadbot_sighting_shortcut"


def add_routes(app: web.Application, sandbox) -> None:
    """Serve the page and its API from ``app``."""
    page = Page(sandbox)
    app.router.add_get("/", page.static)
    app.router.add_get("/favicon.ico", _no_icon)
    app.router.add_get("/static/{name}", page.static)
    app.router.add_get("/sandbox/state", page.state)
    app.router.add_get("/sandbox/thread", page.thread)
    app.router.add_get("/sandbox/events", page.events)
    app.router.add_get("/sandbox/files/{file_id}", page.file)
    for name in ("action", "send", "edit", "delete", "submit", "close", "home", "time",
                 "shortcut"):
        app.router.add_post(f"/sandbox/{name}", page.handler(name))


async def _no_icon(_request: web.Request) -> web.Response:
    return web.Response(status=204)


class Page:
    """Reads the workspace for the page and acts for the person chosen in "You are"."""

    def __init__(self, sandbox) -> None:
        self.sandbox = sandbox
        self.fake = sandbox.fake
        self.ws = sandbox.fake.workspace
        self.lock = sandbox.fake.server.lock

    # --- reading ----------------------------------------------------------------------------

    async def static(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info.get("name", "")
        if name not in STATIC:
            raise web.HTTPNotFound()
        filename, kind = STATIC[name]
        body = resources.files("bot.sandbox").joinpath("static", filename).read_bytes()
        return web.Response(body=body, content_type=kind, charset="utf-8")

    def _names(self) -> dict[str, str]:
        names = {u.id: (u.real_name or u.name) for u in self.ws.users.values()}
        names.update({c.id: c.name for c in self.ws.channels.values() if not c.is_im})
        names[self.ws.bot_user_id] = "leadbot"
        return names

    def _message(self, m: dict, me: str, names: dict, ephemeral: bool = False) -> dict:
        files = [{**f, "url": f"/sandbox/files/{f['id']}"} for f in m.get("files") or []]
        context = {"container": "message", "channel": m["channel"], "ts": m["ts"],
                   "ephemeral": "1" if ephemeral else ""}
        author = "leadbot" if m.get("bot_id") else names.get(m.get("user", ""), m.get("user"))
        replies = [r for r in self.ws.messages.get(m["channel"], [])
                   if r.get("thread_ts") == m["ts"] and r["ts"] != m["ts"]]
        return {"ts": m["ts"], "user": m.get("user"), "author": author,
                "bot": bool(m.get("bot_id")), "mine": m.get("user") == me and not ephemeral,
                "ephemeral": ephemeral, "edited": bool(m.get("edited")) and not m.get("bot_id"),
                "thread_ts": m.get("thread_ts"), "replies": len(replies),
                "text": m.get("text") or "",
                "html": render_message({**m, "files": files}, names=names, context=context)}

    def _view(self, view: dict, names: dict) -> dict:
        return {"id": view["id"], "type": view["type"], **render_view(view, names=names)}

    def _modal_for(self, me: str) -> dict | None:
        open_views = [v for v_id, v in self.ws.views.items()
                      if v["type"] == "modal" and v_id not in self.sandbox.closed_views
                      and self.sandbox.triggers.get(self.ws.view_triggers.get(v_id)) == me]
        return open_views[-1] if open_views else None

    async def state(self, request: web.Request) -> web.Response:
        wanted = request.query.get("channel")
        with self.lock:
            people_ids = [u.id for u in self.ws.users.values() if not u.is_bot]
            me = request.query.get("as")
            if me not in people_ids:
                me = people_ids[0]
            names = self._names()
            people = [{"id": u.id, "name": u.real_name or u.name, "tz": u.tz}
                      for u in self.ws.users.values() if not u.is_bot]
            channels = [{"id": c.id, "name": f"#{c.name}", "dm": False}
                        for c in self.ws.channels.values() if not c.is_im]
            dm = "D" + me[1:]
            if dm in self.ws.channels:
                channels.append({"id": dm, "name": "leadbot (direct messages)", "dm": True})
            current = wanted if wanted in {c["id"] for c in channels} else channels[0]["id"]
            messages = [self._message(m, me, names)
                        for m in self.ws.messages.get(current, [])
                        if not m.get("thread_ts") or m["thread_ts"] == m["ts"]]
            messages += [self._message(e, me, names, ephemeral=True)
                         for e in self.ws.ephemerals
                         if e["channel"] == current and e["user"] == me
                         and not e.get("thread_ts")]
            messages.sort(key=lambda item: float(item["ts"]))
            home_id = self.ws.home_views.get(me)
            home = self._view(self.ws.views[home_id], names) if home_id else None
            modal = self._modal_for(me)
            body = {"version": self.sandbox.version, "me": me, "people": people,
                    "channels": channels, "channel": current, "messages": messages,
                    "home": home, "modal": self._view(modal, names) if modal else None,
                    "now": self.sandbox.clock.now().astimezone(
                        self.sandbox.config.timezone).strftime("%a %d %b %Y, %H:%M %Z")}
        return web.json_response(body)

    async def thread(self, request: web.Request) -> web.Response:
        me, channel, ts = (request.query.get(k, "") for k in ("as", "channel", "ts"))
        with self.lock:
            names = self._names()
            parent = self.ws.find_message(channel, ts)
            if parent is None:
                raise web.HTTPNotFound()
            items = [self._message(m, me, names) for m in self.ws.messages.get(channel, [])
                     if m.get("thread_ts") == ts and m["ts"] != ts]
            items += [self._message(e, me, names, ephemeral=True) for e in self.ws.ephemerals
                      if e["channel"] == channel and e["user"] == me
                      and e.get("thread_ts") == ts]
            items.sort(key=lambda item: float(item["ts"]))
            return web.json_response({"parent": self._message(parent, me, names),
                                      "replies": items})

    async def events(self, request: web.Request) -> web.StreamResponse:
        """Server-sent events: the state's version, whenever it changes."""
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream",
                                               "Cache-Control": "no-cache"})
        await response.prepare(request)
        loop = asyncio.get_running_loop()
        seen = -1
        while not self.sandbox.stopping:
            version = await loop.run_in_executor(None, self._wait_change, seen)
            if version != seen:
                seen = version
                try:
                    await response.write(f"data: {version}\n\n".encode())
                except (ConnectionResetError, RuntimeError):
                    return response
        return response

    def _wait_change(self, seen: int) -> int:
        with self.sandbox.changed:
            if self.sandbox.version == seen and not self.sandbox.stopping:
                self.sandbox.changed.wait(timeout=15)
            return self.sandbox.version

    async def file(self, request: web.Request) -> web.Response:
        with self.lock:
            record = self.ws.files.get(request.match_info["file_id"])
            if record is None or not record.get("content"):
                raise web.HTTPNotFound()
            return web.Response(body=record["content"], content_type=record["mimetype"])

    # --- acting -----------------------------------------------------------------------------

    def handler(self, name: str):
        """A POST route running ``do_<name>`` off the event loop (it waits for the bot)."""
        action = getattr(self, f"do_{name}")

        async def handle(request: web.Request) -> web.Response:
            try:
                data = await request.json()
            except ValueError:
                return web.json_response({"ok": False, "error": "send JSON"}, status=400)
            loop = asyncio.get_running_loop()
            try:
                result = await loop.run_in_executor(None, action, data)
            except LookupError as exc:
                return web.json_response({"ok": False, "error": str(exc)}, status=404)
            self.sandbox.touch()
            return web.json_response({"ok": True, **(result or {})})

        return handle

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

    def do_time(self, data: dict) -> dict:
        what = data.get("what")
        if what == "follow_up":
            return {"note": self.sandbox.next_follow_up()}
        if what not in ("prompt", "nudge", "digest"):
            raise LookupError(f"nothing called {what!r}")
        channel = data.get("channel")
        if channel not in self.sandbox.bot.channel_ids.values():
            channel = next(iter(self.sandbox.bot.channel_ids.values()))
        status = self.sandbox.post(channel, what)
        return {"note": f"{what}: {status}"}

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
