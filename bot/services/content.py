"""What each kind of post says, as plain data (Block Kit is built from this elsewhere)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.library import Library, Nudge, refrain_context

REPLY_INVITATION = "Reply in the thread: what will you follow, take or let go this week?"
NUDGE_INVITATION = "Try it if you wish, and tell the team in the thread how it went."


@dataclass(frozen=True)
class PromptContent:
    """The refrain prompt."""

    refrain: str
    attribution: str
    context: str
    invitation: str = REPLY_INVITATION

    def fallback_text(self) -> str:
        """Plain text for notifications and clients without Block Kit."""
        return f"{self.refrain} (— {self.attribution})\n{self.context}"


@dataclass(frozen=True)
class NudgeContent:
    """One behaviour nudge with its theme."""

    nudge_id: str
    behavior: str
    theme: str
    text: str
    invitation: str = NUDGE_INVITATION

    def fallback_text(self) -> str:
        """Plain text for notifications and clients without Block Kit."""
        return f"{self.theme}: {self.text}"


def prompt_content(library: Library, index: int) -> PromptContent:
    """The ``index``-th prompt of a channel (the context line rotates)."""
    return PromptContent(library.refrain.text, library.refrain.attribution,
                         refrain_context(library, index))


def nudge_content(library: Library, nudge: Nudge) -> NudgeContent:
    """A nudge with its theme's display name."""
    return NudgeContent(nudge.id, nudge.behavior, library.behaviors[nudge.behavior].name,
                        nudge.text)
