"""The floor for benchmarks/ingest.py: a Bolt app that only acks, served exactly as
`leadbot run --http` serves (waitress, 8 threads, Bolt's WSGI adapter). Prints its port."""

from __future__ import annotations

import os
import sys

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from waitress import create_server


def main() -> None:
    """Serve until killed."""
    client = WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"])
    app = App(client=client,
              signing_secret=os.environ["SLACK_SIGNING_SECRET"],
              token_verification_enabled=False, process_before_response=True)

    @app.event("message")
    def on_message(ack) -> None:
        ack()

    server = create_server(SlackRequestHandler(app), host="127.0.0.1", port=0, threads=8)
    print(f"listening on http://127.0.0.1:{server.socket.getsockname()[1]}", flush=True)
    sys.stdout.flush()
    server.run()


if __name__ == "__main__":
    main()
