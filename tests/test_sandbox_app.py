"""The sandbox without a browser: its workspace, the real bot connected to it, and the page's
API (what a person's clicks, messages, commands and forms become)."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pytest

from bot.sandbox.app import Sandbox
from tests.conftest import REPO

pytestmark = pytest.mark.e2e


def call(box: Sandbox, path: str, body: dict | None = None) -> dict:
    url = box.fake.base_url + path
    request = urllib.request.Request(url, data=json.dumps(body).encode() if body else None,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=15) as response:
        return json.load(response)


@pytest.fixture
def box(tmp_path):
    sandbox = Sandbox(REPO / "bot" / "sandbox" / "demo.yaml", tmp_path / "sandbox.db", port=0)
    sandbox.start()
    yield sandbox
    sandbox.stop()


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
    assert note == "digest: posted"
    state = call(box, "/sandbox/state")
    assert "Weekly digest" in state["messages"][1]["html"]
    chart = state["messages"][2]["html"]
    assert '<img' in chart and "/sandbox/files/" in chart
    # the seeded week has "take"s: jump to when the first follow-up can be sent, and send it
    note = call(box, "/sandbox/time", {"what": "follow_up"})["note"]
    assert re.fullmatch(r"It is now .*: [1-9]\d* follow-up\(s\) sent\.", note), note
    sent = next(r for r in box.bot.store.export_rows("follow_up") if r["status"] == "sent")
    dm = [c for c in call(box, f"/sandbox/state?as={sent['user']}")["channels"] if c["dm"]]
    assert dm and dm[0]["name"] == "leadbot (direct messages)"


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
        sandbox.stop()


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
