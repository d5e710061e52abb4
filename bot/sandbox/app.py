"""`leadbot sandbox`: a local Slack workspace, the real bot connected to it through
SLACK_API_URL and Socket Mode exactly as in production, and a web page to use it as a team
member would. Everything runs in one process; nothing leaves 127.0.0.1."""

from __future__ import annotations

import logging
import secrets
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot import runtime
from bot.clock import OffsetClock, from_iso
from bot.config import Config, load_config
from bot.sandbox import demo, timetravel
from bot.sandbox.workspace import FakeSlack
from bot.settings import load_settings
from bot.store import Store

log = logging.getLogger("leadbot.sandbox")


@dataclass
class Sandbox:
    """The workspace server, the bot, and what the page needs to follow both."""

    config_path: Path
    db_path: Path
    port: int = 8765
    demo_data: bool = True
    clock: OffsetClock = field(default_factory=OffsetClock)
    # response_url -> where its answer goes: {"channel", "user", "ts", "ephemeral"}
    contexts: dict[str, dict[str, Any]] = field(default_factory=dict)
    triggers: dict[str, str] = field(default_factory=dict)  # trigger_id -> user
    closed_views: set[str] = field(default_factory=set)
    version: int = 0
    stopping: bool = False
    on_stop: list[Callable[[], None]] = field(default_factory=list)  # before the bot stops
    _listeners: set[Callable[[], None]] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _running: bool = False

    def start(self) -> str:
        """Start everything; return the page's address."""
        from bot.sandbox.web import add_routes

        self.config: Config = load_config(self.config_path)
        store = Store.open(self.db_path)
        try:
            floor = self._resume(*store.last_recorded())
            if self.demo_data:
                demo.seed(store, list(demo.channels(self.config)), self.clock.now())
        finally:
            store.close()
        self.fake = FakeSlack(bot_token=f"xoxb-sandbox-{secrets.token_hex(8)}",
                              app_token=f"xapp-sandbox-{secrets.token_hex(8)}",
                              team_name="leadbot sandbox",
                              # message timestamps follow the sandbox's own clock (what people
                              # write is dated by it, and retention counts from it), after
                              # every one this database already holds
                              base_ts=floor, clock=lambda: self.clock.now().timestamp(),
                              bot_user_id="U0SANDBOT", bot_id="B0SANDBOT")
        self.channel_names = demo.channels(self.config)
        for channel_id, name in self.channel_names.items():
            self.fake.add_channel(channel_id, name)
        for person in demo.PEOPLE:
            self.fake.add_user(person.id, person.name, tz=person.tz, real_name=person.real_name,
                               channels=list(self.channel_names))
        known = {person.id for person in demo.PEOPLE}
        for number, admin in enumerate(self.config.admins, 1):  # your config's admins, too
            if admin not in known:
                self.fake.add_user(admin, f"admin{number}", tz=self.config.timezone.key,
                                   real_name=f"Admin {number} ({admin})",
                                   channels=list(self.channel_names))
        self.fake.workspace.trigger_ttl = 60.0  # a person at a browser, not Slack's 3 s
        self.fake.server.extra_routes = lambda app: add_routes(app, self)
        self.fake.server.on_response = self._on_response
        self.fake.server.on_call = self.touch  # the bot changed something: the page refreshes
        self.fake.start(self.port)
        self.fake.workspace.link_base = self.fake.base_url + "/"  # permalinks open this page
        self._running = True
        settings = load_settings({
            "SLACK_BOT_TOKEN": self.fake.bot_token, "SLACK_APP_TOKEN": self.fake.app_token,
            "SLACK_API_URL": self.fake.api_url, "LEADBOT_CONFIG": str(self.config_path),
            "LEADBOT_DB": str(self.db_path)}, env_file=None)
        self.bot = runtime.start(settings, self.config, self.clock, http=False)
        self._socket = threading.Thread(target=runtime.run_socket_mode, args=(self.bot,),
                                        name="sandbox-socket", daemon=True)
        self._socket.start()
        self.fake.wait_for_socket(timeout=15)
        for _, channel_id in self.bot.channels.resolved():  # the first prompt awaits people
            if not self.fake.messages(channel_id):
                self.post(channel_id, "prompt")
        return self.fake.base_url + "/"

    def _resume(self, last_ts: str | None, last_at: str | None) -> int:
        """Continue after what the database holds: the clock never goes back to before its
        latest moment (a restart after "make time pass"), and message timestamps start after
        its largest one, so no new message takes the ts of an old post. Returns that start."""
        latest = [datetime.fromtimestamp(float(last_ts), UTC)] if last_ts else []
        latest += [from_iso(last_at)] if last_at else []
        if latest and max(latest) >= self.clock.now():
            self.clock.advance_to(max(latest) + timedelta(seconds=1))
        return max(int(self.clock.now().timestamp()), int(float(last_ts or 0)) + 1)

    def stop(self) -> None:
        """Stop once, in order: the page's streams and actions (those under way finish), then
        the bot, then the workspace."""
        with self._lock:
            if not self._running:
                return
            self._running = False
            self.stopping = True
        self.touch()  # event streams see ``stopping`` and end
        for hook in self.on_stop:
            hook()
        runtime.shutdown(self.bot)
        self._socket.join(timeout=10)
        self.fake.stop()

    # --- what changes the page follows ----------------------------------------------------

    def touch(self) -> None:
        """Something changed: wake the page's event streams."""
        with self._lock:
            self.version += 1
            listeners = list(self._listeners)
        for wake in listeners:
            wake()

    def listen(self, wake: Callable[[], None]) -> Callable[[], None]:
        """Call ``wake`` (from any thread) after each change; returns what stops it."""
        with self._lock:
            self._listeners.add(wake)
        return lambda: self._forget(wake)

    def _forget(self, wake: Callable[[], None]) -> None:
        with self._lock:
            self._listeners.discard(wake)

    def _on_response(self, url: str, body: dict[str, Any]) -> None:
        """What the bot posts to a response_url: a private answer, or it replaces the message
        the button was on (called under the workspace lock)."""
        context = self.contexts.get(url)
        if context is None:
            return
        ws = self.fake.workspace
        text, blocks = body.get("text") or "", body.get("blocks") or []
        target = None
        if body.get("replace_original") or body.get("delete_original"):
            pool = ws.ephemerals if context.get("ephemeral") else ws.messages.get(
                context["channel"], [])
            target = next((m for m in pool if m["ts"] == context.get("ts")), None)
        if target is not None and body.get("delete_original"):
            pool.remove(target)
        elif target is not None:
            target.update(text=text, blocks=blocks)
        else:
            ws.ephemerals.append({"type": "message", "ts": ws.next_ts(),
                                  "channel": context["channel"], "user": context["user"],
                                  "text": text, "blocks": blocks, "bot_id": ws.bot_id})
        self.touch()

    def response_url(self, kind: str, context: dict[str, Any]) -> str:
        """A response_url whose answers land where ``context`` says."""
        url = self.fake.delivery.new_response_url(kind)
        self.contexts[url] = context
        return url

    # --- make time pass, through the same code as the schedule ----------------------------

    def post(self, channel_id: str, kind: str) -> str:
        """Post a prompt, nudge or digest now, through the scheduler's poster; what happened,
        in a sentence."""
        channel = next(c for c, resolved in self.bot.channels.resolved()
                       if resolved == channel_id)
        now = self.clock.now().replace(microsecond=0)
        result = self.bot.scheduler.poster.post(channel, kind, now, manual=True)
        self.touch()
        return timetravel.posted_note(self, channel_id, kind, result)

    def next_follow_up(self, user: str | None = None) -> str:
        """Jump the clock to the follow-up of ``user`` (else of whoever chose "take" last),
        posting on the way what the schedule had due, and send it; what happened, in words."""
        note = timetravel.next_follow_up(self, user)
        self.touch()
        return note

    def name(self, user: str) -> str:
        """A person's name as the page shows it."""
        with self.fake.server.lock:
            person = self.fake.workspace.users.get(user)
        return (person.real_name or person.name) if person else user

    def new_trigger(self, user: str) -> str:
        """A fresh trigger_id, remembered as this person's (their modals open from it)."""
        with self.fake.server.lock:
            trigger = self.fake.workspace.issue_trigger(f"{uuid.uuid4().int % 10**12}.sandbox")
        self.triggers[trigger] = user
        return trigger
