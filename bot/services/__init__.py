"""Domain services: plain code the CLI, the Slack listeners and the scheduler all call."""
