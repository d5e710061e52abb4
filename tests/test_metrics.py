"""Metrics and JSON logs through the running bot: /metrics parses with prometheus_client's own
parser in HTTP mode (the events port) and in Socket Mode (--metrics-port), its counters move
with posts, clicks, Slack's errors and 429s; `leadbot run --log-format json` writes nothing
but JSON lines, carrying the channel, user and event they are about."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot import runtime
from bot.logs import ContextFilter, JsonFormatter, bound
from bot.metrics import Metrics
from tests import slackdrive as sd
from tests.e2e import BotProcess, BotThread, bot_env, transport_to

pytestmark = pytest.mark.e2e

EVERY_2S = """\
timezone: Europe/London
admins: [U0123ADMIN]
working_days: [mon, tue, wed, thu, fri, sat, sun]
channels:
  - channel: C0123TEAM
    prompt: "*/2 * * * * *"
"""


def scrape(url: str) -> dict[tuple[str, frozenset], float]:
    """Every sample at ``url``, read by prometheus_client's parser: (name, labels) -> value."""
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=")
        text = response.read().decode()
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(samples: dict, name: str, **labels: str) -> float:
    """One sample's value (0 when the series is absent)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_http_metrics_on_the_events_port_move_with_posts_clicks_errors_and_429s(fake,
                                                                                  tmp_path):
    bot = BotThread(bot_env(fake, tmp_path, EVERY_2S), tmp_path, "http")
    try:
        slack = transport_to(fake, bot, "http")
        url = f"http://127.0.0.1:{bot.port}/metrics"
        fake.wait_for(lambda: fake.messages("C0123TEAM"), timeout=15)
        first = fake.wait_for(lambda: value(scrape(url), "leadbot_posts_total", kind="prompt",
                                            outcome="posted") >= 1 and scrape(url), timeout=5)
        assert value(first, "leadbot_last_post_timestamp_seconds", channel="C0123TEAM") > 1e9
        assert value(first, "leadbot_scheduler_next_run_timestamp_seconds") > 1e9
        assert value(first, "leadbot_inbox_dead_letters") == 0
        assert ("leadbot_inbox_pending", frozenset()) in first
        assert value(first, "leadbot_answers_total", kind="choice") == 0
        # a click whose confirmation meets a 429 (retried by slack_sdk) ...
        message = fake.messages("C0123TEAM")[0]
        fake.fail("chat.postEphemeral", status=429, retry_after=0, times=1)
        slack.interaction(sd.click(fake, message, "U0123ADMIN", "take"))
        fake.wait_for(lambda: fake.ephemerals("C0123TEAM", "U0123ADMIN"), timeout=10)
        # ... then one whose confirmation Slack refuses for good
        fake.fail("chat.postEphemeral", error="channel_not_found", times=1)
        slack.interaction(sd.click(fake, message, "U0123ADMIN", "follow"))
        posted = value(first, "leadbot_posts_total", kind="prompt", outcome="posted")
        after = fake.wait_for(lambda: (lambda s: value(
            s, "leadbot_answers_total", kind="choice") >= 2 and value(
            s, "leadbot_posts_total", kind="prompt", outcome="posted") > posted and s)(
            scrape(url)), timeout=10)
        # a post Slack rate-limits (the poster's client does not retry by itself)
        fake.rate_limit_ratio(1.0, retry_after=0)
        limited = fake.wait_for(lambda: (lambda s: value(
            s, "leadbot_slack_errors_total", method="chat.postMessage",
            error="ratelimited") >= 1 and s)(scrape(url)), timeout=10)
        fake.rate_limit_ratio(0.0)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(urllib.request.Request(url, data=b"x"), timeout=5)
        assert refused.value.code == 405
    finally:
        assert bot.stop(), bot.output
    assert value(after, "leadbot_answers_total", kind="choice") == 2
    assert value(after, "leadbot_slack_rate_limits_total", method="chat.postEphemeral") == 1
    assert value(after, "leadbot_slack_errors_total", method="chat.postEphemeral",
                 error="channel_not_found") == 1
    assert value(after, "leadbot_slack_errors_total", method="chat.postEphemeral",
                 error="ratelimited") == 0  # retried, so not an error
    assert value(limited, "leadbot_slack_rate_limits_total", method="chat.postMessage") >= 1
    assert value(after, "leadbot_last_post_timestamp_seconds", channel="C0123TEAM") > value(
        first, "leadbot_last_post_timestamp_seconds", channel="C0123TEAM")


def test_socket_mode_metrics_on_their_own_port(fake, tmp_path):
    bot = BotThread(bot_env(fake, tmp_path, EVERY_2S), tmp_path, "socket")
    server = runtime.MetricsServer(bot.bot, "127.0.0.1", 0)
    try:
        slack = transport_to(fake, bot, "socket")
        url = f"http://127.0.0.1:{server.port}/metrics"
        fake.wait_for(lambda: fake.messages("C0123TEAM"), timeout=15)
        before = scrape(url)
        slack.interaction(sd.click(fake, fake.messages("C0123TEAM")[0], "U0123ADMIN", "pass"))
        after = fake.wait_for(lambda: (lambda s: value(
            s, "leadbot_answers_total", kind="choice") == 1 and s)(scrape(url)), timeout=10)
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"http://127.0.0.1:{server.port}/other", timeout=5)
        assert missing.value.code == 404
    finally:
        server.close()
        stopped = bot.stop(hang_up=fake.close_sockets)
    assert stopped, bot.output
    assert value(before, "leadbot_answers_total", kind="choice") == 0
    assert value(after, "leadbot_posts_total", kind="prompt", outcome="posted") >= 1
    assert not server.thread.is_alive()
    with pytest.raises(OSError):  # closed with the bot: refused (URLError) or reset
        urllib.request.urlopen(url, timeout=2)


def test_each_bot_has_its_own_registry():
    one, two = Metrics(), Metrics()
    one.answer("click")
    one.answer("home")  # the bot's own work, not an answer
    assert b'leadbot_answers_total{kind="choice"} 1.0' in one.render()[0]
    assert b'leadbot_answers_total{kind="choice"} 0.0' in two.render()[0]
    assert b"home" not in one.render()[0]


def test_json_line_carries_the_bound_ids_and_the_exception_on_one_line():
    record = logging.LogRecord("leadbot.x", logging.ERROR, __file__, 1, "failed %s", ("it",),
                               None)
    try:
        raise ValueError("boom\nsecond line")
    except ValueError:
        import sys
        record.exc_info = sys.exc_info()
    with bound(channel="C1", user="U1", event_id="Ev1"):
        ContextFilter().filter(record)
    line = JsonFormatter().format(record)
    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["message"] == "failed it" and parsed["level"] == "ERROR"
    assert parsed["time"].endswith("Z") and parsed["logger"] == "leadbot.x"
    assert (parsed["channel"], parsed["user"], parsed["event_id"]) == ("C1", "U1", "Ev1")
    assert "ValueError: boom" in parsed["exception"]


def test_run_log_format_json_every_line_parses(fake, tmp_path):
    env = bot_env(fake, tmp_path, EVERY_2S)
    env["LEADBOT_LOG_LEVEL"] = "DEBUG"  # every library's lines, not only ours
    bot = BotProcess(["run", "--log-format", "json", "--metrics-port", "0"], env, tmp_path)
    try:
        port = int(bot.wait_for_line(r"metrics on http://127\.0\.0\.1:(\d+)/metrics").group(1))
        slack = transport_to(fake, bot, "socket")
        fake.wait_for(lambda: fake.messages("C0123TEAM"), timeout=15)
        message = fake.messages("C0123TEAM")[0]
        fake.fail("chat.postEphemeral", error="internal_error", times=1)  # retried once
        slack.interaction(sd.click(fake, message, "U0123ADMIN", "take"))
        slack.event(sd.thread_reply("C0123TEAM", message["ts"], "1700000000.000100",
                                    "U0123ADMIN", "I will"), event_id="Ev0METRICS")
        fake.wait_for(lambda: fake.ephemerals("C0123TEAM", "U0123ADMIN"), timeout=10)
        samples = fake.wait_for(lambda: (lambda s: value(
            s, "leadbot_answers_total", kind="thread_reply") == 1 and value(
            s, "leadbot_answers_total", kind="choice") == 1 and s)(
            scrape(f"http://127.0.0.1:{port}/metrics")), timeout=10)
    finally:
        code = bot.stop()
    assert code == 0, bot.output
    assert value(samples, "leadbot_answers_total", kind="choice") == 1
    assert value(samples, "leadbot_slack_errors_total", method="chat.postEphemeral",
                 error="internal_error") == 1
    lines = [json.loads(line) for line in bot.lines]  # every line is JSON, or this fails
    assert len(lines) > 20
    for line in lines:
        assert {"time", "level", "logger", "message"} <= set(line), line
    loggers = {line["logger"] for line in lines}
    assert {"leadbot", "slack_bolt.App", "slack_sdk.web.base_client"} & loggers
    messages = [line["message"] for line in lines]
    assert any("stopped cleanly" in m for m in messages)
    posted = [line for line in lines if line["message"].startswith("posted prompt")]
    assert posted and all(line["channel"] == "C0123TEAM" for line in posted)
    assert all(line["kind"] == "prompt" and line["ts"] for line in posted)  # extra=
    failed = [line for line in lines if "failed (attempt 1)" in line["message"]]
    assert len(failed) == 1 and "internal_error" in failed[0]["exception"]
    assert (failed[0]["user"], failed[0]["channel"]) == ("U0123ADMIN", "C0123TEAM")
    assert any(line.get("event_id") == "Ev0METRICS" for line in lines)



def test_run_log_format_json_refused_token_is_one_json_line(fake, tmp_path):
    env = bot_env(fake, tmp_path, EVERY_2S)
    env["SLACK_BOT_TOKEN"] = "xoxb-wrong"
    bot = BotProcess(["run", "--log-format", "json"], env, tmp_path)
    assert bot.proc.wait(timeout=20) == 2
    bot.stop()
    (line,) = [json.loads(line) for line in bot.lines]
    assert line["level"] == "ERROR"
    assert "Slack refused SLACK_BOT_TOKEN (invalid_auth)" in line["message"]


@pytest.mark.parametrize("trouble", ["config", "token"])
def test_run_log_format_json_refusals_before_start_are_json_too(fake, tmp_path, trouble):
    """A broken configuration or a missing token stops `run` before it connects: with
    --log-format json those lines are JSON as well, each problem its own line."""
    env = bot_env(fake, tmp_path, EVERY_2S)
    if trouble == "config":
        (tmp_path / "leadbot.yaml").write_text("timezone: Mars/Base\nchannels: []\n")
        env["LEADBOT_CONFIG"] = str(tmp_path / "leadbot.yaml")
    else:
        env["SLACK_APP_TOKEN"] = ""
    bot = BotProcess(["run", "--log-format", "json"], env, tmp_path)
    assert bot.proc.wait(timeout=20) == 2
    bot.stop()
    lines = [json.loads(line) for line in bot.lines]
    assert lines and all(line["level"] == "ERROR" for line in lines), bot.output
    said = " ".join(line["message"] for line in lines)
    if trouble == "config":
        assert "timezone" in said and "nothing was started" in said
    else:
        assert "SLACK_APP_TOKEN" in said


def test_a_metrics_port_in_use_stops_run_with_one_line_and_nothing_kept(fake, tmp_path):
    """--metrics-port on a port another program holds: one clear line, exit 1, and the bot it
    had started stops cleanly (its database closed and its run lock given back)."""
    import socket

    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    try:
        port = holder.getsockname()[1]
        bot = BotProcess(["run", "--metrics-port", str(port)], bot_env(fake, tmp_path, EVERY_2S),
                         tmp_path)
        assert bot.proc.wait(timeout=20) == 1, bot.output
        bot.stop()
    finally:
        holder.close()
    assert f"error: cannot serve metrics on 127.0.0.1:{port}" in bot.output
    assert "Traceback" not in bot.output and "stopped cleanly" in bot.output
