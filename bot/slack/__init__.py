"""The thin Slack layer: the Bolt app, listeners, Block Kit builders and ids."""
