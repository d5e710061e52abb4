"""What a running bot counts, for Prometheus: one registry per bot, never the global one.

The counting points call plain methods here (``post``, ``answer``, ``slack_error``...), so the
services and the worker know nothing of prometheus_client; the gauges that describe a state
(the inbox, the scheduler's next run) are read when Prometheus scrapes.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

log = logging.getLogger(__name__)

METRICS_PATH = "/metrics"
POST_KINDS = ("prompt", "nudge", "digest")
POST_OUTCOMES = ("posted", "failed", "skipped", "duplicate", "stopped")
# Inbox kinds that are someone's answer, and the name each has in the metric; the others
# (home tab refreshes, modals opened, confirmations...) are the bot's own work.
ANSWER_KINDS = {
    "click": "choice", "reply": "thread_reply", "edit": "edit", "delete": "delete",
    "reaction": "reaction", "reflect_quick": "reflection", "reflect_submit": "reflection",
    "saw_quick": "sighting", "sighting_submit": "sighting",
}


class Metrics:
    """The bot's counters and gauges, in a registry of its own (several bots, one process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        reg = self.registry
        self.posts = Counter("leadbot_posts", "Scheduled or manual posts, by kind and outcome.",
                             ["kind", "outcome"], registry=reg)
        self.answers = Counter("leadbot_answers", "Answers recorded, by kind.", ["kind"],
                               registry=reg)
        self.slack_errors = Counter("leadbot_slack_errors",
                                    "Slack Web API calls that failed, by method and error.",
                                    ["method", "error"], registry=reg)
        self.rate_limits = Counter("leadbot_slack_rate_limits",
                                   "Slack answers of 429 (rate limited), retried or not, "
                                   "by method.", ["method"], registry=reg)
        self.last_post = Gauge("leadbot_last_post_timestamp_seconds",
                               "When the last post to each channel succeeded (unix time).",
                               ["channel"], registry=reg)
        self.inbox_pending = Gauge("leadbot_inbox_pending",
                                   "Answers received and not yet recorded.", registry=reg)
        self.dead_letters = Gauge("leadbot_inbox_dead_letters",
                                  "Inbox items given up on (see `leadbot inbox`).",
                                  registry=reg)
        self.next_run = Gauge("leadbot_scheduler_next_run_timestamp_seconds",
                              "When the scheduler runs next (unix time; 0 when nothing is "
                              "scheduled).", registry=reg)
        for kind in POST_KINDS:
            for outcome in POST_OUTCOMES:
                self.posts.labels(kind, outcome)
        for kind in dict.fromkeys(ANSWER_KINDS.values()):
            self.answers.labels(kind)

    def watch(self, *, inbox_pending: Callable[[], int], dead_letters: Callable[[], int],
              next_run: Callable[[], datetime | None]) -> None:
        """Read these at each scrape (a failing read shows as NaN, not as a failed scrape)."""
        self.inbox_pending.set_function(_safe(inbox_pending))
        self.dead_letters.set_function(_safe(dead_letters))
        self.next_run.set_function(_safe(lambda: _timestamp(next_run())))

    def post(self, channel: str, kind: str, outcome: str, at: datetime) -> None:
        """Count one post's outcome; a post that went out also sets its channel's time."""
        self.posts.labels(kind, outcome).inc()
        if outcome == "posted":
            self.last_post.labels(channel).set(at.timestamp())

    def answer(self, inbox_kind: str, count: int = 1) -> None:
        """Count answers recorded from the inbox (kinds that are not answers are ignored)."""
        kind = ANSWER_KINDS.get(inbox_kind)
        if kind is not None and count:
            self.answers.labels(kind).inc(count)

    def answers_of(self, inbox_kinds: Iterable[str]) -> None:
        """Count every answer in a list of inbox kinds."""
        for kind in inbox_kinds:
            self.answer(kind)

    def slack_error(self, method: str, error: str) -> None:
        """Count a Web API call that failed (a rate limit counts here and as a rate limit)."""
        self.slack_errors.labels(method or "unknown", error or "unknown").inc()
        if error == "ratelimited":
            self.rate_limited(method)

    def rate_limited(self, method: str) -> None:
        """Count a 429 from Slack."""
        self.rate_limits.labels(method or "unknown").inc()

    def render(self) -> tuple[bytes, str]:
        """The registry in Prometheus' text format, and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST

    def wsgi(self) -> Callable:
        """A WSGI app answering GET with the text format (any path: the caller routes)."""

        def app(environ, start_response):
            body, content_type = self.render()
            start_response("200 OK", [("Content-Type", content_type),
                                      ("Content-Length", str(len(body)))])
            return [body]

        return app


def _timestamp(at: datetime | None) -> float:
    return at.timestamp() if at is not None else 0.0


def _safe(read: Callable[[], float]) -> Callable[[], float]:
    def reading() -> float:
        try:
            return float(read())
        except Exception:  # a closed database or a stopped scheduler: no value, still a scrape
            log.debug("metric read failed", exc_info=True)
            return math.nan

    return reading
