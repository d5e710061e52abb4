"""The sandbox page's routes, on the workspace server's own port: the page itself, the state it
shows (rendered server-side from the bot's Block Kit), an event stream, and what a person does
(``actions``: each turned into the payload Slack would send, delivered over Socket Mode).

Every route is behind ``guard`` (Host, Origin). The bot's own routes on the same port (/api/,
/link/, /hooks/, /upload/) are the workspace's, not these."""

from __future__ import annotations

import asyncio
import contextlib
from concurrent.futures import ThreadPoolExecutor
from importlib import resources

from aiohttp import web

from bot.sandbox.actions import Actions
from bot.sandbox.guard import guarded
from bot.sandbox.render import render_message, render_view

STATIC = {"": ("index.html", "text/html"), "app.js": ("app.js", "text/javascript"),
          "app.css": ("app.css", "text/css")}
ACTIONS = ("action", "send", "edit", "delete", "submit", "close", "home", "time", "shortcut",
           "react")
KEEP_ALIVE = 15.0  # seconds between comments on a quiet event stream (finds closed ones)


def add_routes(app: web.Application, sandbox) -> None:
    """Serve the page and its API from ``app``, each route guarded."""
    page = Page(sandbox)
    port = sandbox.fake.server.port
    app.router.add_get("/", guarded(page.static, port))
    app.router.add_get("/favicon.ico", guarded(_no_icon, port))
    app.router.add_get("/static/{name}", guarded(page.static, port))
    app.router.add_get("/sandbox/state", guarded(page.state, port))
    app.router.add_get("/sandbox/thread", guarded(page.thread, port))
    app.router.add_get("/sandbox/events", guarded(page.events, port))
    app.router.add_get("/sandbox/files/{file_id}", guarded(page.file, port))
    for name in ACTIONS:
        app.router.add_post(f"/sandbox/{name}", guarded(page.handler(name), port))


async def _no_icon(_request: web.Request) -> web.Response:
    return web.Response(status=204)


class Page:
    """Reads the workspace for the page; its POST routes run ``Actions`` in worker threads."""

    def __init__(self, sandbox) -> None:
        self.sandbox = sandbox
        self.fake = sandbox.fake
        self.ws = sandbox.fake.workspace
        self.lock = sandbox.fake.server.lock
        self.actions = Actions(sandbox)
        # What a person does waits for the bot's answer: in threads of its own, so that
        # nothing else the server runs (event streams never do) waits behind it.
        self.workers = ThreadPoolExecutor(max_workers=8, thread_name_prefix="sandbox-page")
        sandbox.on_stop.append(lambda: self.workers.shutdown(wait=True, cancel_futures=True))

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
        reactions = [{"name": r["name"], "count": r["count"], "mine": me in r["users"],
                      "users": [names.get(u, u) for u in r["users"]]}
                     for r in m.get("reactions") or []]
        return {"ts": m["ts"], "user": m.get("user"), "author": author,
                "bot": bool(m.get("bot_id")), "mine": m.get("user") == me and not ephemeral,
                "ephemeral": ephemeral, "edited": bool(m.get("edited")) and not m.get("bot_id"),
                "thread_ts": m.get("thread_ts"), "replies": len(replies),
                "reactions": reactions, "text": m.get("text") or "",
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
        changed = asyncio.Event()

        def wake() -> None:  # called from any thread; the loop may already be closed
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(changed.set)

        # Waiting costs no thread: a stream is an asyncio.Event the sandbox sets on a change.
        unlisten = self.sandbox.listen(wake)
        seen = -1
        try:
            while not self.sandbox.stopping:
                changed.clear()
                version = self.sandbox.version
                if version != seen:
                    seen = version
                    await response.write(f"data: {version}\n\n".encode())
                try:
                    await asyncio.wait_for(changed.wait(), KEEP_ALIVE)
                except TimeoutError:
                    await response.write(b": still here\n\n")
        except (ConnectionError, RuntimeError):
            pass  # the page went away
        finally:
            unlisten()
        return response

    async def file(self, request: web.Request) -> web.Response:
        with self.lock:
            record = self.ws.files.get(request.match_info["file_id"])
            if record is None or not record.get("content"):
                raise web.HTTPNotFound()
            return web.Response(body=record["content"], content_type=record["mimetype"])

    # --- acting -----------------------------------------------------------------------------

    def handler(self, name: str):
        """A POST route running ``do_<name>`` off the event loop (it waits for the bot)."""
        action = getattr(self.actions, f"do_{name}")

        async def handle(request: web.Request) -> web.Response:
            try:
                data = await request.json()
            except ValueError:
                return web.json_response({"ok": False, "error": "send JSON"}, status=400)
            if not isinstance(data, dict):
                return web.json_response({"ok": False, "error": "send a JSON object"},
                                         status=400)
            if self.sandbox.stopping:
                return web.json_response({"ok": False, "error": "the sandbox is stopping"},
                                         status=503)
            loop = asyncio.get_running_loop()
            try:
                result = await loop.run_in_executor(self.workers, action, data)
            except LookupError as exc:
                return web.json_response({"ok": False, "error": str(exc)}, status=404)
            except RuntimeError:
                if not self.sandbox.stopping:
                    raise
                # its workers were shut down
                return web.json_response({"ok": False, "error": "the sandbox is stopping"},
                                         status=503)
            self.sandbox.touch()
            return web.json_response({"ok": True, **(result or {})})

        return handle
