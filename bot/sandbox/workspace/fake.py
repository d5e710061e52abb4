"""FakeSlack: the public face of the fake workspace (setup, failures, recordings, deliveries)."""

from __future__ import annotations

import copy
import secrets
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from .delivery import Delivery
from .faults import Fault
from .scopes import DEFAULT_BOT_SCOPES
from .server import Call, Server
from .state import Channel, User, Workspace

T = TypeVar("T")


class FakeSlack:
    """A fake Slack workspace served over real HTTP and WebSocket on 127.0.0.1."""

    def __init__(self, *, bot_token: str = "xoxb-test-token", app_token: str = "xapp-test-token",
                 signing_secret: str | None = None, spec_path: Path | str | None = None,
                 team_id: str = "T0TEAM", team_name: str = "Fake Team",
                 bot_user_id: str = "UBOT", bot_id: str = "BBOT", bot_name: str = "leadbot",
                 app_id: str = "A0FAKE", base_ts: int | None = None, latency: float = 0.0,
                 verification_token: str = "fake-verification-token",
                 scopes: Iterable[str] = DEFAULT_BOT_SCOPES,
                 clock: Callable[[], float] | None = None) -> None:
        self.bot_token, self.app_token = bot_token, app_token
        # Message timestamps start now (as Slack's do), so nothing depends on today's date:
        # a reply is never older than the bot's retention just because the tests run late.
        # With ``clock`` (epoch seconds) they follow it, and never go below base_ts.
        self.workspace = Workspace(team_id=team_id, team_name=team_name, bot_user_id=bot_user_id,
                                   bot_id=bot_id, bot_name=bot_name, app_id=app_id,
                                   base_ts=int(time.time()) if base_ts is None else base_ts,
                                   clock=clock)
        self.server = Server(self.workspace, bot_token=bot_token, app_token=app_token,
                             spec_path=spec_path)
        # The bot token's scopes: calls outside them answer missing_scope, as Slack does.
        self.server.scopes = tuple(scopes)
        self.server.latency = latency
        self._lock = self.server.lock
        self.delivery = Delivery(self.workspace, self._lock,
                                 signing_secret or secrets.token_hex(16), verification_token,
                                 self.server.response_urls)

    # -- lifecycle

    def start(self, port: int = 0) -> FakeSlack:
        """Start serving on ``port`` (0: a free one); returns self."""
        self.server.start(port)
        return self

    def stop(self) -> None:
        """Stop serving and close every connection."""
        self.server.stop()

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:PORT"""
        return self.workspace.base_url

    @property
    def api_url(self) -> str:
        """The Web API base URL for WebClient(base_url=...), with its trailing slash."""
        return f"{self.workspace.base_url}/api/"

    @property
    def latency(self) -> float:
        """Seconds every Web API call waits before answering (concurrently)."""
        return self.server.latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        self.server.latency = seconds

    # -- workspace setup

    def add_channel(self, id: str, name: str, *, is_private: bool = False,
                    is_archived: bool = False, bot_is_member: bool = True,
                    members: Iterable[str] = (), is_im: bool = False,
                    is_mpim: bool = False) -> None:
        """Create a channel; members are user ids (the bot is added when bot_is_member).

        ``is_im``: a DM between two people (members); ``is_mpim``: a group DM (name it
        ``mpdm-ada--bob-1`` as Slack does). Both are private conversations."""
        with self._lock:
            ws = self.workspace
            member_ids = set(members) | ({ws.bot_user_id} if bot_is_member else set())
            ws.channels[id] = Channel(id, name, is_private=is_private or is_im or is_mpim,
                                      is_archived=is_archived, members=member_ids, is_im=is_im,
                                      is_mpim=is_mpim,
                                      user=min(members, default=None) if is_im else None)
            ws.messages.setdefault(id, [])

    def add_user(self, id: str, name: str, *, is_bot: bool = False, deleted: bool = False,
                 tz: str = "Europe/London", real_name: str | None = None,
                 is_admin: bool = False, channels: Iterable[str] = ()) -> None:
        """Create a user, optionally as a member of existing channels."""
        ZoneInfo(tz)  # an unknown zone fails here rather than in users.info
        with self._lock:
            self.workspace.users[id] = User(id, name, is_bot=is_bot, deleted=deleted, tz=tz,
                                            real_name=real_name, is_admin=is_admin)
            for channel_id in channels:
                self.workspace.channels[channel_id].members.add(id)

    def open_dm(self, user_id: str) -> str:
        """The id of the bot's DM with ``user_id`` (created on first use)."""
        with self._lock:
            return self.workspace.open_dm(user_id).id

    def add_member(self, channel_id: str, user_id: str) -> None:
        """Make user_id a member of channel_id."""
        with self._lock:
            self.workspace.channels[channel_id].members.add(user_id)

    def remove_member(self, channel_id: str, user_id: str) -> None:
        """Remove user_id (or the bot) from channel_id."""
        with self._lock:
            self.workspace.channels[channel_id].members.discard(user_id)

    def archive(self, channel_id: str, archived: bool = True) -> None:
        """Archive (or unarchive) a channel."""
        with self._lock:
            self.workspace.channels[channel_id].is_archived = archived

    def add_message(self, channel_id: str, text: str, *, user: str,
                    thread_ts: str | None = None, blocks: list | None = None) -> str:
        """Store a message from a person (as if they had posted it); return its ts."""
        with self._lock:
            return self.workspace.add_message(channel_id, text, user=user, thread_ts=thread_ts,
                                              blocks=blocks)["ts"]

    def issue_trigger_id(self) -> str:
        """A fresh trigger_id valid for views.open for a few seconds."""
        with self._lock:
            return self.workspace.issue_trigger()

    def stub(self, method: str, body: dict[str, Any]) -> None:
        """Answer `method` (after auth) with body; for methods the fake does not model."""
        with self._lock:
            self.server.stubs[method] = dict(body)

    # -- failure injection

    def fail(self, method: str, *, status: int = 429, retry_after: int = 1,
             error: str | None = None, times: int = 1, drop: bool = False) -> None:
        """Make the next `times` calls to method fail ("*" for any method)."""
        fault = Fault(status=200 if error else status, retry_after=retry_after, error=error,
                      drop=drop)
        with self._lock:
            self.server.faults.add(method, fault, times)

    def rate_limit_ratio(self, ratio: float, retry_after: int = 1, seed: int = 0,
                         methods: Iterable[str] = ("chat.postMessage",)) -> None:
        """Answer a seeded random fraction of calls to methods with HTTP 429."""
        with self._lock:
            self.server.faults.set_ratio(ratio, retry_after, seed, methods)

    def clear_failures(self) -> None:
        """Forget queued failures and the random rate limit."""
        with self._lock:
            self.server.faults.clear()

    # -- recordings

    def _copy(self, value: T) -> T:
        with self._lock:
            return copy.deepcopy(value)

    @property
    def calls(self) -> list[Call]:
        """Every Web API call so far, oldest first."""
        return self._copy(self.server.calls)

    def calls_to(self, method: str) -> list[Call]:
        """Calls to one method."""
        return [c for c in self.calls if c.method == method]

    def reset_calls(self) -> None:
        """Forget recorded calls, warnings, socket traffic and response_url posts."""
        with self._lock:
            self.server.calls.clear()
            self.workspace.warnings.clear()
            self.server.responses.clear()
            self.server.hub.sent.clear()
            self.server.hub.received.clear()
            self.server.hub.acks.clear()
            self.delivery.deliveries.clear()

    def messages(self, channel_id: str) -> list[dict[str, Any]]:
        """Stored messages of a channel, thread replies included, oldest first."""
        return self._copy(self.workspace.messages.get(channel_id, []))

    def ephemerals(self, channel_id: str | None = None,
                   user: str | None = None) -> list[dict[str, Any]]:
        """Ephemeral messages, optionally for one channel and/or user."""
        return [e for e in self._copy(self.workspace.ephemerals)
                if channel_id in (None, e["channel"]) and user in (None, e["user"])]

    @property
    def views(self) -> list[dict[str, Any]]:
        """Every stored view (modals and home tabs) in its latest version."""
        return list(self._copy(self.workspace.views).values())

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        """The home tab currently published for user_id."""
        with self._lock:
            view_id = self.workspace.home_views.get(user_id)
            return copy.deepcopy(self.workspace.views[view_id]) if view_id else None

    @property
    def files(self) -> list[dict[str, Any]]:
        """Every file record (content bytes, title, channels, uploaded, completed)."""
        return list(self._copy(self.workspace.files).values())

    @property
    def warnings(self) -> list[tuple[str, str]]:
        """(method, code): Slack's response warnings, plus fake_* notes Slack would not show."""
        return self._copy(self.workspace.warnings)

    @property
    def responses(self) -> list[dict[str, Any]]:
        """Posts to response_urls: {url, body, at, errors}."""
        return self._copy(self.server.responses)

    @property
    def deliveries(self) -> list[dict[str, Any]]:
        """HTTP deliveries to the bot: {url, body, headers, status, response}."""
        return self._copy(self.delivery.deliveries)

    def wait_for(self, predicate: Callable[[], T], timeout: float = 5,
                 interval: float = 0.01) -> T:
        """Poll predicate() until it returns something truthy; return it or raise TimeoutError."""
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if result:
                return result
            if time.monotonic() > deadline:
                raise TimeoutError(f"condition not met within {timeout}s")
            time.sleep(interval)

    # -- Socket Mode

    @property
    def socket_connections(self) -> int:
        """How many Socket Mode clients are connected."""
        return self.server.hub.count()

    def wait_for_socket(self, timeout: float = 5, count: int = 1) -> int:
        """Wait until at least count Socket Mode clients are connected."""
        return self.wait_for(lambda: self.socket_connections >= count and self.socket_connections,
                             timeout)

    def send_socket(self, payload_type: str, payload: dict[str, Any], *, retry_attempt: int = 0,
                    retry_reason: str = "", accepts_response_payload: bool = False) -> str:
        """Send an envelope to one connected client; return its envelope_id."""
        if isinstance(payload.get("trigger_id"), str):
            with self._lock:
                self.workspace.issue_trigger(payload["trigger_id"])
        return self.server.hub.send(payload_type, payload, retry_attempt=retry_attempt,
                                    retry_reason=retry_reason,
                                    accepts_response_payload=accepts_response_payload)

    def wait_for_ack(self, envelope_id: str, timeout: float = 5) -> dict[str, Any]:
        """The client's ack for envelope_id ({"envelope_id": ..., "payload": ...})."""
        return self.server.hub.wait_for_ack(envelope_id, timeout)

    @property
    def ack_errors(self) -> list[str]:
        """What the app's answers (acks over Socket Mode or HTTP) carried that Slack would
        refuse: invalid blocks in a command's answer, an invalid view in response_action."""
        with self._lock:
            return [*self.delivery.ack_errors, *self.server.hub.ack_errors]

    @property
    def socket_received(self) -> list[dict[str, Any]]:
        """Every message clients sent over Socket Mode."""
        return self._copy(self.server.hub.received)

    def disconnect_sockets(self, reason: str = "refresh_requested", *,
                           close_after: float | None = None) -> int:
        """Send {"type": "disconnect"} to every client (close_after: then close, as Slack does)."""
        return self.server.hub.broadcast({"type": "disconnect", "reason": reason,
                                          "debug_info": {"host": "fake"}}, close_after)

    def close_sockets(self, code: int = 1000) -> None:
        """Close every Socket Mode connection from the server side."""
        self.server.hub.close_all(code)

    # -- HTTP mode deliveries

    @property
    def signing_secret(self) -> str:
        """The secret deliveries are signed with."""
        return self.delivery.signing_secret

    def sign(self, body: bytes, timestamp: int | None = None) -> dict[str, str]:
        """v0 signature headers for body."""
        return self.delivery.sign(body, timestamp)

    def event_envelope(self, event: dict[str, Any], event_id: str | None = None) -> dict:
        """The event_callback envelope (for HTTP delivery or Socket Mode events_api)."""
        return self.delivery.event_envelope(event, event_id)

    def new_response_url(self, kind: str = "commands") -> str:
        """A fresh response_url whose posts are recorded in ``responses``."""
        return self.delivery.new_response_url(kind)

    def command_payload(self, command: str, text: str, user_id: str, channel_id: str,
                        **fields: Any) -> dict[str, str]:
        """A slash command payload (fresh trigger_id and response_url)."""
        return self.delivery.command_payload(command, text, user_id, channel_id, **fields)

    def interaction_payload(self, payload: dict[str, Any]) -> dict[str, Any]:
        """payload with token, team, api_app_id, trigger_id and response_url filled in."""
        return self.delivery.interaction_payload(payload)

    def deliver_event(self, url: str, event: dict[str, Any], *, event_id: str | None = None,
                      retry_num: int | None = None,
                      retry_reason: str | None = None) -> tuple[int, str]:
        """POST a signed event_callback to url; return (status, body)."""
        return self.delivery.deliver_event(url, event, event_id=event_id, retry_num=retry_num,
                                           retry_reason=retry_reason)

    def deliver_interaction(self, url: str, payload: dict[str, Any]) -> tuple[int, str]:
        """POST a signed interaction (payload=<json>) to url; return (status, body)."""
        return self.delivery.deliver_interaction(url, payload)

    def deliver_command(self, url: str, command: str, text: str, user_id: str, channel_id: str,
                        **fields: Any) -> tuple[int, str]:
        """POST a signed slash command to url; return (status, body)."""
        return self.delivery.deliver_command(url, command, text, user_id, channel_id, **fields)
