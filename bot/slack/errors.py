"""The one policy for Slack errors: which are worth another try, and which never pass.

A rate limit, a 5xx or a dropped connection may pass; an error about the request itself (the
person is not in the channel, the message is gone, the blocks are invalid) answers the same
every time, so the work is not retried: it is logged once, and what does not depend on the
call (a choice already recorded) stands. Outgoing calls (``bot.slack.outbound``) turn each
failure into a SlackFailure with this policy; the inbox worker asks it about the exceptions
its handlers raise.
"""

from __future__ import annotations

import http.client
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from slack_sdk.errors import SlackApiError

from bot.services.ports import SlackFailure

log = logging.getLogger(__name__)
T = TypeVar("T")

# Errors that answer the same however often the call is made.
PERMANENT = frozenset({
    "user_not_in_channel", "not_in_channel", "channel_not_found", "is_archived",
    "message_not_found", "cant_update_message", "edit_window_closed", "thread_not_found",
    "user_not_found", "users_not_found", "cannot_dm_bot", "account_inactive", "user_disabled",
    "invalid_blocks", "invalid_blocks_format", "invalid_arguments", "invalid_attachments",
    "msg_too_long", "no_text", "too_many_attachments", "missing_scope", "not_allowed_token_type",
    "restricted_action", "restricted_action_read_only_channel", "ekm_access_denied",
    "method_not_supported_for_channel_type", "not_found", "view_too_large", "expired_trigger_id",
    "invalid_trigger_id", "exchanged_trigger_id", "hash_conflict", "duplicate_external_id",
})
# Errors that say Slack could not serve the call just now: trying again soon may pass.
TRANSIENT = frozenset({"ratelimited", "internal_error", "fatal_error", "service_unavailable",
                       "request_timeout", "team_added_to_org"})
MAX_RETRY_AFTER = 60.0  # a live claim is refreshed at least this often (see STALE_CLAIM)
# What a call that never got Slack's answer raises: URLError, ConnectionError, socket
# timeouts, a connection dropped mid-response.
NETWORK = (OSError, TimeoutError, http.client.HTTPException)


def slack_error(exc: BaseException) -> str | None:
    """The ``error`` code of a Slack API error (or of a SlackFailure), else None."""
    if isinstance(exc, SlackFailure):
        return exc.error if exc.answered else None
    if isinstance(exc, SlackApiError):
        return exc.response.get("error") if exc.response is not None else None
    return None


def failure(exc: BaseException, method: str = "") -> SlackFailure:
    """A Slack API error or a network error as a SlackFailure, sorted by this policy;
    anything else is raised again (it is a bug, not Slack's answer)."""
    if isinstance(exc, SlackFailure):
        return exc
    if isinstance(exc, SlackApiError):
        response = exc.response
        status = getattr(response, "status_code", 200)
        error = (response.get("error") if hasattr(response, "get") else None) or f"http_{status}"
        if status == 429:
            return SlackFailure("ratelimited", transient=True,
                                retry_after=_retry_after(response), method=method)
        transient = status >= 500 or error in TRANSIENT
        return SlackFailure(error, permanent=not transient and error in PERMANENT,
                            transient=transient, method=method)
    if isinstance(exc, NETWORK):
        return SlackFailure(f"connection_error: {exc}", transient=True, answered=False,
                            method=method)
    raise exc


def _retry_after(response: Any) -> float:
    headers = {k.lower(): v for k, v in (getattr(response, "headers", None) or {}).items()}
    raw = headers.get("retry-after")
    raw = raw[0] if isinstance(raw, list) else raw
    try:
        wait = float(raw) if raw is not None else 1.0
    except ValueError:
        wait = 1.0
    return min(max(wait, 0.0), MAX_RETRY_AFTER)


def is_permanent(exc: BaseException) -> bool:
    """Whether retrying the work that raised ``exc`` can never help."""
    if isinstance(exc, SlackFailure):
        return exc.permanent
    return slack_error(exc) in PERMANENT


def describe(exc: BaseException) -> str:
    """One line saying what went wrong, for logs and dead letters (Slack's error code, not
    the whole response)."""
    if isinstance(exc, SlackFailure) and exc.answered:
        return f"Slack answered {exc.error} ({exc.method or 'a call'})"
    error = slack_error(exc)
    if error is not None:
        api_url = getattr(exc.response, "api_url", "") or ""
        return f"Slack answered {error} ({api_url.rsplit('/', 1)[-1]})"
    return f"{type(exc).__name__}: {exc}".splitlines()[0]


def best_effort(call: Callable[..., T], **kwargs: Any) -> T | None:
    """Make a Slack call whose failure for good should not undo the work around it (a
    confirmation to someone who left the channel); transient errors still raise, to retry."""
    try:
        return call(**kwargs)
    except (SlackApiError, SlackFailure) as exc:
        if not is_permanent(exc):
            raise
        log.warning("%s: Slack answered %s; not retried",
                    getattr(call, "__name__", "call"), slack_error(exc))
        return None
