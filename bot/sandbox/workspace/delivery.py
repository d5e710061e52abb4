"""HTTP mode: signed deliveries of events, interactions and slash commands to a bot's endpoint."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import itertools
import json
import secrets
import threading
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode

from .blockkit import check_ack
from .state import Workspace

USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"


class Delivery:
    """Builds Slack's payloads and posts them signed with v0 HMAC-SHA256; records each delivery."""

    def __init__(self, workspace: Workspace, lock: threading.RLock, signing_secret: str,
                 verification_token: str, response_urls: dict[str, int]) -> None:
        self.workspace = workspace
        self.lock = lock
        self.signing_secret = signing_secret
        self.verification_token = verification_token
        self.deliveries: list[dict[str, Any]] = []
        # What answers carried that Slack would refuse to show (invalid blocks or views)
        self.ack_errors: list[str] = []
        self.response_urls = response_urls  # shared with the server, which records posts
        self._seq = itertools.count(1)
        # Event ids differ from one run to the next (as Slack's never repeat): a bot keeping
        # the ids it has seen, across a restart on the same database, must not drop new events.
        self._run = secrets.token_hex(3).upper()

    def sign(self, body: bytes, timestamp: int | None = None) -> dict[str, str]:
        """Headers X-Slack-Request-Timestamp and X-Slack-Signature for body."""
        ts = int(time.time()) if timestamp is None else int(timestamp)
        base = f"v0:{ts}:".encode() + body
        digest = hmac.new(self.signing_secret.encode(), base, hashlib.sha256).hexdigest()
        return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": f"v0={digest}"}

    def event_envelope(self, event: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
        """The event_callback envelope Slack wraps around an event."""
        ws = self.workspace
        return {
            "token": self.verification_token, "team_id": ws.team_id,
            "context_team_id": ws.team_id, "context_enterprise_id": None,
            "api_app_id": ws.app_id, "event": event, "type": "event_callback",
            "event_id": event_id or f"Ev{next(self._seq):09d}{self._run}",
            "event_time": int(time.time()),
            "authorizations": [{"enterprise_id": None, "team_id": ws.team_id,
                                "user_id": ws.bot_user_id, "is_bot": True,
                                "is_enterprise_install": False}],
            "is_ext_shared_channel": False, "event_context": f"4-fake-{next(self._seq)}",
        }

    def new_response_url(self, kind: str) -> str:
        """A response_url on the fake whose posts are recorded."""
        ws = self.workspace
        # the last part is a secret, as in Slack's: nobody can post to a URL they were not given
        url = (f"{ws.base_url}/hooks/{kind}/{ws.team_id}/{next(self._seq)}/"
               f"{secrets.token_urlsafe(18)}")
        with self.lock:
            self.response_urls[url] = 0
        return url

    def command_payload(self, command: str, text: str, user_id: str, channel_id: str,
                        **fields: Any) -> dict[str, str]:
        """The form fields Slack sends for a slash command (also the Socket Mode payload)."""
        ws = self.workspace
        with self.lock:
            ch = ws.channels.get(channel_id)
            user = ws.users.get(user_id)
            trigger_id = ws.issue_trigger(fields.pop("trigger_id", None))
        # as Slack names them: "directmessage" for any DM, a group DM's own mpdm-... name
        channel_name = "directmessage" if ch is not None and ch.is_im else (
            ch.name if ch else "unknown")
        payload = {
            "token": self.verification_token, "team_id": ws.team_id, "team_domain": ws.domain,
            "channel_id": channel_id, "channel_name": channel_name, "user_id": user_id,
            "user_name": user.name if user else user_id, "command": command, "text": text,
            "api_app_id": ws.app_id, "is_enterprise_install": "false",
            "response_url": self.new_response_url("commands"), "trigger_id": trigger_id,
        }
        payload.update({k: str(v) for k, v in fields.items()})
        return payload

    def interaction_payload(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Fill what Slack always sends (token, team, api_app_id, trigger_id, response_url)."""
        ws = self.workspace
        out = dict(payload)
        out.setdefault("token", self.verification_token)
        out.setdefault("team", {"id": ws.team_id, "domain": ws.domain})
        out.setdefault("api_app_id", ws.app_id)
        with self.lock:
            out["trigger_id"] = ws.issue_trigger(out.get("trigger_id"))
        if out.get("type") in ("block_actions", "message_action") and "view" not in out:
            out.setdefault("response_url", self.new_response_url("actions"))
        return out

    def post(self, url: str, body: bytes, content_type: str,
             extra_headers: dict[str, str] | None = None) -> tuple[int, str]:
        """POST a signed body to url; return (status, response text) and record it."""
        headers = {"Content-Type": content_type, "User-Agent": USER_AGENT, **self.sign(body)}
        headers.update(extra_headers or {})
        req = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                status, text = resp.status, resp.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            status, text = exc.code, exc.read().decode("utf-8", "replace")
        errors = []
        if text.lstrip().startswith("{"):
            with contextlib.suppress(ValueError):
                errors = check_ack(json.loads(text))
        with self.lock:
            self.deliveries.append({"url": url, "body": body, "headers": headers,
                                    "status": status, "response": text})
            self.ack_errors += errors
        return status, text

    def deliver_event(self, url: str, event: dict[str, Any], *, event_id: str | None = None,
                      retry_num: int | None = None,
                      retry_reason: str | None = None) -> tuple[int, str]:
        """POST an event_callback envelope as JSON, with retry headers when given."""
        body = json.dumps(self.event_envelope(event, event_id)).encode()
        extra = {}
        if retry_num is not None:
            extra["X-Slack-Retry-Num"] = str(retry_num)
        if retry_reason is not None:
            extra["X-Slack-Retry-Reason"] = retry_reason
        return self.post(url, body, "application/json", extra)

    def deliver_interaction(self, url: str, payload: dict[str, Any]) -> tuple[int, str]:
        """POST an interaction as form-encoded payload=<json>."""
        body = urlencode({"payload": json.dumps(self.interaction_payload(payload))}).encode()
        return self.post(url, body, "application/x-www-form-urlencoded")

    def deliver_command(self, url: str, command: str, text: str, user_id: str, channel_id: str,
                        **fields: Any) -> tuple[int, str]:
        """POST a slash command, form-encoded, with trigger_id and a recorded response_url."""
        payload = self.command_payload(command, text, user_id, channel_id, **fields)
        return self.post(url, urlencode(payload).encode(), "application/x-www-form-urlencoded")

    def url_check(self, url: str) -> tuple[int, str]:
        """POST Slack's url_verification challenge."""
        body = json.dumps({"token": self.verification_token, "challenge": "fake-challenge",
                           "type": "url_verification"}).encode()
        return self.post(url, body, "application/json")
