"""Small helpers for the words people read: counts with the right plural."""

from __future__ import annotations


def plural(n: int, singular: str, many: str | None = None) -> str:
    """"1 reflection", "2 reflections", "0 reflections" (``many`` for irregular plurals)."""
    return f"{n:,} {singular if n == 1 else (many or singular + 's')}"
