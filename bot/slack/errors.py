"""Which Slack errors are worth another try, for the inbox worker's calls.

A rate limit, a 5xx or a dropped connection may pass; an error about the request itself (the
person is not in the channel, the message is gone, the blocks are invalid) answers the same
every time, so the work is not retried: it is logged once, and what does not depend on the
call (a choice already recorded) stands.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from slack_sdk.errors import SlackApiError

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


def slack_error(exc: BaseException) -> str | None:
    """The ``error`` code of a Slack API error, else None."""
    if isinstance(exc, SlackApiError):
        return exc.response.get("error") if exc.response is not None else None
    return None


def is_permanent(exc: BaseException) -> bool:
    """Whether retrying the work that raised ``exc`` can never help."""
    return slack_error(exc) in PERMANENT


def describe(exc: BaseException) -> str:
    """One line saying what went wrong, for logs and dead letters (Slack's error code, not
    the whole response)."""
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
    except SlackApiError as exc:
        if not is_permanent(exc):
            raise
        log.warning("%s: Slack answered %s; not retried",
                    getattr(call, "__name__", "call"), slack_error(exc))
        return None
