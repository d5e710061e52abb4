"""The aiohttp server: Web API routes, upload and response URLs, Socket Mode, in its own thread."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web

from . import files, views  # noqa: F401 - importing registers their handlers
from . import scopes as scope_rules
from .blockkit import check_blocks
from .faults import FaultPlan
from .methods import HANDLERS
from .socketmode import SocketHub
from .spec import ArgError, check_args, load_spec, parse_json_args
from .state import Workspace

APP_TOKEN_METHODS = frozenset({"apps.connections.open"})


@dataclass
class Call:
    """One Web API request as the fake received and answered it."""

    method: str
    args: dict[str, Any]
    token: str | None
    http_method: str
    at: datetime
    response: dict[str, Any]
    status: int
    content_type: str = ""


class Server:
    """Owns the event loop thread, the routes and the recorded calls; all state under `lock`."""

    def __init__(self, workspace: Workspace, *, bot_token: str, app_token: str,
                 spec_path: Path | str | None) -> None:
        self.workspace = workspace
        self.bot_token, self.app_token = bot_token, app_token
        # Slack's spec ships inside the package (reference/), so it is always at hand.
        self.spec = load_spec(spec_path)
        self.lock = threading.RLock()
        self.faults = FaultPlan()
        self.hub = SocketHub(workspace, self.lock)
        self.calls: list[Call] = []
        self.scopes: tuple[str, ...] = scope_rules.DEFAULT_BOT_SCOPES
        self.responses: list[dict[str, Any]] = []
        self.response_urls: dict[str, int] = {}
        self.stubs: dict[str, dict[str, Any]] = {}
        self.latency = 0.0
        self.port = 0
        # The sandbox adds its page's routes, and sees what the bot posts to response_urls.
        self.extra_routes: Callable[[web.Application], None] | None = None
        self.on_response: Callable[[str, dict[str, Any]], None] | None = None
        self.on_call: Callable[[], None] | None = None  # after every Web API call
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None

    # -- lifecycle

    def start(self, port: int = 0) -> None:
        """Bind 127.0.0.1 on ``port`` (0: a free one) and serve from a daemon thread."""
        if self._thread is not None:
            raise RuntimeError("already started")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if os.name == "posix":  # a restart may take the port at once, despite the last
            # run's connections in TIME_WAIT (a browser was connected); not on Windows, where
            # SO_REUSEADDR would let two servers share the port
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        self.port = sock.getsockname()[1]
        self.workspace.base_url = f"http://127.0.0.1:{self.port}"
        loop = asyncio.new_event_loop()
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._serve(sock))
            except BaseException as exc:
                failure.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()

        self._loop = self.hub.loop = loop
        self._thread = threading.Thread(target=run, name=f"local-slack-{self.port}", daemon=True)
        self._thread.start()
        if not ready.wait(10) or failure:
            raise RuntimeError("the fake Slack server did not start") from (
                failure[0] if failure else None)

    async def _serve(self, sock: socket.socket) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/upload/v1/{file_id}", self._upload)
        app.router.add_get("/link/", self.hub.handle)
        app.router.add_post("/hooks/{rest:.*}", self._hook)
        if self.extra_routes is not None:
            self.extra_routes(app)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()

    def stop(self) -> None:
        """Close Socket Mode connections, stop serving, end the thread."""
        if self._thread is None or self._loop is None:
            return
        loop = self._loop
        with contextlib.suppress(Exception):
            self.hub.cancel_pending()
            self.hub.close_all(code=1001)
        if self._runner is not None:
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(self._runner.cleanup(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(5)
        loop.close()
        self._thread = self._loop = self.hub.loop = None

    # -- Web API

    async def _api(self, request: web.Request) -> web.StreamResponse:
        at = datetime.now(UTC)
        method = request.match_info["method"]
        args, token, bad_body = await self._read_args(request)
        if self.latency:
            await asyncio.sleep(self.latency)
        with self.lock:
            fault = self.faults.next_fault(method)
            status, headers = 200, {}
            if fault is not None and fault.drop:
                self._record(method, args, token, request, at, {}, 0)
            elif fault is not None:
                body, status, headers = fault.body(), fault.status, fault.headers()
                self._record(method, args, token, request, at, body, status)
            else:
                body, args = self._answer(method, args, token, bad_body)
                if self.on_call is not None:
                    self.on_call()
                self._record(method, args, token, request, at, body, status)
        if fault is not None and fault.drop:
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError  # aiohttp ends the request without writing anything
        return web.Response(text=json.dumps(body), status=status, headers=headers,
                            content_type="application/json", charset="utf-8")

    async def _read_args(self, request: web.Request) -> tuple[dict[str, Any], str | None, str]:
        """Query string plus JSON, form or multipart body; token from header or args."""
        args: dict[str, Any] = dict(request.query)
        bad = ""
        is_json = request.content_type == "application/json"
        if request.body_exists:
            if is_json:
                try:
                    data = await request.json()
                except ValueError:
                    data, bad = {}, "invalid_json"
                if not isinstance(data, dict):
                    data, bad = {}, bad or "invalid_json"
                data.pop("token", None)  # Slack ignores a token inside a JSON body
                args.update(data)
            elif request.content_type in ("application/x-www-form-urlencoded",
                                          "multipart/form-data"):
                post = await request.post()
                args.update({k: v if isinstance(v, str) else v.file.read()
                             for k, v in post.items()})
            else:
                await request.read()
        header = request.headers.get("Authorization", "")
        body_token = args.pop("token", None)
        token = header[7:].strip() if header.startswith("Bearer ") else body_token
        return args, token or None, bad

    def _answer(self, method: str, args: dict[str, Any], token: str | None,
                bad_body: str) -> tuple[dict[str, Any], dict[str, Any]]:
        spec = self.spec.get(method)
        if spec is None and method not in self.stubs:
            return {"ok": False, "error": "unknown_method", "req_method": method}, args
        with contextlib.suppress(ArgError):
            args = parse_json_args(method, args)
        if bad_body:
            return {"ok": False, "error": bad_body}, args
        auth_error = self._auth_error(method, token)
        if auth_error:
            return {"ok": False, "error": auth_error}, args
        try:
            if method in self.stubs:
                return dict(self.stubs[method]), args
            assert spec is not None
            check_args(spec, parse_json_args(method, args))
            granted = (scope_rules.APP_TOKEN_SCOPES if method in APP_TOKEN_METHODS
                       else self.scopes)
            scope_rules.check(self.workspace, method, args, granted)
            handler = HANDLERS.get(method)
            if handler is None:
                raise ArgError("fake_not_implemented",
                               [f"[ERROR] the fake has no handler for {method}; use stub()"])
            return handler(self.workspace, args), args
        except ArgError as exc:
            return exc.body(), args

    def _auth_error(self, method: str, token: str | None) -> str | None:
        if not token:
            return "not_authed"
        wanted, other_prefix = ((self.app_token, "xox") if method in APP_TOKEN_METHODS
                                else (self.bot_token, "xapp-"))
        if token == wanted:
            return None
        return "not_allowed_token_type" if token.startswith(other_prefix) else "invalid_auth"

    def _record(self, method: str, args: dict[str, Any], token: str | None,
                request: web.Request, at: datetime, body: dict[str, Any], status: int) -> None:
        self.calls.append(Call(method, args, token, request.method, at, body, status,
                               request.content_type))
        warning = body.get("warning")
        for code in (warning.split(",") if isinstance(warning, str) else []):
            self.workspace.warnings.append((method, code))

    # -- upload and response URLs

    async def _upload(self, request: web.Request) -> web.StreamResponse:
        if _from_browser(request):
            return web.Response(status=403, text="not_for_browsers")
        if request.content_type == "multipart/form-data":
            post = await request.post()
            parts = [v.file.read() if not isinstance(v, str) else v.encode()
                     for v in post.values()]
            content = next((p for k, p in zip(post.keys(), parts, strict=True) if k == "file"),
                           parts[0] if parts else b"")
        else:
            content = await request.read()
        with self.lock:
            stored = files.store_upload(self.workspace, request.match_info["file_id"], content)
        if not stored:
            return web.Response(status=404, text="file_not_found")
        return web.Response(text=f"OK - {len(content)}")

    async def _hook(self, request: web.Request) -> web.StreamResponse:
        if _from_browser(request):
            return web.Response(status=403, text="not_for_browsers")
        url = f"{self.workspace.base_url}{request.path}"
        raw = await request.read()
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            return web.Response(status=400, text="invalid_payload")
        with self.lock:
            if url not in self.response_urls:
                return web.Response(status=404, text="no_service")
            self.response_urls[url] += 1
            errors = check_blocks(body["blocks"]) if body.get("blocks") else []
            self.responses.append({"url": url, "body": body, "at": datetime.now(UTC),
                                   "errors": errors})
            if self.on_response is not None and not errors:
                self.on_response(url, body)
        if errors:
            return web.Response(status=400, text="invalid_blocks")
        return web.Response(text="ok")


def _from_browser(request: web.Request) -> bool:
    """Whether a web page sent this (browsers add Origin or Sec-Fetch-Site; an app's HTTP
    client does not): upload and response URLs are for the app, and what is posted to them
    shows on the sandbox's page, so no page may post to them."""
    return "Origin" in request.headers or "Sec-Fetch-Site" in request.headers
