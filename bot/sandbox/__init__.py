"""The local sandbox workspace: try leadbot in a browser, no Slack needed."""
