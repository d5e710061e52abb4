"""Registers listeners on the Bolt App and remembers what was registered, so a test can hold
the app manifest and the code to each other."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from slack_bolt import App


@dataclass
class Registry:
    """A thin recorder in front of Bolt's decorators."""

    app: App
    events: set[str] = field(default_factory=set)
    commands: set[str] = field(default_factory=set)
    actions: set[str] = field(default_factory=set)
    shortcuts: set[str] = field(default_factory=set)
    views: set[str] = field(default_factory=set)

    def event(self, name: str):
        """``app.event(name)``, recorded."""
        self.events.add(name)
        return self.app.event(name)

    def event_types(self, *names: str):
        """One listener for several event types (Bolt tries listeners one by one, and each
        try costs, so the busiest path gets a single listener), recorded by name."""
        self.events.update(names)
        return self.app.event(re.compile("^(" + "|".join(map(re.escape, names)) + ")$"))

    def command(self, name: str):
        """``app.command(name)``, recorded."""
        self.commands.add(name)
        return self.app.command(name)

    def action(self, action_id: str | re.Pattern):
        """``app.action(action_id)``, recorded (patterns by their source)."""
        self.actions.add(action_id.pattern if isinstance(action_id, re.Pattern) else action_id)
        return self.app.action(action_id)

    def shortcut(self, callback_id: str):
        """``app.shortcut(callback_id)``, recorded."""
        self.shortcuts.add(callback_id)
        return self.app.shortcut(callback_id)

    def view(self, callback_id: str):
        """``app.view(callback_id)``, recorded."""
        self.views.add(callback_id)
        return self.app.view(callback_id)
