"""What each kind of post says, as plain data (Block Kit is built from this elsewhere)."""

from __future__ import annotations

from bot.library import Library, Nudge, refrain_context
from bot.messages.prompt import NudgeContent, PromptContent


def prompt_content(library: Library, index: int) -> PromptContent:
    """The ``index``-th prompt of a channel (the context line rotates)."""
    return PromptContent(library.refrain.text, library.refrain.attribution,
                         refrain_context(library, index))


def nudge_content(library: Library, nudge: Nudge) -> NudgeContent:
    """A nudge with its theme's display name."""
    return NudgeContent(nudge.id, nudge.theme, library.themes[nudge.theme].name,
                        nudge.text)
