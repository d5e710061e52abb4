"""Start and stop the bot: connect to Slack, resolve channels, schedule, serve, stop cleanly."""

from __future__ import annotations

import contextlib
import json
import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

from bot.channels import Channels
from bot.clock import Clock, to_iso
from bot.config import Config
from bot.inbox import Inbox, inbox_path
from bot.metrics import Metrics
from bot.reload import Reloader
from bot.schedule import Scheduler
from bot.services.channels import resolve_channels
from bot.services.directory import Directory
from bot.services.dms import Outbox
from bot.services.follow_ups import FollowUps
from bot.services.posting import Poster, PostResult
from bot.services.quiet import QuietWatch
from bot.services.retention import purge_old_words
from bot.settings import Settings
from bot.slack.app import create_app
from bot.slack.deps import Deps
from bot.slack.errors import describe, is_permanent
from bot.slack.inbox_handlers import handlers, many_handlers
from bot.slack.observed import CountingRateLimitHandler, ObservedWebClient, request_middleware
from bot.slack.outbound import SlackOutbound
from bot.store import Store, runlock
from bot.worker import Worker

log = logging.getLogger("leadbot")


class StartupError(Exception):
    """The bot cannot start; the message says why and what to do."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


def web_client(settings: Settings, *, retries: bool = True,
               metrics: Metrics | None = None) -> WebClient:
    """A Web API client on SLACK_API_URL; posting uses one without built-in retries. With
    ``metrics``, its errors and the rate limits it meets (retried or not) are counted."""
    rate_limits = (RateLimitErrorRetryHandler(max_retry_count=2) if metrics is None else
                   CountingRateLimitHandler(metrics.rate_limited, max_retry_count=2))
    handlers = [rate_limits, ConnectionErrorRetryHandler(max_retry_count=2)] if retries else []
    if metrics is None:
        return WebClient(token=settings.bot_token, base_url=settings.api_url, timeout=30,
                         retry_handlers=handlers)
    return ObservedWebClient(token=settings.bot_token, base_url=settings.api_url, timeout=30,
                             retry_handlers=handlers, on_error=metrics.slack_error)


def check_auth(client: WebClient, settings: Settings) -> dict:
    """auth.test, with the failure turned into a clear StartupError."""
    try:
        return client.auth_test().data
    except SlackApiError as exc:
        error = exc.response.get("error")
        raise StartupError(f"Slack refused SLACK_BOT_TOKEN ({error}): check the token, or "
                           "reinstall the app", 2) from None
    except OSError as exc:
        raise StartupError(f"cannot reach Slack at {settings.api_url} ({exc})") from None


@dataclass
class Bot:
    """A running bot: its store, scheduler and the Slack connection."""

    settings: Settings
    config: Config
    clock: Clock
    store: Store
    scheduler: Scheduler
    stop: threading.Event
    app: Any
    channels: Channels
    inbox: Inbox
    worker: Worker
    follow_ups: FollowUps | None = None
    outbox: Outbox | None = None
    quiet: QuietWatch | None = None
    poster: Poster | None = None
    deps: Deps | None = None
    reloader: Reloader | None = None
    run_lock: runlock.RunLock | None = None  # held while running: restore refuses meanwhile
    metrics: Metrics | None = None

    def health(self) -> tuple[int, dict]:
        """HTTP status and JSON body for /healthz."""
        try:
            db_ok = self.store.ping()
        except Exception:  # any database failure means unhealthy, whatever its type
            db_ok = False
        running = self.scheduler.running and not self.stop.is_set()
        nxt = self.scheduler.next_run() if running else None
        body = {"ok": db_ok and running, "database": "ok" if db_ok else "unreachable",
                "scheduler": "running" if running else "stopped",
                "next_run": to_iso(nxt) if nxt else None,
                "channels": len(self.channels), "inbox_pending": self.inbox.pending(),
                "inbox_dead_letters": self.inbox.dead_count()}
        return (200 if body["ok"] else 503), body


def start(settings: Settings, config: Config, clock: Clock, *, http: bool,
          stop: threading.Event | None = None) -> Bot:
    """Connect, resolve channels and start the scheduler (not yet the event connection)."""
    settings.require("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET" if http else "SLACK_APP_TOKEN")
    stop = stop or threading.Event()
    metrics = Metrics()
    client = web_client(settings, metrics=metrics)
    identity = check_auth(client, settings)
    log.info("connected to %s as %s (%s)", identity.get("team"), identity.get("user"),
             settings.api_url)
    run_lock = runlock.hold_shared(settings.db_path)  # waits for a restore under way
    store = Store.open(settings.db_path, check=True)  # a damaged file stops here, in words
    slack = SlackOutbound(client)
    channels = Channels(resolve_channels(slack, config, store, clock), config.channels)
    if not channels:
        log.warning("no configured channel can be posted to yet; the bot keeps running so "
                    "answers are still recorded")
    inbox = Inbox(inbox_path(settings.db_path))
    store.prune_modals(clock.now() - timedelta(days=1))  # Slack closes a modal within hours
    directory = Directory(slack)
    deps = Deps(config=config, store=store, clock=clock, inbox=inbox,
                bot_user_id=identity.get("user_id"), channels=channels,
                directory=directory)
    # HTTP mode: the SlackGuard in front of Bolt verifies every request on its raw bytes
    # before anything is parsed (run_http), so Bolt does not verify it a second time.
    app = create_app(client, None, deps)
    app.use(request_middleware(metrics.slack_error))  # listeners' calls counted, ids logged
    worker = Worker(inbox, handlers(deps, client), clock, stop,
                    many=many_handlers(deps), batch=store.batch, permanent=is_permanent,
                    describe=describe, observe=metrics.answer)
    pending = inbox.pending()
    if pending:
        log.info("%d answer(s) received before the last stop are still to be recorded", pending)
    worker.start()
    poster = Poster(config, store, SlackOutbound(web_client(settings, retries=False,
                                                            metrics=metrics)), clock,
                    resolve=lambda ch: channels.id_of(ch.channel), stop=stop,
                    observe=lambda ch, kind, r: metrics.post(ch, kind, r.status, clock.now()))
    follow_ups = FollowUps(config, store, slack, clock, channels, tz_of=directory.tz)
    outbox = Outbox(store, slack, clock, directory.tz, config.timezone)
    quiet = QuietWatch(config, store, clock, channels)
    scheduler = Scheduler(config, store, poster, clock, channels, periodic=(
        ("follow-ups", follow_ups.run, 1), ("quiet-channels", quiet.run, 1),
        ("direct-messages", outbox.run, 1),
        ("retention", lambda: purge_old_words(store, clock.now(), config.retention_days),
         24 * 60)))

    def post_now_from_slack(channel, kind):
        now = clock.now().replace(microsecond=0)
        return poster.post(channel, kind, now, deadline=now + timedelta(minutes=2), manual=True)

    deps.post_now = post_now_from_slack
    scheduler.start()
    metrics.watch(inbox_pending=inbox.pending, dead_letters=inbox.dead_count,
                  next_run=scheduler.next_run)
    nxt = scheduler.next_run()
    log.info("scheduled %d job(s) in %d channel(s); next run %s",
             len(scheduler.scheduler.get_jobs()), len(channels),
             nxt.isoformat() if nxt else "none")
    bot = Bot(settings, config, clock, store, scheduler, stop, app, channels, inbox, worker,
              follow_ups, outbox, quiet, poster, deps, run_lock=run_lock, metrics=metrics)
    bot.reloader = Reloader(bot, slack)
    deps.reload = bot.reloader.reload
    bot.reloader.start()
    return bot


def shutdown(bot: Bot) -> None:
    """Stop scheduling, let in-flight posts finish (or give their claims back), close the db."""
    bot.stop.set()
    if bot.reloader is not None:
        bot.reloader.join()
    bot.scheduler.shutdown()
    bot.worker.join()
    bot.inbox.close()
    bot.store.close()
    if bot.run_lock:
        bot.run_lock.release()
    log.info("stopped cleanly")


def install_signal_handlers(stop: threading.Event) -> None:
    """Ctrl-C and SIGTERM set ``stop``; the main thread then shuts down in order."""

    def handler(signum, _frame):
        log.info("received %s, stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


def wait_for_stop(stop: threading.Event) -> None:
    """Block until ``stop`` is set, waking now and then: a signal the kernel hands to another
    thread is run by Python on the main thread only when it next wakes, and a wait without a
    timeout never does (SIGTERM or SIGHUP would sit unhandled)."""
    while not stop.wait(0.2):
        pass


def run_socket_mode(bot: Bot) -> None:
    """Serve events over Socket Mode until ``bot.stop`` is set."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    handler = SocketModeHandler(bot.app, bot.settings.app_token)
    handler.connect()
    log.info("Socket Mode connected")
    try:
        wait_for_stop(bot.stop)
    finally:
        # The client's threads take seconds to wind down (a read holds the socket's lock until
        # its timeout); nothing of ours needs them: work already acked is in the inbox, and an
        # event arriving meanwhile is not acked, so Slack sends it again.
        closer = threading.Thread(target=handler.close, name="socket-close", daemon=True)
        closer.start()
        # Its message loop waits up to 1 s for a message before it sees it is closed: an empty
        # one (None, which it skips) wakes it now.
        deadline = time.monotonic() + 0.5
        while closer.is_alive() and time.monotonic() < deadline:
            handler.client.message_queue.put(None)
            closer.join(timeout=0.01)


def health_wsgi(bot: Bot) -> Callable:
    """A WSGI app answering /healthz: 200 or 503 with the JSON of ``Bot.health``."""

    def app(environ, start_response):
        status, body = bot.health()
        payload = json.dumps(body).encode()
        start_response(f"{status} {'OK' if status == 200 else 'Service Unavailable'}",
                       [("Content-Type", "application/json"),
                        ("Content-Length", str(len(payload)))])
        return [payload]

    return app


IDLE_TIMEOUT = 10  # seconds: HTTP mode closes a connection silent for this long


def run_http(bot: Bot, host: str, port: int, on_listen: Callable[[str, int], None], *,
             idle_timeout: int = IDLE_TIMEOUT) -> None:
    """Serve /slack/events (through the guard) and /healthz with waitress until ``bot.stop``."""
    from slack_bolt.adapter.wsgi import SlackRequestHandler
    from waitress import create_server

    from bot.slack.http_guard import MAX_BODY, SlackGuard, log_server_refusals

    guard = SlackGuard(SlackRequestHandler(bot.app), health_wsgi(bot),
                       bot.settings.signing_secret, bot.clock,
                       metrics=bot.metrics.wsgi() if bot.metrics else None)
    # waitress reads each request whole, off the worker threads, before the app sees it: these
    # bound what one client can hold. A slow or idle connection costs a descriptor, not a thread.
    server = create_server(
        guard, host=host, port=port, ident="leadbot", threads=8,
        max_request_body_size=MAX_BODY + 1,  # refused at >=, so 413 past MAX_BODY, unread
        max_request_header_size=32 * 1024,
        inbuf_overflow=64 * 1024,  # a body past this waits in a temporary file, not in memory
        connection_limit=500,  # past it, new connections wait in the listen backlog
        # a silent connection is closed idle_timeout to idle_timeout + 2 s after its last byte
        channel_timeout=idle_timeout, cleanup_interval=min(2, idle_timeout),
        asyncore_use_poll=True)  # select() cannot watch descriptors numbered past 1023
    log_server_refusals(server)
    real_port = server.socket.getsockname()[1]
    on_listen(host, real_port)
    thread = threading.Thread(target=server.run, name="http", daemon=True)
    thread.start()
    try:
        wait_for_stop(bot.stop)
    finally:
        # closed from inside its own loop, which then ends at once, not at its next 1 s poll
        server.trigger.pull_trigger(server.close)
        thread.join(timeout=5)
        # in case the loop had stopped already; its own close may have taken the wake-up pipe
        # with it (EBADF), which must not keep the worker threads below from ending
        with contextlib.suppress(OSError):
            server.close()
        server.task_dispatcher.shutdown()  # its worker threads end (requests under way finish)


class MetricsServer:
    """``/metrics`` on a port of its own (Socket Mode has no HTTP server), in a thread."""

    def __init__(self, bot: Bot, host: str, port: int):
        from waitress import create_server

        from bot.metrics import METRICS_PATH

        assert bot.metrics is not None
        metrics = bot.metrics.wsgi()

        def app(environ, start_response):
            if environ.get("PATH_INFO") == METRICS_PATH and environ.get("REQUEST_METHOD") in (
                    "GET", "HEAD"):
                return metrics(environ, start_response)
            start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"not found: try /metrics\n"]

        self.server = create_server(app, host=host, port=port, ident="leadbot", threads=2,
                                    channel_timeout=IDLE_TIMEOUT, asyncore_use_poll=True)
        self.host, self.port = host, self.server.socket.getsockname()[1]
        self.thread = threading.Thread(target=self.server.run, name="metrics", daemon=True)
        self.thread.start()
        log.info("metrics on http://%s:%d/metrics", host, self.port)

    def close(self) -> None:
        """Stop serving (a scrape under way finishes)."""
        try:  # closed from inside its loop, which then ends at once
            self.server.trigger.pull_trigger(self.server.close)
        except OSError:  # the loop's wake-up pipe is gone: it ends at its next 1 s poll
            log.debug("metrics server: wake-up pipe closed", exc_info=True)
            self.server.close()
        self.thread.join(timeout=5)
        self.server.close()
        self.server.task_dispatcher.shutdown()


def post_now(settings: Settings, config: Config, clock: Clock, ref: str, kind: str) -> PostResult:
    """Post one message to ``ref`` right away, through the scheduler's path, recorded the same."""
    settings.require("SLACK_BOT_TOKEN")
    client = web_client(settings)
    check_auth(client, settings)
    channel = config.channel(ref)
    if channel is None:
        raise StartupError(f"'{ref}' is not in {config.path}; configured: "
                           f"{', '.join(c.channel for c in config.channels)}", 2)
    store = Store.open(settings.db_path)
    try:
        ids = resolve_channels(SlackOutbound(client), config, store, clock, only=ref)
        if ref not in ids:
            raise StartupError(f"cannot post to {ref}: see the warning above")
        poster = Poster(config, store, SlackOutbound(web_client(settings, retries=False)), clock,
                        resolve=lambda ch: ids.get(ch.channel))
        now = clock.now().replace(microsecond=0)
        return poster.post(channel, kind, now, deadline=now + timedelta(minutes=2), manual=True)
    finally:
        store.close()
