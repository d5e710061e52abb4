"""What the bot answers to an interaction it no longer knows (a form or button from an older
version of leadbot, or one whose message outlived its listener)."""

from __future__ import annotations

from typing import Any

OUT_OF_DATE = ("This form is out of date (leadbot was updated since it opened), so nothing was "
               "saved. Run /reflect again, or /saw for a sighting.")


def out_of_date_modal() -> dict[str, Any]:
    """The modal that replaces a submitted form whose callback_id leadbot does not know."""
    return {"type": "modal", "title": {"type": "plain_text", "text": "Form out of date"},
            "close": {"type": "plain_text", "text": "Close"},
            "blocks": [{"type": "section", "text": {"type": "plain_text", "text": OUT_OF_DATE}}]}
