"""Every call services make to Slack, over the Web API: posting, history, uploads, DMs,
permalinks, who a user is, the channels and joining them.

It implements ``bot.services.ports.Slack``: each call's failure (a Slack error, or no answer at
all) leaves here as a SlackFailure, sorted by the one policy in ``bot.slack.errors``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.ports import SlackFailure
from bot.slack.errors import NETWORK, failure

T = TypeVar("T")


class SlackOutbound:
    """The Web API behind the services' port (``client`` decides retries and the base URL)."""

    def __init__(self, client: WebClient):
        self.client = client

    def _call(self, method: str, call: Callable[[], T]) -> T:
        try:
            return call()
        except (SlackApiError, *NETWORK) as exc:
            raise failure(exc, method) from exc

    def post_message(self, channel: str, text: str, blocks: list | None = None,
                     metadata: dict | None = None) -> str:
        """chat.postMessage without unfurling links; the message's ts."""
        kwargs: dict[str, Any] = {"blocks": blocks} if blocks else {}
        if metadata is not None:
            kwargs["metadata"] = metadata
        response = self._call("chat.postMessage", lambda: self.client.chat_postMessage(
            channel=channel, text=text, unfurl_links=False, **kwargs))
        return response["ts"]

    def history(self, channel: str, limit: int) -> list[dict]:
        """conversations.history with every message's metadata."""
        response = self._call("conversations.history", lambda: self.client.conversations_history(
            channel=channel, limit=limit, include_all_metadata=True))
        return list(response.get("messages", []))

    def upload_file(self, channel: str, content: bytes, filename: str, title: str,
                    alt_text: str) -> None:
        """files.upload (v2) into the channel."""
        self._call("files.upload", lambda: self.client.files_upload_v2(
            channel=channel, content=content, filename=filename, title=title,
            alt_txt=alt_text, request_file_info=False))

    def send_dm(self, user: str, text: str, blocks: list | None = None) -> tuple[str, str]:
        """Open the DM with ``user`` and post; (DM channel, ts)."""
        opened = self._call("conversations.open",
                            lambda: self.client.conversations_open(users=user))
        dm = opened["channel"]["id"]
        return dm, self.post_message(dm, text, blocks)

    def permalink(self, channel: str, ts: str) -> str | None:
        """chat.getPermalink."""
        response = self._call("chat.getPermalink", lambda: self.client.chat_getPermalink(
            channel=channel, message_ts=ts))
        return response.get("permalink")

    def user(self, user_id: str) -> dict[str, Any] | None:
        """users.info's user; None when Slack has no such user."""
        try:
            return self._call("users.info",
                              lambda: self.client.users_info(user=user_id))["user"]
        except SlackFailure as exc:
            if exc.error == "user_not_found":
                return None
            raise

    def channels(self) -> list[dict]:
        """Every public and private channel the bot can see, not archived (paginated)."""
        found: list[dict] = []
        cursor = None
        while True:
            response = self._call("conversations.list", lambda c=cursor: (
                self.client.conversations_list(types="public_channel,private_channel",
                                               exclude_archived=True, limit=1000, cursor=c)))
            found.extend(response.get("channels", []))
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return found

    def channel(self, channel_id: str) -> dict:
        """conversations.info's channel."""
        return self._call("conversations.info", lambda: self.client.conversations_info(
            channel=channel_id))["channel"]

    def join(self, channel_id: str) -> None:
        """conversations.join."""
        self._call("conversations.join",
                   lambda: self.client.conversations_join(channel=channel_id))
