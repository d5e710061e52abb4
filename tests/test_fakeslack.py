"""The fake Slack answers the real slack_sdk clients the way Slack does."""

from __future__ import annotations

import contextlib
import json
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import parse_qs, urlencode

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import ConnectionErrorRetryHandler, FixedValueRetryIntervalCalculator
from slack_sdk.signature import SignatureVerifier
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.webhook import WebhookClient

from bot.sandbox.workspace import FakeSlack
from bot.sandbox.workspace.scopes import DEFAULT_BOT_SCOPES

MISSING_TEXT = "missing_text_or_fallback_or_attachments"


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def button(action_id: str, text: str = "Go") -> dict:
    return {"type": "button", "action_id": action_id, "text": {"type": "plain_text", "text": text}}


@pytest.fixture
def fake():
    # the fake's own tests also call a method leadbot does not (reactions.add)
    with FakeSlack(scopes=[*DEFAULT_BOT_SCOPES, "reactions:write"]) as f:
        f.add_user("U1", "alice", real_name="Alice A", tz="America/New_York")
        f.add_user("U2", "bob")
        f.add_channel("C1", "general", members=["U1"])
        f.add_channel("C2", "random", bot_is_member=False)
        f.add_channel("C3", "old", is_archived=True)
        f.add_channel("C4", "leads", is_private=True)
        f.add_channel("G5", "hidden", is_private=True, bot_is_member=False)
        yield f


@pytest.fixture
def client(fake):
    return WebClient(token=fake.bot_token, base_url=fake.api_url)


def slack_error(call, *args, **kwargs) -> SlackApiError:
    with pytest.raises(SlackApiError) as info:
        call(*args, **kwargs)
    return info.value


def test_auth_test_and_token_errors(fake, client):
    me = client.auth_test()
    assert (me["team_id"], me["user_id"], me["bot_id"]) == ("T0TEAM", "UBOT", "BBOT")
    assert me["url"].startswith("https://") and me["team"] and me["user"]
    wrong = WebClient(token="xoxb-wrong", base_url=fake.api_url)
    assert slack_error(wrong.auth_test).response["error"] == "invalid_auth"
    anonymous = WebClient(base_url=fake.api_url)
    assert slack_error(anonymous.auth_test).response["error"] == "not_authed"
    app_level = WebClient(token=fake.app_token, base_url=fake.api_url)
    err = slack_error(app_level.chat_postMessage, channel="C1", text="x")
    assert err.response["error"] == "not_allowed_token_type"
    err = slack_error(client.apps_connections_open, app_token=fake.bot_token)
    assert err.response["error"] == "not_allowed_token_type"
    assert [c.token for c in fake.calls_to("auth.test")] == ["xoxb-test-token", "xoxb-wrong", None]


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_unknown_method_and_missing_arguments(client):
    assert slack_error(client.api_call, "chat.postMesage").response["error"] == "unknown_method"
    err = slack_error(client.api_call, "chat.postMessage", json={"text": "hi"})
    assert err.response["error"] == "invalid_arguments"
    assert err.response["response_metadata"]["messages"] == [
        "[ERROR] missing required field: channel"]
    err = slack_error(client.api_call, "conversations.info", params={})
    assert err.response["response_metadata"]["messages"] == [
        "[ERROR] missing required field: channel"]
    assert slack_error(client.chat_postMessage, channel="C1").response["error"] == "no_text"


def test_json_form_and_query_string_requests(fake, client):
    blocks = [section("form")]
    client.api_call("chat.postMessage", params={"channel": "C1", "text": "f",
                                                "blocks": json.dumps(blocks)})
    query = urlencode({"channel": "C1", "token": fake.bot_token})
    with urllib.request.urlopen(f"{fake.api_url}conversations.info?{query}") as resp:
        assert json.loads(resp.read())["channel"]["name"] == "general"
    in_body = urllib.request.Request(
        f"{fake.api_url}auth.test", data=json.dumps({"token": fake.bot_token}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(in_body) as resp:  # Slack ignores a token in a JSON body
        assert json.loads(resp.read())["error"] == "not_authed"
    form, get, _ = fake.calls
    assert form.content_type == "application/x-www-form-urlencoded"
    assert form.args["blocks"] == blocks and fake.messages("C1")[0]["blocks"] == blocks
    assert (get.http_method, get.token, get.args) == ("GET", fake.bot_token, {"channel": "C1"})


def test_argument_types_are_checked(client):
    err = slack_error(client.conversations_list, limit="lots")
    assert err.response["error"] == "invalid_arguments"
    assert "limit" in err.response["response_metadata"]["messages"][0]
    err = slack_error(client.api_call, "conversations.list", params={"exclude_archived": "yes"})
    assert "exclude_archived" in err.response["response_metadata"]["messages"][0]
    assert client.conversations_list(exclude_archived=True, limit="2")["ok"]


def test_post_message_is_stored_and_recorded(fake, client):
    blocks = [section("*Hello*"), {"type": "actions", "elements": [button("go")]}]
    first = client.chat_postMessage(channel="C1", text="Hello", blocks=blocks)
    reply = client.chat_postMessage(channel="#general", text="In thread", thread_ts=first["ts"])
    assert first["channel"] == reply["channel"] == "C1"
    assert float(reply["ts"]) > float(first["ts"])
    assert first["message"]["bot_id"] == "BBOT" and first["message"]["blocks"] == blocks
    stored = fake.messages("C1")
    assert [(m["text"], m["thread_ts"]) for m in stored] == [
        ("Hello", None), ("In thread", first["ts"])]
    assert stored[0]["blocks"] == blocks and stored[0]["user"] == "UBOT"
    call = fake.calls_to("chat.postMessage")[0]
    assert call.args["blocks"] == blocks  # parsed, not a JSON string
    assert call.http_method == "POST" and call.content_type == "application/json"
    assert call.at.tzinfo is UTC and call.status == 200 and call.response["ok"]
    history = client.conversations_history(channel="C1")["messages"]
    assert [m["text"] for m in history] == ["Hello"] and history[0]["reply_count"] == 1
    replies = client.conversations_replies(channel="C1", ts=first["ts"])["messages"]
    assert [m["text"] for m in replies] == ["Hello", "In thread"]
    link = client.chat_getPermalink(channel="C1", message_ts=reply["ts"])["permalink"]
    assert f"thread_ts={first['ts']}" in link
    assert fake.warnings == []


def test_channel_errors(client):
    cases = {"C2": "not_in_channel", "C404": "channel_not_found", "G5": "channel_not_found",
             "C3": "is_archived", "#nope": "channel_not_found"}
    for channel, error in cases.items():
        err = slack_error(client.chat_postMessage, channel=channel, text="x")
        assert err.response["error"] == error, channel


@pytest.mark.parametrize(("blocks", "message"), [
    ([section("x" * 3001)],
     "[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]"),
    ([{"type": "actions", "elements": [button("a")]},
      {"type": "actions", "elements": [button("a")]}],
     "[ERROR] duplicate action_id: a [json-pointer:/blocks/1/elements/0/action_id]"),
    ([section("x")] * 51, "[ERROR] no more than 50 items allowed [json-pointer:/blocks]"),
    ([{"type": "header", "text": {"type": "mrkdwn", "text": "x"}}],
     "[ERROR] must be one of: plain_text [json-pointer:/blocks/0/text/type]"),
    ([{"type": "actions", "elements": [{**button("b"), "style": "green"}]}],
     "[ERROR] must be one of: primary, danger [json-pointer:/blocks/0/elements/0/style]"),
    ([{"type": "sektion"}], "[ERROR] unsupported type: sektion [json-pointer:/blocks/0/type]"),
])
def test_invalid_blocks(fake, client, blocks, message):
    err = slack_error(client.chat_postMessage, channel="C1", text="x", blocks=blocks)
    assert err.response["error"] == "invalid_blocks"
    assert message in err.response["response_metadata"]["messages"]
    assert fake.messages("C1") == []


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_blocks_without_text_warn(fake, client):
    resp = client.chat_postMessage(channel="C1", blocks=[section("hi")])
    assert resp["warning"] == MISSING_TEXT
    assert fake.warnings == [("chat.postMessage", MISSING_TEXT)]
    assert slack_error(client.chat_postMessage, channel="C1",
                       text="x" * 40001).response["error"] == "msg_too_long"


def test_update_and_ephemeral(fake, client):
    ts = client.chat_postMessage(channel="C1", text="v1")["ts"]
    updated = client.chat_update(channel="C1", ts=ts, text="v2", blocks=[section("v2")])
    assert updated["message"]["edited"]["user"] == "UBOT"
    assert fake.messages("C1")[0]["text"] == "v2"
    theirs = fake.add_message("C1", "mine", user="U1")
    assert slack_error(client.chat_update, channel="C1", ts=theirs,
                       text="x").response["error"] == "cant_update_message"
    assert slack_error(client.chat_update, channel="C1", ts="1.000001",
                       text="x").response["error"] == "message_not_found"
    eph = client.chat_postEphemeral(channel="C1", user="U1", text="psst")
    assert [e["ts"] for e in fake.ephemerals(user="U1")] == [eph["message_ts"]]
    assert slack_error(client.chat_postEphemeral, channel="C1", user="U2",
                       text="x").response["error"] == "user_not_in_channel"
    assert len(fake.messages("C1")) == 2  # ephemerals are kept apart


def test_rate_limit_answers_429_with_retry_after(fake, client):
    fake.fail("chat.postMessage", retry_after=7)
    err = slack_error(client.chat_postMessage, channel="C1", text="x")
    assert err.response.status_code == 429 and err.response["error"] == "ratelimited"
    assert err.response.headers["Retry-After"] == "7"
    assert client.chat_postMessage(channel="C1", text="x")["ok"]
    assert [c.status for c in fake.calls_to("chat.postMessage")] == [429, 200]


def test_server_errors_injected_errors_and_dropped_connections(fake, client):
    fake.fail("auth.test", status=500)
    err = slack_error(client.auth_test)
    assert err.response.status_code == 500
    fake.fail("conversations.info", error="channel_not_found")
    err = slack_error(client.conversations_info, channel="C1")
    assert (err.response.status_code, err.response["error"]) == (200, "channel_not_found")
    fake.fail("auth.test", drop=True)
    bare = WebClient(token=fake.bot_token, base_url=fake.api_url, retry_handlers=[])
    with pytest.raises(ConnectionError):
        bare.auth_test()
    # slack_sdk's default ConnectionErrorRetryHandler retries a dropped connection once.
    fake.fail("auth.test", drop=True)
    retrying = WebClient(token=fake.bot_token, base_url=fake.api_url, retry_handlers=[
        ConnectionErrorRetryHandler(interval_calculator=FixedValueRetryIntervalCalculator(0))])
    assert retrying.auth_test()["ok"]
    assert [c.status for c in fake.calls_to("auth.test")] == [500, 0, 0, 200]


def test_random_rate_limit_is_deterministic(fake, client):
    def statuses() -> list[int]:
        fake.reset_calls()
        fake.rate_limit_ratio(0.5, seed=3)
        for _ in range(12):
            with contextlib.suppress(SlackApiError):
                client.chat_postMessage(channel="C1", text="x")
        return [c.status for c in fake.calls]

    first = statuses()
    assert first == statuses() and {429, 200} == set(first)


def test_latency_is_concurrent(fake, client):
    fake.latency = 0.2
    started = time.monotonic()
    threads = [threading.Thread(target=client.auth_test) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert 0.2 <= time.monotonic() - started < 0.8


def test_join_public_private_archived(fake, client):
    joined = client.conversations_join(channel="C2")
    assert joined["channel"]["is_member"] is True
    assert client.chat_postMessage(channel="C2", text="now I can")["ok"]
    assert client.conversations_info(channel="C2")["channel"]["is_member"] is True
    for channel, error in [("G5", "method_not_supported_for_channel_type"),
                           ("C4", "method_not_supported_for_channel_type"),
                           ("C3", "is_archived"), ("C404", "channel_not_found")]:
        err = slack_error(client.conversations_join, channel=channel)
        assert err.response["error"] == error, channel


def test_conversations_list_paginates(client):
    # slack_sdk's page iterator yields the same SlackResponse, updated: read it as it goes.
    pages = [(page["channels"], page["response_metadata"]["next_cursor"])
             for page in client.conversations_list(types="public_channel,private_channel", limit=2)]
    assert [[c["name"] for c in chans] for chans, _ in pages] == [
        ["general", "random"], ["old", "leads"]]  # G5 is private and the bot is not in it
    assert pages[0][1] and pages[1][1] == ""
    public = client.conversations_list(exclude_archived=True)["channels"]
    assert [c["name"] for c in public] == ["general", "random"]
    assert slack_error(client.conversations_list,
                       cursor="bm9wZQ==").response["error"] == "invalid_cursor"


def test_users_info(client):
    user = client.users_info(user="U1")["user"]
    assert (user["name"], user["real_name"], user["tz"]) == ("alice", "Alice A", "America/New_York")
    assert user["tz_offset"] in (-18000, -14400) and user["is_bot"] is False
    assert slack_error(client.users_info, user="U404").response["error"] == "user_not_found"


def test_views_and_reactions(fake, client):
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Hi"},
             "blocks": [section("body")]}
    opened = client.views_open(trigger_id=fake.issue_trigger_id(), view=modal)["view"]
    assert opened["id"].startswith("V") and opened["type"] == "modal"
    err = slack_error(client.views_open, trigger_id="123.456.nope", view=modal)
    assert err.response["error"] == "invalid_trigger_id"
    long_title = {**modal, "title": {"type": "plain_text", "text": "x" * 25}}
    err = slack_error(client.views_open, trigger_id=fake.issue_trigger_id(), view=long_title)
    assert err.response["response_metadata"]["messages"] == [
        "[ERROR] must be less than 25 characters [json-pointer:/view/title/text]"]
    client.views_update(view_id=opened["id"], view={**modal, "blocks": [section("new")]})
    home = {"type": "home", "blocks": [section("welcome")]}
    client.views_publish(user_id="U1", view=home)
    assert fake.home_view("U1")["blocks"] == home["blocks"]
    assert len(fake.views) == 2
    ts = client.chat_postMessage(channel="C1", text="x")["ts"]
    client.reactions_add(channel="C1", timestamp=ts, name="thumbsup")
    assert fake.messages("C1")[0]["reactions"][0]["name"] == "thumbsup"
    err = slack_error(client.reactions_add, channel="C1", timestamp=ts, name="thumbsup")
    assert err.response["error"] == "already_reacted"


def test_file_upload_flow(fake, client):
    done = client.files_upload_v2(channel="C1", content="a,b\n1,2\n", filename="data.csv",
                                  title="Data", initial_comment="the export")
    assert done["file"]["title"] == "Data"
    [record] = fake.files
    assert record["content"] == b"a,b\n1,2\n" and record["completed"]
    [message] = fake.messages("C1")
    assert message["text"] == "the export" and message["files"][0]["id"] == record["id"]
    assert [c.method for c in fake.calls] == [
        "files.getUploadURLExternal", "files.completeUploadExternal"]
    reserved = client.files_getUploadURLExternal(filename="x.txt", length=3)
    err = slack_error(client.files_completeUploadExternal,
                      files=[{"id": reserved["file_id"], "title": "never uploaded"}])
    assert err.response["error"] == "file_not_found"


def test_socket_mode_with_the_builtin_client(fake):
    received: list[SocketModeRequest] = []

    def listener(client: SocketModeClient, req: SocketModeRequest) -> None:
        received.append(req)
        client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))

    web = WebClient(token=fake.bot_token, base_url=fake.api_url)
    sm = SocketModeClient(app_token=fake.app_token, web_client=web)
    sm.socket_mode_request_listeners.append(listener)
    try:
        sm.connect()
        assert fake.wait_for_socket() == 1
        event = {"type": "app_mention", "user": "U1", "text": "<@UBOT> hi", "channel": "C1",
                 "ts": "1764000000.000100"}
        envelope_id = fake.send_socket("events_api", fake.event_envelope(event, "Ev1"))
        assert fake.wait_for_ack(envelope_id) == {"envelope_id": envelope_id}
        assert received[0].type == "events_api"
        assert received[0].payload["event_id"] == "Ev1"
        assert received[0].payload["event"] == event
        assert fake.calls_to("apps.connections.open")[0].token == fake.app_token
        assert fake.disconnect_sockets(close_after=0.05) == 1  # the client reconnects
        fake.wait_for(lambda: len(fake.calls_to("apps.connections.open")) == 2)
        envelope_id = fake.send_socket("slash_commands", fake.command_payload(
            "/lead", "help", "U1", "C1"), accepts_response_payload=True)
        assert fake.wait_for_ack(envelope_id)["envelope_id"] == envelope_id
        assert received[-1].payload["command"] == "/lead"
        assert fake.wait_for(lambda: fake.socket_connections == 1)
    finally:
        sm.auto_reconnect_enabled = sm.default_auto_reconnect_enabled = False
        fake.close_sockets()  # lets the client's blocked recv() return at once
        sm.close()


class _Recorder(BaseHTTPRequestHandler):
    seen: ClassVar[list[tuple[dict, bytes]]] = []
    answer: ClassVar[bytes] = b""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.seen.append((dict(self.headers), body))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.answer)

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def bot_endpoint():
    _Recorder.seen, _Recorder.answer = [], b""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/slack/events", _Recorder.seen
    server.shutdown()
    server.server_close()


def test_http_deliveries_are_signed_like_slack(fake, bot_endpoint):
    verifier = SignatureVerifier(fake.signing_secret)
    body = b'{"type":"event_callback"}'
    assert verifier.is_valid_request(body, fake.sign(body))
    assert not verifier.is_valid_request(body + b" ", fake.sign(body))
    url, seen = bot_endpoint
    event = {"type": "message", "channel": "C1", "user": "U1", "text": "hi", "ts": "1.000100"}
    assert fake.deliver_event(url, event, retry_num=1, retry_reason="http_timeout")[0] == 200
    assert fake.deliver_command(url, "/lead", "help", "U1", "C1")[0] == 200
    assert fake.deliver_interaction(url, {"type": "block_actions", "actions": []})[0] == 200
    (h1, b1), (_, b2), (_, b3) = seen
    assert all(verifier.is_valid_request(b, h) for h, b in seen)
    assert (h1["X-Slack-Retry-Num"], h1["X-Slack-Retry-Reason"]) == ("1", "http_timeout")
    envelope = json.loads(b1)
    assert envelope["type"] == "event_callback" and envelope["event"] == event
    assert envelope["team_id"] == "T0TEAM" and envelope["authorizations"][0]["user_id"] == "UBOT"
    command = {k: v[0] for k, v in parse_qs(b2.decode()).items()}
    assert (command["command"], command["text"], command["channel_name"]) == (
        "/lead", "help", "general")
    interaction = json.loads(parse_qs(b3.decode())["payload"][0])
    assert interaction["trigger_id"] and interaction["response_url"].startswith(fake.base_url)
    assert WebhookClient(command["response_url"]).send(text="done").status_code == 200
    assert fake.responses[0]["body"] == {"text": "done"}
    web = WebClient(token=fake.bot_token, base_url=fake.api_url)
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Lead"},
             "blocks": [section("x")]}
    assert web.views_open(trigger_id=command["trigger_id"], view=modal)["ok"]


LONG_TITLE = {"type": "plain_text", "text": "x" * 25}


@pytest.mark.parametrize("answer, wrong", [
    ({"text": "ok"}, None),
    ({"blocks": [section("ok")]}, None),
    ({"response_action": "update", "view": {"type": "modal", "title": LONG_TITLE,
                                             "blocks": []}}, "/view/title"),
    ({"blocks": [{"type": "section"}]}, "/blocks/0"),
    ({"response_action": "errors", "errors": {}}, "/errors"),
    ({"response_action": "close"}, "/response_action"),
])
def test_answers_in_acks_are_checked_as_slack_would(fake, bot_endpoint, answer, wrong):
    # what a bot answers in its ack (a command's message, a form's response_action) is shown
    # by Slack only when valid: the fake records what Slack would refuse
    url, _ = bot_endpoint
    _Recorder.answer = json.dumps(answer).encode()
    assert fake.deliver_command(url, "/lead", "help", "U1", "C1")[0] == 200
    if wrong is None:
        assert fake.ack_errors == []
    else:
        assert any(wrong in e for e in fake.ack_errors), fake.ack_errors


def test_timestamps_follow_a_clock_and_never_repeat():
    now = [1_800_000_000.5]
    with FakeSlack(base_ts=1_800_000_100, clock=lambda: now[0]) as fake:
        fake.add_user("U1", "alice")
        fake.add_channel("C1", "general", members=["U1"])
        first = fake.add_message("C1", "hi", user="U1")  # the clock is behind base_ts
        now[0] = 1_800_003_600.25  # an hour later
        second, third = (fake.add_message("C1", t, user="U1") for t in ("a", "b"))
    assert first == "1800000100.000100"
    assert (second, third) == ("1800003600.250000", "1800003600.250100")


def test_permalinks_can_point_to_a_page_and_people_react(fake, client):
    ts = client.chat_postMessage(channel="C1", text="x")["ts"]
    reply = client.chat_postMessage(channel="C1", text="y", thread_ts=ts)["ts"]
    fake.workspace.link_base = "http://127.0.0.1:8765/"
    assert client.chat_getPermalink(channel="C1", message_ts=ts)["permalink"] == \
        f"http://127.0.0.1:8765/#C1/{ts}"
    assert client.chat_getPermalink(channel="C1", message_ts=reply)["permalink"] == \
        f"http://127.0.0.1:8765/#C1/{ts}/{reply}"
    message = fake.workspace.find_message("C1", ts)
    assert fake.workspace.react(message, "U1", "+1", True)
    assert not fake.workspace.react(message, "U1", "+1", True)  # already so
    client.reactions_add(channel="C1", timestamp=ts, name="+1")
    assert message["reactions"] == [{"name": "+1", "users": ["U1", "UBOT"], "count": 2}]
    assert fake.workspace.react(message, "U1", "+1", False)
    assert fake.workspace.react(message, "UBOT", "+1", False)
    assert message["reactions"] == []  # Slack drops a reaction nobody has any more


def test_event_ids_and_response_urls_cannot_be_guessed_or_repeat():
    with FakeSlack() as one, FakeSlack() as two:
        event = {"type": "app_home_opened", "user": "U1"}
        assert one.event_envelope(event)["event_id"] != two.event_envelope(event)["event_id"]
        url = one.new_response_url("commands")
        # a secret part, as Slack's, so that no page can post where it was not told to
        assert len(url.rsplit("/", 1)[1]) >= 20
        assert url != two.new_response_url("commands").replace(two.base_url, one.base_url)
        for headers in ({"Origin": "http://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
            request = urllib.request.Request(url, data=b'{"text": "forged"}', headers={
                "Content-Type": "text/plain", **headers})
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(request, timeout=5)
            assert refused.value.code == 403
        assert one.responses == []
