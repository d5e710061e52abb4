"""Socket Mode: the WebSocket endpoint behind apps.connections.open, envelopes and acks."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from typing import Any

from aiohttp import WSMsgType, web

from .blockkit import check_ack
from .state import Workspace

PAYLOAD_TYPES = ("events_api", "interactive", "slash_commands")


class SocketHub:
    """Open Socket Mode connections and what went over them; thread-safe via the shared lock."""

    def __init__(self, workspace: Workspace, lock: threading.RLock) -> None:
        self.workspace = workspace
        self.lock = lock
        self.loop: asyncio.AbstractEventLoop | None = None
        self.connections: list[web.WebSocketResponse] = []
        self.sent: list[dict[str, Any]] = []
        self.received: list[dict[str, Any]] = []
        self.acks: dict[str, dict[str, Any]] = {}
        # What acks carried that Slack would refuse to show (invalid blocks or views)
        self.ack_errors: list[str] = []
        self._tasks: set[asyncio.Future] = set()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """The /link/ endpoint: check the ticket, upgrade, say hello, record acks."""
        with self.lock:
            valid = request.query.get("ticket", "") in self.workspace.tickets
        if not valid:
            return web.Response(status=401, text="invalid ticket")
        ws = web.WebSocketResponse(autoping=True, compress=False, timeout=1.0)
        await ws.prepare(request)
        with self.lock:
            self.connections.append(ws)
            count = len(self.connections)
        hello = {"type": "hello", "num_connections": count,
                 "debug_info": {"host": "fake", "approximate_connection_time": 18060},
                 "connection_info": {"app_id": self.workspace.app_id}}
        await ws.send_str(json.dumps(hello))
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    self._record(msg.data)
        finally:
            with self.lock:
                if ws in self.connections:
                    self.connections.remove(ws)
        return ws

    def _record(self, text: str) -> None:
        try:
            data = json.loads(text)
        except ValueError:
            data = {"raw": text}
        with self.lock:
            self.received.append(data)
            if isinstance(data, dict) and data.get("envelope_id"):
                self.acks[str(data["envelope_id"])] = data
                self.ack_errors += check_ack(data.get("payload"))

    def _run(self, coro: Any, timeout: float = 5) -> Any:
        if self.loop is None:
            raise RuntimeError("the fake is not running")
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def count(self) -> int:
        """How many Socket Mode connections are open."""
        with self.lock:
            return len([c for c in self.connections if not c.closed])

    def send(self, payload_type: str, payload: dict[str, Any], *, retry_attempt: int = 0,
             retry_reason: str = "", accepts_response_payload: bool = False) -> str:
        """Send one envelope to the newest connection; return its envelope_id."""
        if payload_type not in PAYLOAD_TYPES:
            raise ValueError(f"payload_type must be one of {PAYLOAD_TYPES}")
        envelope_id = str(uuid.uuid4())
        envelope = {"envelope_id": envelope_id, "type": payload_type, "payload": payload,
                    "accepts_response_payload": accepts_response_payload,
                    "retry_attempt": retry_attempt, "retry_reason": retry_reason}
        with self.lock:
            open_ = [c for c in self.connections if not c.closed]
            if not open_:
                raise RuntimeError("no Socket Mode client is connected")
            target = open_[-1]
            self.sent.append(envelope)
        self._run(target.send_str(json.dumps(envelope)))
        return envelope_id

    def broadcast(self, message: dict[str, Any], close_after: float | None = None) -> int:
        """Send a raw message to every open connection (closing them close_after seconds later)."""
        with self.lock:
            targets = [c for c in self.connections if not c.closed]
            self.sent.append(message)
        for conn in targets:
            self._run(conn.send_str(json.dumps(message)))
            if close_after is not None:
                self._run(self._close_later(conn, close_after))
        return len(targets)

    async def _close_later(self, conn: web.WebSocketResponse, delay: float) -> None:
        async def close() -> None:
            await asyncio.sleep(delay)
            await conn.close(code=1000, message=b"disconnected by fake")

        task = asyncio.ensure_future(close())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def cancel_pending(self) -> None:
        """Cancel closes scheduled by broadcast(close_after=...)."""
        if self.loop is not None:
            for task in list(self._tasks):
                self.loop.call_soon_threadsafe(task.cancel)

    def close_all(self, code: int = 1000) -> None:
        """Close every connection from the server side."""
        with self.lock:
            targets = list(self.connections)
        for conn in targets:
            self._run(conn.close(code=code, message=b"closed by fake"))

    def wait_for_ack(self, envelope_id: str, timeout: float = 5) -> dict[str, Any]:
        """Block until the client acks envelope_id; return the ack message."""
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                ack = self.acks.get(envelope_id)
            if ack is not None:
                return ack
            if time.monotonic() > deadline:
                raise TimeoutError(f"no ack for envelope {envelope_id} within {timeout}s")
            time.sleep(0.01)
