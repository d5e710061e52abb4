"""/leadbot status, post-now and reload, for the people under ``admins`` in the config file.

Anyone else gets a polite refusal that names nothing (no channels, no admins). Posting runs on
its own thread so the command is acked at once; the result follows through response_url.
"""

from __future__ import annotations

import logging
import threading

from slack_bolt import Ack, Respond

from bot.messages import admin as messages
from bot.messages import ids
from bot.services import admin
from bot.slack.deps import Deps
from bot.slack.registry import Registry

log = logging.getLogger(__name__)


def on_command(ack: Ack, body: dict, respond: Respond, deps: Deps) -> None:
    """``/leadbot [status | post-now CHANNEL [prompt|nudge|digest] | reload | help]``."""
    user = body.get("user_id", "")
    if not admin.is_admin(deps.config, user):
        log.info("%s tried /leadbot and is not an admin", user)
        ack(text=messages.ADMIN_REFUSAL)
        return
    words = (body.get("text") or "").split()
    sub = words[0].lower() if words else "status"
    if sub == "status":
        pending = deps.inbox.pending() if deps.inbox is not None else 0
        headline, rows = admin.status(deps.config, deps.store, deps.channels,
                                      deps.clock.now(), pending)
        ack(blocks=messages.status_blocks(headline, rows), text=headline)
    elif sub in ("post-now", "post"):
        _post_now(ack, respond, deps, user, words[1:])
    elif sub == "reload":
        _reload(ack, respond, deps, user)
    else:
        ack(blocks=messages.admin_help(), text="leadbot admin commands")


def _post_now(ack: Ack, respond: Respond, deps: Deps, user: str,
              args: list[str]) -> None:
    if not args:
        ack(text="Which channel? `/leadbot post-now #channel [prompt|nudge|digest]`")
        return
    kind = args[1].lower() if len(args) > 1 else "prompt"
    if kind not in admin.POST_KINDS:
        ack(text=f"`{kind[:20]}` is not something I post now; use `prompt`, `nudge` or `digest`.")
        return
    channel = admin.find_channel(deps.config, deps.channels, args[0])
    if channel is None:
        configured = ", ".join(f"`{c.channel}`" for c in deps.config.channels)
        ack(text=f"`{args[0][:80]}` is not one of leadbot's channels ({configured}). Add it "
                 "to the configuration file first.")
        return
    if deps.post_now is None:
        ack(text="This leadbot process cannot post; try `leadbot post-now` on the server.")
        return
    post_now = deps.post_now
    resolved = deps.channels.id_of(channel.channel)
    where = f"<#{resolved}>" if resolved else f"`{channel.channel}`"  # Slack shows #name
    ack(text=f"Posting a {kind} to {where}…")
    log.info("%s asked for a %s in %s", user, kind, channel.channel)

    def run() -> None:
        try:
            result = post_now(channel, kind)
        except Exception:  # reported to the admin, never lost in a thread
            log.exception("post-now from Slack failed")
            respond(text=f"Could not post to {where}: see the bot's log.",
                    replace_original=False)
            return
        if result.status == "posted":
            respond(text=f":white_check_mark: Posted the {kind} to {where}.",
                    replace_original=False)
        else:
            respond(text=f"Not posted to {where}: {result.error or result.status}.",
                    replace_original=False)

    threading.Thread(target=run, name="post-now", daemon=True).start()


def _reload(ack: Ack, respond: Respond, deps: Deps, user: str) -> None:
    if deps.reload is None:
        ack(text="This leadbot process cannot reload; restart it to apply the file.")
        return
    reload = deps.reload
    ack(text="Reading the configuration file again…")
    log.info("%s asked for a reload", user)

    def run() -> None:
        try:
            outcome = reload(f"/leadbot reload by {user}")
        except Exception:  # reported to the admin, never lost in a thread
            log.exception("reload from Slack failed")
            respond(text="Could not reload: see the bot's log.", replace_original=False)
            return
        respond(text=messages.reload_text(outcome.applied, list(outcome.lines),
                                          list(outcome.problems)), replace_original=False)

    threading.Thread(target=run, name="reload", daemon=True).start()


def register(registry: Registry, deps: Deps) -> None:
    """Attach /leadbot."""

    @registry.command(ids.ADMIN_COMMAND)
    def command(ack: Ack, body: dict, respond: Respond) -> None:
        on_command(ack, body, respond, deps)
