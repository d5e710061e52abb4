"""A local Slack workspace (Web API, Socket Mode, HTTP deliveries): the sandbox serves it to the
real bot, and the tests drive the bot through it with the real slack_sdk.

    with FakeSlack() as fake:
        fake.add_channel("C1", "general")
        client = WebClient(token=fake.bot_token, base_url=fake.api_url)
        client.chat_postMessage(channel="C1", text="hi")
        assert fake.messages("C1")[0]["text"] == "hi"
"""

from .fake import FakeSlack
from .server import Call
from .spec import ArgError

__all__ = ["ArgError", "Call", "FakeSlack"]
