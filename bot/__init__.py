"""leadbot: a Slack bot that keeps lean leadership alive in a team's daily work."""

__version__ = "0.12.0"
