"""Every Web API call the bot makes, watched in one place: the errors Slack answers and the
rate limits it meets are told to an observer (the metrics), and each request Bolt handles has
its ids bound for the log lines written while it is handled.

The bot's own clients are ObservedWebClient; Bolt makes a plain WebClient per request, which
the middleware replaces with an observed one, so listeners' calls are counted too. A 429 that
slack_sdk retries by itself never raises: the retry handler counts it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.logs import bound
from bot.slack.errors import NETWORK

log = logging.getLogger(__name__)
OnError = Callable[[str, str], None]  # (method, error)
OnRateLimit = Callable[[str], None]  # (method)


def _ignore(*_args: Any) -> None:
    return None


class ObservedWebClient(WebClient):
    """A WebClient that tells ``on_error`` about every call that fails."""

    def __init__(self, *args: Any, on_error: OnError = _ignore, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.on_error = on_error

    @classmethod
    def like(cls, client: WebClient, on_error: OnError) -> ObservedWebClient:
        """An observed copy of ``client`` (same token, URL, retries, team)."""
        copy = cls(token=client.token, base_url=client.base_url, timeout=client.timeout,
                   ssl=client.ssl, proxy=client.proxy, headers=dict(client.headers),
                   logger=client.logger, retry_handlers=client.retry_handlers,
                   on_error=on_error)
        copy.default_params = dict(client.default_params)
        return copy

    def api_call(self, api_method: str, **kwargs: Any) -> Any:
        """WebClient.api_call, telling the observer what went wrong before raising it."""
        try:
            return super().api_call(api_method, **kwargs)
        except SlackApiError as exc:
            self.on_error(api_method, error_code(exc))
            raise
        except NETWORK:
            self.on_error(api_method, "connection_error")
            raise


def error_code(exc: SlackApiError) -> str:
    """Slack's error code; "ratelimited" for any 429, http_<status> when there is none."""
    response = exc.response
    status = getattr(response, "status_code", 200)
    if status == 429:
        return "ratelimited"
    error = response.get("error") if hasattr(response, "get") else None
    return str(error or f"http_{status}")


class CountingRateLimitHandler(RateLimitErrorRetryHandler):
    """slack_sdk's 429 retry, telling ``on_rate_limit`` each time it waits and tries again
    (the last 429, not retried, raises and is counted by the client)."""

    def __init__(self, on_rate_limit: OnRateLimit, **kwargs: Any):
        super().__init__(**kwargs)
        self.on_rate_limit = on_rate_limit

    def prepare_for_next_attempt(self, *, state, request, response=None, error=None) -> None:
        """Count, then wait as Slack's Retry-After says."""
        self.on_rate_limit(request.url.rsplit("/", 1)[-1].split("?")[0])
        super().prepare_for_next_attempt(state=state, request=request, response=response,
                                         error=error)


def request_middleware(on_error: OnError) -> Callable:
    """A Bolt global middleware: the request's ids bound for logging, its client observed."""

    # Bolt builds a client for each request (a workspace's token may differ); its observed
    # copy is made once per token and base URL, not on every event: WebClient is thread-safe.
    observed: dict[tuple, ObservedWebClient] = {}

    def observe_request(context, body, next):  # Bolt passes each by its name
        client = context.get("client")
        if isinstance(client, WebClient) and not isinstance(client, ObservedWebClient):
            key = (client.token, client.base_url, tuple(sorted(client.default_params.items())))
            if key not in observed:
                observed[key] = ObservedWebClient.like(client, on_error)
            context["client"] = observed[key]
        body = body if isinstance(body, dict) else {}
        event = body.get("event") if isinstance(body.get("event"), dict) else {}
        with bound(event_id=body.get("event_id"), user=context.user_id,
                   channel=context.channel_id):
            log.debug("received %s", event.get("type") or body.get("type")
                      or body.get("command") or "a request")
            return next()

    return observe_request
