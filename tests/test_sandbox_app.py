"""The sandbox without a browser: its workspace, the real bot connected to it, and the page's
API (what a person's clicks, messages, commands and forms become)."""

from __future__ import annotations

import http.client
import json
import re
import signal
import time
import urllib.error
import urllib.request
from datetime import time as dt_time
from zoneinfo import ZoneInfo

import pytest

from bot.clock import from_iso, to_iso
from bot.cron import occurrences, parse_cron
from bot.sandbox.app import Sandbox
from bot.services.admin import next_run
from bot.store import Store
from tests.conftest import REPO
from tests.e2e import BotProcess, stop_sandbox

pytestmark = pytest.mark.e2e
DEMO = REPO / "bot" / "sandbox" / "demo.yaml"
BOB = "U0SANDBOB"


def call(box: Sandbox, path: str, body: dict | None = None, timeout: float = 15) -> dict:
    url = box.fake.base_url + path
    request = urllib.request.Request(url, data=json.dumps(body).encode() if body else None,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.load(response)


def raw(box: Sandbox, method: str, path: str, headers: dict, body: bytes = b"") -> int:
    """The status of a request sent with exactly these headers (Host included, if given)."""
    conn = http.client.HTTPConnection("127.0.0.1", box.fake.server.port, timeout=10)
    try:
        conn.request(method, path, body=body or None, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def next_event(response: http.client.HTTPResponse) -> bytes:
    """The next ``data:`` line of an event stream (b"" when it ends)."""
    while (line := response.readline()) and not line.startswith(b"data: "):
        pass
    return line


def choose(box: Sandbox, user: str, choice: str = "take") -> dict:
    """``user`` clicks a choice on the first channel's prompt; returns that prompt."""
    state = call(box, f"/sandbox/state?as={user}")
    prompt = state["messages"][0]
    call(box, "/sandbox/action", {"as": user, "channel": state["channel"], "ts": prompt["ts"],
                                  "action_id": f"leadbot_choice_{choice}",
                                  "block_id": "leadbot_choice", "value": choice})
    store = box.bot.store
    box.fake.wait_for(lambda: (post := store.post_by_ts(state["channel"], prompt["ts"]))
                      and store.current_choice(post["id"], user) == choice)
    return {**prompt, "channel": state["channel"]}


@pytest.fixture
def box(tmp_path):
    sandbox = Sandbox(DEMO, tmp_path / "sandbox.db", port=0)
    sandbox.start()
    yield sandbox
    stop_sandbox(sandbox)


def test_demo_posts_prompts_and_seeds_weeks_of_answers(box):
    state = call(box, "/sandbox/state")
    assert [c["name"] for c in state["channels"]] == ["#team-london", "#team-tokyo"]
    assert state["me"] == "U0SANDADA" and len(state["people"]) == 5
    [prompt] = state["messages"]
    assert "When you see good leadership" in prompt["html"]
    assert len(box.bot.store.export_rows("choice")) > 20  # six weeks of earlier answers


def test_a_click_a_command_and_a_form_reach_the_bot_as_slack_payloads(box):
    state = call(box, "/sandbox/state?as=U0SANDBOB")
    channel, prompt = state["channel"], state["messages"][0]
    call(box, "/sandbox/action", {"as": "U0SANDBOB", "channel": channel, "ts": prompt["ts"],
                                  "action_id": "leadbot_choice_take",
                                  "block_id": "leadbot_choice", "value": "take"})
    box.fake.wait_for(lambda: any(m["ephemeral"] for m in call(
        box, "/sandbox/state?as=U0SANDBOB")["messages"]))
    post = box.bot.store.post_by_ts(channel, prompt["ts"])
    assert box.bot.store.current_choice(post["id"], "U0SANDBOB") == "take"
    mine = call(box, "/sandbox/state?as=U0SANDBOB")["messages"]
    theirs = call(box, "/sandbox/state?as=U0SANDCHN")["messages"]
    assert [m["ephemeral"] for m in mine].count(True) == 1  # "Only visible to you"
    assert not any(m["ephemeral"] for m in theirs)
    call(box, "/sandbox/send", {"as": "U0SANDBOB", "channel": channel, "text": "/reflect"})
    modal = box.fake.wait_for(lambda: call(box, "/sandbox/state?as=U0SANDBOB")["modal"])
    assert "What happened?" in modal["html"]
    bad = call(box, "/sandbox/submit", {"as": "U0SANDBOB", "view_id": modal["id"],
                                        "values": {"reflect_text/text": ""}})
    assert list(bad["errors"]) == ["reflect_text"]
    good = call(box, "/sandbox/submit", {"as": "U0SANDBOB", "view_id": modal["id"], "values": {
        "reflect_text/text": "Asked for help early", "reflect_choice/choice": "take"}})
    assert "errors" not in good
    # "Saving...", then the worker's outcome in the same form
    def modal_html() -> str:
        return (call(box, "/sandbox/state?as=U0SANDBOB")["modal"] or {}).get("html", "")

    box.fake.wait_for(lambda: "Reflection saved" in modal_html())
    [row] = [r for r in box.bot.store.reflections_of("U0SANDBOB")
             if r["text"] == "Asked for help early"]
    assert row["choice"] == "take"


def test_time_buttons_go_through_the_schedules_code(box):
    note = call(box, "/sandbox/time", {"what": "digest"})["note"]
    assert note == "Posted the digest to #team-london."
    state = call(box, "/sandbox/state")
    assert "Weekly digest" in state["messages"][1]["html"]
    chart = state["messages"][2]["html"]
    assert '<img' in chart and "/sandbox/files/" in chart
    # Bob takes the lead and looks at his Home tab; the jump sends *his* follow-up and says so
    prompt = choose(box, BOB)
    call(box, "/sandbox/home", {"as": BOB})
    box.fake.wait_for(lambda: box.fake.home_view(BOB))
    start = box.clock.now()
    note = call(box, "/sandbox/time", {"what": "follow_up", "as": BOB}, timeout=60)["note"]
    assert re.match(r"It is now \w{3} \d\d \w{3}, \d\d:\d\d\. Follow-up sent to Bob\.", note), note
    assert "(s)" not in note
    [mine] = [r for r in box.bot.store.export_rows("follow_up")
              if r["user"] == BOB and r["ts"] == prompt["ts"]]
    assert mine["status"] == "sent"
    dm = [c for c in call(box, f"/sandbox/state?as={BOB}")["channels"] if c["dm"]]
    assert dm and dm[0]["name"] == "leadbot (direct messages)"
    assert "take the lead" in call(box, f"/sandbox/state?as={BOB}&channel={dm[0]['id']}")[
        "messages"][-1]["html"]
    # what the schedule had due on the way was posted (or skipped for a holiday), at its time
    due = {(box.bot.channels.id_of(c.channel), kind, to_iso(at))
           for c in box.config.channels for kind, cron in c.schedules().items()
           if kind in ("prompt", "nudge", "digest")
           for at in occurrences(parse_cron(cron, c.tz), start, box.clock.now())}
    assert due  # three working days always pass a nudge, a digest or a prompt
    done = {(p["channel"], p["kind"], p["occurrence"]) for p in box.bot.store.posts()
            if p["status"] in ("posted", "skipped")}
    assert due <= done
    assert "Posted on the way: the " in note
    # Home (published again) and /leadbot status say the same next prompt, by the same clock
    london = box.config.channels[0]
    at = next_run(london, "prompt", box.clock.now())

    def home() -> str:
        return (call(box, f"/sandbox/state?as={BOB}")["home"] or {}).get("html", "")

    box.fake.wait_for(lambda: at.strftime("%a %d %b, %H:%M %Z") in home())
    call(box, "/sandbox/send", {"as": "U0SANDADA", "channel": prompt["channel"],
                                "text": "/leadbot status"})
    status = call(box, "/sandbox/state?as=U0SANDADA")["messages"][-1]["html"]
    assert f"prompt {at.strftime('%a %d %b %H:%M %Z')}" in status


def test_the_jump_says_so_when_the_person_turned_follow_ups_off(box):
    choose(box, BOB)
    box.bot.store.save_person_settings(BOB, box.clock.now(), follow_up_dms=False)
    offset = box.clock.offset
    note = call(box, "/sandbox/time", {"what": "follow_up", "as": BOB})["note"]
    assert note == ("Bob turned follow-up DMs off (Home tab, settings), so no follow-up will be "
                    "sent to them. The clock did not move.")
    assert box.clock.offset == offset


def test_your_own_config_adds_its_admins(tmp_path):
    config = tmp_path / "mine.yaml"
    config.write_text("timezone: UTC\nadmins: [U0123ADMIN]\nchannels:\n"
                      "  - channel: '#platform'\n    prompt: '0 9 * * MON'\n")
    sandbox = Sandbox(config, tmp_path / "sandbox.db", port=0, demo_data=False)
    sandbox.start()
    try:
        state = call(sandbox, "/sandbox/state?as=U0123ADMIN")
        assert state["me"] == "U0123ADMIN"
        assert [c["name"] for c in state["channels"]] == ["#platform"]
        assert sandbox.bot.store.export_rows("choice") == []  # no seed with your own config
        call(sandbox, "/sandbox/send", {"as": "U0123ADMIN", "channel": state["channel"],
                                        "text": "/leadbot status"})
        answer = call(sandbox, "/sandbox/state?as=U0123ADMIN")["messages"][-1]
        assert answer["ephemeral"] and "configured channel" in answer["html"]
    finally:
        stop_sandbox(sandbox)


def test_thread_replies_can_be_edited_and_deleted_by_their_author(box):
    state = call(box, "/sandbox/state?as=U0SANDBOB")
    channel, prompt = state["channel"], state["messages"][0]
    sent = call(box, "/sandbox/send", {"as": "U0SANDBOB", "channel": channel,
                                       "text": "I'll ask why, five times",
                                       "thread_ts": prompt["ts"]})
    store = box.bot.store
    box.fake.wait_for(lambda: store.reply(channel, sent["ts"]))
    thread = call(box, f"/sandbox/thread?as=U0SANDBOB&channel={channel}&ts={prompt['ts']}")
    assert [r["mine"] for r in thread["replies"]] == [True]
    with pytest.raises(urllib.error.HTTPError):  # only the author may edit
        call(box, "/sandbox/edit", {"as": "U0SANDCHN", "channel": channel, "ts": sent["ts"],
                                    "text": "not mine"})
    call(box, "/sandbox/edit", {"as": "U0SANDBOB", "channel": channel, "ts": sent["ts"],
                                "text": "I'll ask why, three times"})
    box.fake.wait_for(lambda: store.reply(channel, sent["ts"])["text"] ==
                      "I'll ask why, three times")
    call(box, "/sandbox/delete", {"as": "U0SANDBOB", "channel": channel, "ts": sent["ts"]})
    box.fake.wait_for(lambda: store.reply(channel, sent["ts"])["deleted_at"])
    assert store.reply(channel, sent["ts"])["text"] is None


def test_bad_requests_get_a_clear_answer_and_change_nothing(box):
    state = call(box, "/sandbox/state")
    channel = state["channel"]
    before = len(box.fake.messages(channel))
    for path, body, status in [
        ("/sandbox/send", {"as": "U0NOBODY", "channel": channel, "text": "hi"}, 404),
        ("/sandbox/action", {"as": "U0SANDBOB", "channel": channel, "ts": "1.0",
                             "action_id": "leadbot_choice_take"}, 404),
        ("/sandbox/submit", {"as": "U0SANDBOB", "view_id": "V0NEVER", "values": {}}, 404),
        ("/sandbox/time", {"what": "lunch"}, 404),
    ]:
        with pytest.raises(urllib.error.HTTPError) as caught:
            call(box, path, body)
        assert caught.value.code == status, path
        assert json.load(caught.value)["ok"] is False
    request = urllib.request.Request(box.fake.base_url + "/sandbox/send", data=b"not json",
                                     headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    assert caught.value.code == 400
    unknown = call(box, "/sandbox/send", {"as": "U0SANDBOB", "channel": channel,
                                          "text": "/deploy now"})
    assert "not a command here" in unknown["error"]
    assert call(box, "/sandbox/send", {"as": "U0SANDBOB", "channel": channel,
                                       "text": "   "})["error"] == "Write something first."
    assert len(box.fake.messages(channel)) == before


def test_the_jump_waits_out_the_persons_quiet_hours(box):
    prompt = choose(box, BOB)
    box.bot.store.save_person_settings(BOB, box.clock.now(), quiet_start="00:00",
                                       quiet_end="16:50")
    note = call(box, "/sandbox/time", {"what": "follow_up", "as": BOB}, timeout=60)["note"]
    assert "Follow-up sent to Bob." in note
    [mine] = [r for r in box.bot.store.export_rows("follow_up")
              if r["user"] == BOB and r["ts"] == prompt["ts"]]
    sent = from_iso(mine["sent_at"]).astimezone(ZoneInfo("Europe/London"))
    assert sent.time() >= dt_time(16, 50)


def test_a_restart_continues_after_what_the_database_holds(tmp_path):
    """Timestamps come from the sandbox's clock and never repeat across restarts: the new
    run's prompt is a new prompt (Bob's click is a new choice, not "already chose"), and what
    people do in it is stored (event ids do not repeat either)."""
    db = tmp_path / "sandbox.db"
    first = Sandbox(DEMO, db, port=0)
    first.start()
    try:
        before = choose(first, BOB)
        call(first, "/sandbox/send", {"as": BOB, "channel": before["channel"],
                                      "thread_ts": before["ts"], "text": "before"})
        call(first, "/sandbox/time", {"what": "follow_up", "as": BOB}, timeout=60)
        clock = first.clock.now()  # days ahead of the real time now
    finally:
        stop_sandbox(first)
    store = Store.open(db)
    try:
        stored = [float(r["ts"]) for kind in ("post", "reply") for r in store.export_rows(kind)
                  if r["ts"]]
    finally:
        store.close()
    second = Sandbox(DEMO, db, port=0)
    second.start()
    try:
        assert second.clock.now() >= clock  # its clock does not go back either
        def ephemerals() -> list[dict]:
            return [m for m in call(second, f"/sandbox/state?as={BOB}")["messages"]
                    if m["ephemeral"]]

        shown = len(ephemerals())
        after = choose(second, BOB)
        assert float(after["ts"]) > max(stored)
        # the choice is stored before its confirmation is sent: wait for the confirmation
        confirmation = second.fake.wait_for(lambda: ephemerals()[shown:])[-1]
        assert "already" not in confirmation["html"]
        assert second.bot.store.post_by_ts(after["channel"], after["ts"])["id"] != \
            second.bot.store.post_by_ts(before["channel"], before["ts"])["id"]
        sent = call(second, "/sandbox/send", {"as": BOB, "channel": after["channel"],
                                              "thread_ts": after["ts"], "text": "after"})
        second.fake.wait_for(lambda: second.bot.store.reply(after["channel"], sent["ts"]))
        assert float(sent["ts"]) > float(after["ts"])
    finally:
        stop_sandbox(second)


def test_the_page_answers_only_itself(box):
    """Host and Origin checks (DNS rebinding, cross-site requests): 403 and nothing changes;
    the page itself, and clients that send JSON without Origin (curl, these tests), work."""
    port, channel = box.fake.server.port, call(box, "/sandbox/state")["channel"]
    before = len(box.fake.messages(channel))
    body = json.dumps({"as": BOB, "channel": channel, "text": "forged"}).encode()
    own = f"http://127.0.0.1:{port}"
    for method, path, headers, status in [
        ("GET", "/sandbox/state", {"Host": "evil.example"}, 403),
        ("GET", "/", {"Host": f"evil.example:{port}"}, 403),
        ("GET", "/sandbox/events", {"Host": "127.0.0.1.evil.example"}, 403),
        ("GET", "/sandbox/state", {"Host": f"localhost:{port}"}, 200),
        ("GET", "/sandbox/state", {"Host": f"[::1]:{port}"}, 200),
        ("GET", "/sandbox/state", {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "cors"},
         403),
        ("GET", "/", {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}, 200),
        ("POST", "/sandbox/send", {"Content-Type": "text/plain",
                                   "Origin": "http://evil.example"}, 403),
        ("POST", "/sandbox/send", {"Content-Type": "text/plain"}, 403),
        ("POST", "/sandbox/send", {"Content-Type": "application/x-www-form-urlencoded"}, 403),
        ("POST", "/sandbox/send", {"Content-Type": "application/json",
                                   "Origin": "http://evil.example"}, 403),
        ("POST", "/sandbox/send", {"Content-Type": "application/json", "Origin": "null"}, 403),
        ("POST", "/sandbox/send", {"Content-Type": "text/plain", "Origin": own,
                                   "Host": f"evil.example:{port}"}, 403),
    ]:
        assert raw(box, method, path, headers, body if method == "POST" else b"") == status, \
            (method, path, headers)
    assert len(box.fake.messages(channel)) == before
    assert raw(box, "POST", "/sandbox/send", {"Content-Type": "application/json",
                                              "Origin": own}, body) == 200  # the page
    box.fake.wait_for(lambda: len(box.fake.messages(channel)) == before + 1)


def test_open_event_streams_hold_no_thread(box):
    """With 8 pages open (8 event streams), what a person does still answers at once."""
    streams = []
    try:
        for _ in range(8):
            conn = http.client.HTTPConnection("127.0.0.1", box.fake.server.port, timeout=5)
            conn.request("GET", "/sandbox/events")
            response = conn.getresponse()
            assert response.status == 200
            assert next_event(response)
            streams.append((conn, response))
        channel = call(box, "/sandbox/state")["channel"]
        started = time.monotonic()
        call(box, "/sandbox/send", {"as": BOB, "channel": channel, "text": "hello"}, timeout=5)
        assert time.monotonic() - started < 2
        # and each stream hears of the change
        for _conn, response in streams:
            assert next_event(response)
    finally:
        for conn, _response in streams:
            conn.close()


def test_reactions_reach_the_bot_and_show_on_the_page(box):
    state = call(box, f"/sandbox/state?as={BOB}")
    channel, ts = state["channel"], state["messages"][0]["ts"]
    react = {"as": BOB, "channel": channel, "ts": ts, "name": ":+1:"}
    call(box, "/sandbox/react", react)
    call(box, "/sandbox/react", react)  # already there: nothing changes, no second event

    def rows() -> list[tuple]:
        return [(r["user"], r["text"], bool(r["removed_at"]), r["ts"])
                for r in box.bot.store.export_rows("reaction")]

    box.fake.wait_for(lambda: rows() == [(BOB, "+1", False, ts)])
    assert call(box, f"/sandbox/state?as={BOB}")["messages"][0]["reactions"] == [
        {"name": "+1", "count": 1, "mine": True, "users": ["Bob"]}]
    assert call(box, "/sandbox/state?as=U0SANDCHN")["messages"][0]["reactions"] == [
        {"name": "+1", "count": 1, "mine": False, "users": ["Bob"]}]
    call(box, "/sandbox/react", {**react, "remove": True})
    box.fake.wait_for(lambda: rows() == [(BOB, "+1", True, ts)])
    assert call(box, f"/sandbox/state?as={BOB}")["messages"][0]["reactions"] == []
    assert "not an emoji name" in call(box, "/sandbox/react", {**react, "name": "<b>"})["error"]
    with pytest.raises(urllib.error.HTTPError) as missing:
        call(box, "/sandbox/react", {**react, "ts": "1.000100"})
    assert missing.value.code == 404


def test_long_messages_are_refused_and_links_lead_to_the_page(box):
    state = call(box, "/sandbox/state")
    channel, ts = state["channel"], state["messages"][0]["ts"]
    before = len(box.fake.messages(channel))
    answer = call(box, "/sandbox/send", {"as": BOB, "channel": channel, "text": "x" * 40_001})
    assert answer["error"].startswith("This is 40,001 characters long; Slack takes at most "
                                      "40,000")
    assert len(box.fake.messages(channel)) == before
    # a permalink (the sighting form's "this message") opens the sandbox's page
    link = box.bot.app.client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"]
    assert link == f"{box.fake.base_url}/#{channel}/{ts}"
    with urllib.request.urlopen(link, timeout=10) as page:
        assert page.status == 200 and b"<html" in page.read().lower()


def test_ctrl_c_stops_once_cleanly_and_a_new_database_is_announced(tmp_path):
    """Ctrl-C while pages are open and a click is under way: in order, no traceback."""
    db = tmp_path / "new.db"
    process = BotProcess(["sandbox", "--port", "0", "--db", str(db)], {}, tmp_path)
    streams = []
    try:
        process.wait_for_line(rf"created a new sandbox database at {re.escape(str(db))}$",
                              timeout=30)
        url = process.wait_for_line(r"open (http://127\.0\.0\.1:(\d+)/)", timeout=30)
        for _ in range(8):
            conn = http.client.HTTPConnection("127.0.0.1", int(url.group(2)), timeout=5)
            conn.request("GET", "/sandbox/events")
            conn.getresponse()
            streams.append(conn)
        conn = http.client.HTTPConnection("127.0.0.1", int(url.group(2)), timeout=30)
        conn.request("POST", "/sandbox/time", body=json.dumps({"what": "follow_up"}),
                     headers={"Content-Type": "application/json"})
        # a fixed wait, on purpose: the jump shows nothing outside until its first post (a
        # second or so, paced), and Ctrl-C must come while it is under way
        time.sleep(0.5)
    finally:
        code = process.stop(signal.SIGINT)
        for stream in streams:
            stream.close()
    assert code == 0, process.output
    assert process.output.count("stopped cleanly") == 1, process.output
    assert "Traceback" not in process.output and " ERROR " not in process.output, \
        process.output


def test_a_db_in_a_folder_that_does_not_exist_is_refused(run_cli, tmp_path):
    result = run_cli("sandbox", "--port", "0", "--db", str(tmp_path / "typo" / "sandbox.db"))
    assert result.exit_code == 2
    assert f"there is no folder {tmp_path / 'typo'} (a typo?)" in result.output
    assert not (tmp_path / "typo").exists()
