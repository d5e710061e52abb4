"""The sandbox turns what a person does on the page into Slack's own payload shapes."""

from __future__ import annotations

from bot.messages.reflect import reflect_modal
from bot.sandbox import payloads

THEMES = {"go-to-gemba": "Go where the work happens"}


def test_form_values_become_slack_state_values():
    view = {**reflect_modal(THEMES), "id": "V1"}
    values = payloads.state_values(view, {
        "reflect_text/text": "Went to see", "reflect_choice/choice": "take",
        "reflect_theme/theme": "go-to-gemba", "reflect_share/share": ["share"]})
    assert values["reflect_text"]["text"] == {"type": "plain_text_input", "value": "Went to see"}
    assert values["reflect_choice"]["choice"]["selected_option"]["value"] == "take"
    assert values["reflect_theme"]["theme"]["selected_option"]["text"]["text"] == (
        "Go where the work happens")
    assert [o["value"] for o in values["reflect_share"]["share"]["selected_options"]] == [
        "share"]
    empty = payloads.state_values(view, {"reflect_choice/choice": "bogus"})
    assert empty["reflect_text"]["text"]["value"] is None
    assert empty["reflect_choice"]["choice"]["selected_option"] is None  # not an option
    assert empty["reflect_share"]["share"]["selected_options"] == []


def test_events_have_slacks_shapes():
    message = {"channel": "C1", "user": "U1", "text": "hi", "ts": "1.2", "thread_ts": "1.1"}
    event = payloads.message_event(message)
    assert (event["type"], event["thread_ts"], event["parent_user_id"]) == (
        "message", "1.1", "U0SANDBOT")
    changed = payloads.message_changed("C1", message, {**message, "text": "hello"}, "1.3")
    assert changed["subtype"] == "message_changed"
    assert changed["message"]["edited"] == {"user": "U1", "ts": "1.3"}
    deleted = payloads.message_deleted("C1", message, "1.4")
    assert (deleted["deleted_ts"], deleted["previous_message"]["thread_ts"]) == ("1.2", "1.1")
    click = payloads.block_actions(user="U1", name="ann", action={"action_id": "a"},
                                   trigger_id="t", message=message, channel="C1",
                                   response_url="http://x/hooks/1", ephemeral=True)
    assert click["container"] == {"type": "message", "message_ts": "1.2", "channel_id": "C1",
                                  "is_ephemeral": True}
    on_view = payloads.block_actions(user="U1", name="ann", action={"action_id": "a"},
                                     trigger_id="t", view={"id": "V1", "type": "home"})
    assert on_view["container"] == {"type": "view", "view_id": "V1"}
    assert "response_url" not in on_view
