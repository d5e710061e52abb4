"""Pure Block Kit, one module per surface, and the toolkit they share (``kit``); the ids.

Plain values in, Slack messages and views out: nothing here reads the database, calls Slack or
imports a service, so services and the Slack layer can both use it."""
