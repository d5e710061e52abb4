"""The ``leadbot`` command line: one function per command, each calling one service."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sqlite3
import sys
import threading
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import click

from bot import __version__
from bot.clock import Clock, SystemClock
from bot.config import Config, load_config, scale_warnings
from bot.settings import Settings, SettingsError, load_settings
from bot.store import EXPORT_KINDS, Store, StoreError
from bot.store.files import explain
from bot.yamlfile import FileProblems

EXIT_USAGE = 2


class _Group(click.Group):
    """Turns the errors a user can cause into clear lines and an exit code, not a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except FileProblems as exc:
            for problem in exc.problems:
                _error(str(problem))
            count = len(exc.problems)
            _error(f"{count} problem{'s' if count != 1 else ''} found; nothing was started.",
                   prefix="")
            ctx.exit(EXIT_USAGE)
        except SettingsError as exc:
            for problem in exc.problems:
                _error(f"{problem} (set it in the environment or in .env)")
            ctx.exit(EXIT_USAGE)
        except StoreError as exc:
            _error(str(exc))
            ctx.exit(1)
        except sqlite3.Error as exc:
            # what the opening checks could not see: a lock held too long, a page damaged
            # since, a full disk. Errors in leadbot's own SQL are bugs and keep their traceback.
            line = explain(exc)
            if line is None:
                raise
            _error(line)
            ctx.exit(1)


class Env:
    """What every command needs: settings, the clock, and lazily the config and store."""

    def __init__(self, settings: Settings, clock: Clock):
        self.settings = settings
        self.clock = clock
        self._store: Store | None = None

    def config(self, path: Path | None = None) -> Config:
        """Load and validate the configuration (raises FileProblems)."""
        return load_config(path or self.settings.config_path)

    def store(self) -> Store:
        """Open the database, check it is sound (PRAGMA quick_check) and migrate it."""
        if self._store is None:
            self._store = Store.open(self.settings.db_path, check=True)
        return self._store

    def close(self) -> None:
        """Close the database if it was opened."""
        if self._store is not None:
            self._store.close()


pass_env = click.make_pass_decorator(Env)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Configuration file (default: $LEADBOT_CONFIG or config/leadbot.yaml).")
@click.option("--db", "db_path", type=click.Path(path_type=Path, dir_okay=False),
              help="SQLite database (default: $LEADBOT_DB or data/leadbot.db).")
@click.version_option(__version__, prog_name="leadbot")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, db_path: Path | None) -> None:
    """leadbot: keeps lean leadership alive in a team's Slack.

    Posts John Shook's refrain and behaviour nudges on a schedule, records every answer in
    SQLite, and brings them back to the team.
    """
    given = ctx.obj if isinstance(ctx.obj, dict) else {}
    settings = load_settings(given.get("environ", os.environ))
    overrides = {}
    if config_path:
        overrides["config_path"] = config_path
    if db_path:
        overrides["db_path"] = db_path
    if overrides:
        settings = Settings(**{**settings.__dict__, **overrides})
    env = Env(settings, given.get("clock") or SystemClock())
    ctx.obj = env
    ctx.call_on_close(env.close)


@cli.command("check-config")
@click.argument("path", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--diff", "show_diff", is_flag=True,
              help="Also show what a reload would change, compared with the configuration the "
                   "running bot applied last (recorded in the database): channels added or "
                   "removed, schedules and their next runs, themes.")
@pass_env
def check_config(env: Env, path: Path | None, show_diff: bool) -> None:
    """Validate the configuration and prompt library; print a line per channel.

    Exits 2 and lists every problem (file, line, field) when the file is invalid; warns
    (exit 0) when a schedule fires more often than every 5 minutes or when one minute's posts
    would exceed Slack's posting rate.
    """
    from bot.services.summary import channel_summary

    config = env.config(path)
    library = config.library
    click.echo(f"{config.path}: OK: {len(config.channels)} channel(s), library "
               f"{config.library_path} ({len(library.nudges)} nudges, "
               f"{len(library.themes)} themes)")
    now = env.clock.now()
    for channel in config.channels:
        click.echo("  " + channel_summary(config, channel, now))
    for warning in (*config.notes, *scale_warnings(config, now)):
        click.echo(f"warning: {warning}", err=True)
    if show_diff:
        _print_diff(env, config, now)


def _print_diff(env: Env, config: Config, now: datetime) -> None:
    from bot.services.reload import describe, diff

    recorded = env.store().applied_config()
    if recorded is None:
        click.echo(f"diff: no configuration recorded in {env.settings.db_path} (the bot has "
                   "not run on it yet): everything shows as added")
    else:
        click.echo(f"diff: compared with the configuration the bot applied at {recorded[0]}")
    for line in describe(diff(recorded[1] if recorded else None, config), now):
        click.echo(f"  {line}")


@cli.command()
@click.option("--days", type=click.IntRange(1, 366), default=7, show_default=True,
              help="How many days ahead to show.")
@click.option("--channel", help="Only this channel (as written in the config).")
@pass_env
def preview(env: Env, days: int, channel: str | None) -> None:
    """Show each channel's next posts in its local time, with the text each will carry."""
    from bot.services.preview import preview as plan

    config = env.config()
    if channel and not config.channel(channel):
        raise click.BadParameter(f"'{channel}' is not in {config.path}; configured: "
                                 f"{', '.join(c.channel for c in config.channels)}",
                                 param_hint="--channel")
    posts = plan(config, env.store(), env.clock.now(), days)
    shown = [p for p in posts if not channel or p.channel == channel]
    if not shown:
        click.echo(f"Nothing is scheduled in the next {days} day(s).")
    for ch in config.channels:
        items = [p for p in shown if p.channel == ch.channel]
        if not items:
            continue
        click.echo(f"{ch.channel} ({ch.tz.key})")
        for post in items:
            when = post.at.strftime("%a %d %b %Y %H:%M %Z")
            if post.skipped:
                click.echo(f"  {when}  {post.kind}: skipped ({post.skipped})")
                continue
            click.echo(f"  {when}  {post.kind}" + (f" [{post.nudge_id}]" if post.nudge_id else ""))
            for line in post.text.splitlines():
                click.echo(f"      {line}")


PRIVATE_WARNING = ("warning: --include-private: this export holds what the forms promised to "
                   "keep private (the words of unshared reflections, who wrote reflections "
                   "shared without their name and anonymous sightings); keep it like the "
                   "database.")


def _parse_since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date: use YYYY-MM-DD or an ISO 8601 "
                                 "time", param_hint="--since") from None
    if parsed.tzinfo is None:
        if len(value) == 10:
            parsed = datetime.combine(parsed.date(), time(0), tzinfo=UTC)
        else:
            parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 is in year 0 once in UTC
        raise click.BadParameter(f"'{value}' is out of range: in UTC it falls before year 1 "
                                 "or after 9999", param_hint="--since") from None


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json",
              show_default=True, help="JSON lines (one object per line) or CSV.")
@click.option("--since", help="Only what happened on or after this date (YYYY-MM-DD, UTC).")
@click.option("--kind", type=click.Choice(EXPORT_KINDS), help="Only one kind of record.")
@click.option("--output", "-o", type=click.Path(path_type=Path),
              help="File to write (JSON, or CSV with --kind) or folder (CSV, one file per "
                   "kind). Default: standard output.")
@click.option("--include-private", is_flag=True,
              help="Also export what the forms promise to keep private: the words of "
                   "unshared reflections, and who wrote reflections shared without their name "
                   "and anonymous sightings.")
@pass_env
def export(env: Env, fmt: str, since: str | None, kind: str | None, output: Path | None,
           include_private: bool) -> None:
    """Export what people answered: posts, replies, choices, reactions, reflections,
    follow-ups and sightings.

    Deleted text is never included. What the forms promise to keep private (the words of
    unshared reflections, who wrote reflections shared without their name and anonymous
    sightings) is left out unless --include-private.
    """
    from bot.services import export as exporter

    since_at = _parse_since(since)
    kinds = (kind,) if kind else EXPORT_KINDS
    if fmt == "csv" and not kind and output is None:
        raise click.UsageError("CSV writes one file per kind: give --output FOLDER, or "
                               "--kind KIND for a single file")
    if include_private:
        click.echo(PRIVATE_WARNING, err=True)
    store = env.store()
    try:
        if fmt == "csv" and not kind:
            counts = exporter.write_csv_folder(store, since_at, output,
                                               include_private=include_private)
            for name, count in counts.items():
                click.echo(f"{output / name}: {count} row(s)", err=True)
            return
        with (output.open("w", encoding="utf-8", newline="") if output
              else contextlib.nullcontext(sys.stdout)) as handle:
            if fmt == "json":
                exporter.write_json(store, kinds, since_at, handle,
                                    include_private=include_private)
            else:
                exporter.write_csv(store, kinds[0], since_at, handle,
                                   include_private=include_private)
    except OSError as exc:  # a missing folder, a folder given for a file, /proc, a full disk
        where = exc.filename or output or "standard output"
        why = "it is a file, not a folder" if isinstance(exc, FileExistsError) else exc.strerror
        raise _Exit(f"cannot write {where}: {why or exc}", 1) from None


@cli.command()
@pass_env
def stats(env: Env) -> None:
    """Counts per channel: posts, follow / take / pass, replies, reflections, people; and
    the inbox's pending items and dead letters."""
    from bot.inbox import Inbox, inbox_path

    path = inbox_path(env.settings.db_path)
    if path.exists():
        inbox = Inbox(path)
        try:
            pending, dead = inbox.pending(), inbox.dead_count()
        finally:
            inbox.close()
        if dead:
            click.echo(f"Inbox: {pending} pending, {dead} dead letter(s): see `leadbot inbox`.")
        elif pending:
            click.echo(f"Inbox: {pending} pending.")
    rows = env.store().stats()
    if not rows:
        click.echo("Nothing recorded yet.")
        return
    headers = ["channel", "posted", "failed", "skipped", "follow", "take", "pass", "replies",
               "reflections", "people"]
    widths = [max(len(h), *(len(str(r[h])) for r in rows)) for h in headers]
    click.echo("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    for row in rows:
        click.echo("  ".join(str(row[h]).ljust(w) for h, w in zip(headers, widths, strict=True)))


@cli.command()
@click.option("--older-than", "days", type=click.IntRange(1, 36500), required=True,
              help="Delete the words of what is older than this many days (1-36500, as "
                   "retention_days).")
@pass_env
def purge(env: Env, days: int) -> None:
    """Delete the words of replies, reflections and sightings older than DAYS (counts stay).

    The running bot does the same every day with `retention_days` from the configuration.
    """
    from bot.services.retention import purge_old_words

    now = env.clock.now()
    counts = purge_old_words(env.store(), now, days)
    cutoff = (now - timedelta(days=days)).date().isoformat()
    listed = ", ".join(f"{n} {kind}" for kind, n in counts.items())
    click.echo(f"Deleted the words of what was written before {cutoff}: {listed}.")


@cli.command()
@click.argument("user_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_env
def forget(env: Env, user_id: str, yes: bool) -> None:
    """Delete everything stored about one person (USER_ID, like U0123ABCD).

    Their choices, thread replies, reactions, reflections, follow-ups, settings, the sightings
    they recorded and those about them, the messages quoting them (waiting or sent), and their
    items in the inbox (pending, done, dead letters). A running bot drops their work from the
    moment this starts. Posts and other people's answers stay.
    """
    from bot.inbox import Inbox, inbox_path
    from bot.services.people import forget_person

    if not re.fullmatch(r"[UW][A-Z0-9]{2,}", user_id):
        raise click.BadParameter(f"'{user_id}' is not a Slack user ID (like U0123ABCD)",
                                 param_hint="USER_ID")
    if not yes:
        click.confirm(f"Delete everything leadbot stored about {user_id}?", abort=True)
    inbox = Inbox(inbox_path(env.settings.db_path))
    try:
        report = forget_person(env.store(), inbox, user_id, env.clock)
    finally:
        inbox.close()
    click.echo(f"Deleted for {user_id}: " + ", ".join(f"{n} {what}" for what, n in
                                                       report.items()) + ".")


@cli.command()
@click.option("--retry", "retry", metavar="ID|all", help="Put a dead letter (or all) back in "
              "the queue; a running bot handles it within seconds.")
@click.option("--drop", "drop", metavar="ID|all", help="Delete a dead letter (or all) for good.")
@pass_env
def inbox(env: Env, retry: str | None, drop: str | None) -> None:
    """List the inbox's dead letters: work that failed for good, with its last error.

    An item lands there after a permanent Slack error, or after failing 5 times (with
    backoff). Fix the cause, then --retry it, or --drop it.
    """
    from bot.inbox import Inbox, inbox_path

    if retry and drop:
        raise click.UsageError("give --retry or --drop, not both")
    chosen = retry or drop
    ids = None if chosen in (None, "all") else _dead_ids(chosen)
    box = Inbox(inbox_path(env.settings.db_path))
    try:
        if retry:
            click.echo(f"Put {box.retry_dead(ids, env.clock.now())} item(s) back in the queue.")
        elif drop:
            click.echo(f"Dropped {box.drop_dead(ids)} dead letter(s).")
        else:
            _list_dead(box)
    finally:
        box.close()


def _dead_ids(value: str) -> list[int]:
    if not re.fullmatch(r"\d{1,18}(,\d{1,18})*", value):
        raise click.BadParameter(f"'{value}' is not an id, a list of ids (1,2) or 'all'")
    return [int(part) for part in value.split(",")]


def _list_dead(box) -> None:
    letters = box.dead_letters()
    click.echo(f"{box.pending()} pending, {len(letters)} dead letter(s).")
    for d in letters:
        click.echo(f"{d.id}  {d.failed_at}  {d.kind}  {d.user or '-'}  {d.attempts} attempt(s)"
                   f"  {d.key}\n    {d.last_error.splitlines()[0][:200]}")


@cli.command()
@pass_env
def migrate(env: Env) -> None:
    """Create or upgrade the database, and list the migrations it has."""
    store = env.store()
    click.echo(f"{env.settings.db_path}: " + ", ".join(store.applied_migrations()))


@cli.command()
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--overwrite", is_flag=True, help="Replace PATH if it exists (by default an "
              "existing backup is kept and the command fails).")
@pass_env
def backup(env: Env, path: Path, overwrite: bool) -> None:
    """Copy the database, and its inbox, to PATH while the bot runs; check the copy.

    SQLite's online backup API takes one consistent snapshot; the copy is checked with PRAGMA
    integrity_check and only then renamed to PATH. The inbox (answers received but not yet
    recorded, and dead letters) goes beside it, as PATH's -inbox file. Prints each file's size
    and rows per table; exits 1 with one line on any failure.
    """
    from bot.inbox import inbox_path
    from bot.store.backup import backup as copy_database

    for copy in copy_database(env.settings.db_path, path, inbox_path, overwrite=overwrite):
        _print_copy("Backed up to", copy)
        click.echo("  integrity_check: ok")


@cli.command()
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@pass_env
def restore(env: Env, path: Path) -> None:
    """Put the backup at PATH (and its inbox) in place of the database; the bot must be stopped.

    Refuses a backup that fails PRAGMA integrity_check or comes from a newer leadbot, and a
    database a running `leadbot run` holds. The database it replaces is kept beside it as
    <db>.before-restore-<time>: to undo, restore that file.
    """
    from bot.inbox import inbox_path
    from bot.store.backup import restore as put_back

    done = put_back(path, env.settings.db_path, inbox_path, env.clock.now())
    for kept in done.kept:
        click.echo(f"Kept what it replaces as {kept} (restore it to undo).")
    _print_copy(f"Restored from {path}:", done.database)
    if done.inbox:
        _print_copy("Restored the inbox:", done.inbox)
    click.echo(f"  {len(done.migrations)} migration(s) applied in the backup; the next "
               "`leadbot run` brings it up to date.")


def _print_copy(what: str, copy) -> None:
    click.echo(f"{what} {copy.path} ({_size(copy.size)})")
    for table, rows in copy.counts.items():
        click.echo(f"  {table}: {rows} row(s)")


def _size(size: int) -> str:
    return f"{size / 1_048_576:.1f} MB" if size >= 1_048_576 else f"{size / 1024:.0f} kB"


@cli.command()
@click.option("--http", is_flag=True,
              help="Serve Slack's HTTP endpoint (/slack/events) instead of Socket Mode.")
@click.option("--host", default="0.0.0.0", show_default=True, help="Address for --http.")
@click.option("--port", type=click.IntRange(0, 65535), default=3000, show_default=True,
              help="Port for --http (0 picks a free one).")
@click.option("--metrics-port", type=click.IntRange(0, 65535),
              help="Also serve Prometheus metrics at /metrics on this port (for Socket Mode; "
                   "--http serves them on --port already). Off unless given.")
@click.option("--metrics-host", default="127.0.0.1", show_default=True,
              help="Address for --metrics-port.")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Log lines as text, or one JSON object per line.")
@pass_env
def run(env: Env, http: bool, host: str, port: int, metrics_port: int | None,
        metrics_host: str, log_format: str) -> None:
    """Run the bot: post prompts and nudges on schedule and record the answers.

    Socket Mode needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN; --http needs SLACK_BOT_TOKEN and
    SLACK_SIGNING_SECRET and also serves GET /healthz and GET /metrics. Ctrl-C or SIGTERM
    stops cleanly. An edit to the configuration file or prompt library applies within seconds
    (also on SIGHUP and /leadbot reload); an invalid one is refused and the admins are told.
    """
    from bot import runtime
    from bot.reload import install_hangup

    _setup_logging(log_format)  # first: in JSON, a broken config's lines are JSON too
    config = env.config()
    env.settings.require("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET" if http else "SLACK_APP_TOKEN")
    stop = threading.Event()
    runtime.install_signal_handlers(stop)
    try:
        bot = runtime.start(env.settings, config, env.clock, http=http, stop=stop)
    except runtime.StartupError as exc:
        if log_format == "json":  # the one line a log collector reads, in JSON too
            runtime.log.error("%s", exc)
            raise SystemExit(exc.exit_code) from None
        raise _Exit(str(exc), exc.exit_code) from None
    install_hangup(bot.reloader)
    metrics = None
    try:
        if metrics_port is not None:
            try:
                metrics = runtime.MetricsServer(bot, metrics_host, metrics_port)
            except OSError as exc:
                raise _Exit(f"cannot serve metrics on {metrics_host}:{metrics_port} "
                            f"({exc.strerror or exc})", 1) from None
        if http:
            runtime.run_http(bot, host, port, lambda h, p: runtime.log.info(
                "listening on http://%s:%d (/slack/events, /healthz, /metrics)", h, p))
        else:
            runtime.run_socket_mode(bot)
    finally:
        if metrics is not None:
            metrics.close()
        runtime.shutdown(bot)


SANDBOX_DB = Path("data/sandbox.db")


@cli.command()
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="Port of the local workspace and its page (0 picks a free one).")
@click.option("--config", "sandbox_config", type=click.Path(path_type=Path, dir_okay=False),
              help="Preview your own configuration (default: the demo shipped with leadbot).")
@click.option("--db", "sandbox_db", type=click.Path(path_type=Path, dir_okay=False),
              default=SANDBOX_DB, show_default=True,
              help="The sandbox's own database (never the production one); created if new, "
                   "in a folder that exists.")
def sandbox(port: int, sandbox_config: Path | None, sandbox_db: Path) -> None:
    """Try leadbot without Slack: a local workspace, the real bot, and a page in your browser.

    Prints the page's address; prompts arrive, you click, reply, reflect and see the digest.
    Ctrl-C stops it.
    """
    from bot import runtime

    try:
        from bot.sandbox.app import Sandbox
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] != "aiohttp":
            raise
        raise _Exit("the sandbox needs aiohttp: pip install 'leadbot[sandbox]' "
                    "(or pipx install 'leadbot[sandbox]')", 2) from None

    demo = sandbox_config is None
    config_path = sandbox_config or _sandbox_config()
    if sandbox_db.resolve() == Path(os.environ.get("LEADBOT_DB", "data/leadbot.db")).resolve():
        raise _Exit("the sandbox never uses the production database: give another --db", 2)
    if sandbox_db != SANDBOX_DB and not sandbox_db.parent.is_dir():
        raise _Exit(f"--db {sandbox_db}: there is no folder {sandbox_db.parent} (a typo?)", 2)
    new = not sandbox_db.exists()
    _setup_logging()
    stop = threading.Event()
    runtime.install_signal_handlers(stop)
    box = Sandbox(config_path, sandbox_db, port=port, demo_data=demo)
    try:
        url = box.start()
    except OSError as exc:
        raise _Exit(f"cannot start the sandbox on port {port} ({exc.strerror or exc}); try "
                    "--port 0 for a free port", 1) from None
    except StoreError as exc:
        raise _Exit(str(exc), 1) from None
    click.echo(f"leadbot sandbox: {'created a new' if new else 'using the'} sandbox database "
               f"at {sandbox_db}")
    click.echo(f"leadbot sandbox: open {url} in your browser (Ctrl-C to stop)")
    try:
        stop.wait()
    finally:
        box.stop()


def _sandbox_config() -> Path:
    """The demo configuration shipped inside the package (bot/sandbox/demo.yaml)."""
    return Path(__file__).resolve().parent / "sandbox" / "demo.yaml"


@cli.command("post-now")
@click.argument("channel")
@click.option("--kind", type=click.Choice(["prompt", "nudge", "digest"]), default="prompt",
              show_default=True, help="What to post.")
@pass_env
def post_now(env: Env, channel: str, kind: str) -> None:
    """Post a prompt, nudge or digest to CHANNEL (as written in the config) right away.

    It goes through the same path as scheduled posts and is recorded like them.
    """
    from bot import runtime

    config = env.config()
    _setup_logging()
    try:
        result = runtime.post_now(env.settings, config, env.clock, channel, kind)
    except runtime.StartupError as exc:
        raise _Exit(str(exc), exc.exit_code) from None
    if result.status != "posted":
        raise _Exit(f"not posted to {channel}: {result.error or result.status}", 1)
    click.echo(f"posted {kind} to {channel} (ts {result.ts})")


class _Exit(click.ClickException):
    """A one-line error with our own exit code."""

    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.exit_code = code

    def show(self, file=None) -> None:
        _error(self.message)


def _error(line: str, prefix: str = "error: ") -> None:
    """A problem the command stops on: one line on stderr, or a JSON log line when
    ``run --log-format json`` has set logging up (a log collector reads every line)."""
    from bot.logs import json_active

    if json_active():
        logging.getLogger("leadbot").error("%s", line)
    else:
        click.echo(f"{prefix}{line}", err=True)


def _setup_logging(fmt: str = "text") -> None:
    from bot.logs import setup

    setup(os.environ.get("LEADBOT_LOG_LEVEL", "INFO"), fmt)


def main(argv: list[str] | None = None) -> None:
    """Console entry point."""
    cli.main(args=argv, prog_name="leadbot")
