"""What services need from Slack, as a port: the calls they make, and the one failure those
calls raise. ``bot.slack.outbound`` implements it over the Web API; tests may fake it.

Services never see ``slack_sdk``: a refused or failed call is a SlackFailure, sorted once, by
one policy (``bot.slack.errors``), into "may pass if tried again" or "never will".
"""

from __future__ import annotations

from typing import Any, Protocol


class SlackFailure(Exception):
    """A Slack call that failed.

    ``error`` is Slack's code (``not_in_channel``), or what went wrong on the way; ``permanent``
    says trying again can never help, ``transient`` that it likely will (a rate limit, a 5xx, a
    dropped connection: neither, for a code Slack gives for other reasons); ``retry_after`` is
    the wait Slack asked for; ``answered`` is False when Slack was never reached.
    """

    def __init__(self, error: str, *, permanent: bool = False, transient: bool = False,
                 retry_after: float | None = None, answered: bool = True, method: str = ""):
        super().__init__(error)
        self.error = error
        self.permanent = permanent
        self.transient = transient
        self.retry_after = retry_after
        self.answered = answered
        self.method = method


class Slack(Protocol):
    """The Web API calls services make, each raising SlackFailure when it fails."""

    def post_message(self, channel: str, text: str, blocks: list | None = None,
                     metadata: dict | None = None) -> str:
        """Post to a channel; return the message's ts."""

    def history(self, channel: str, limit: int) -> list[dict]:
        """The channel's latest messages, with their metadata."""

    def upload_file(self, channel: str, content: bytes, filename: str, title: str,
                    alt_text: str) -> None:
        """Share a file in a channel."""

    def send_dm(self, user: str, text: str, blocks: list | None = None) -> tuple[str, str]:
        """Open the DM with ``user`` and post; return (DM channel, ts)."""

    def permalink(self, channel: str, ts: str) -> str | None:
        """A link to a message."""

    def user(self, user_id: str) -> dict[str, Any] | None:
        """users.info's user, or None when Slack has no such user."""

    def channels(self) -> list[dict]:
        """Every channel the bot can see (public and private, not archived)."""

    def channel(self, channel_id: str) -> dict:
        """conversations.info's channel."""

    def join(self, channel_id: str) -> None:
        """Join a public channel."""
