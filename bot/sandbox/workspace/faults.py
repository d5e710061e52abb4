"""Failure injection: queued failures per method and a seeded random rate limit."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

SERVER_ERRORS = {500: "internal_error", 503: "service_unavailable"}


@dataclass
class Fault:
    """How to answer one call instead of handling it."""

    status: int = 429
    retry_after: int = 1
    error: str | None = None
    drop: bool = False

    def headers(self) -> dict[str, str]:
        """Extra response headers (Retry-After on 429)."""
        return {"Retry-After": str(self.retry_after)} if self.status == 429 else {}

    def body(self) -> dict[str, Any]:
        """The JSON body sent with the fault."""
        if self.error is not None:
            return {"ok": False, "error": self.error}
        if self.status == 429:
            return {"ok": False, "error": "ratelimited"}
        return {"ok": False, "error": SERVER_ERRORS.get(self.status, "fatal_error")}


class FaultPlan:
    """Decides, per call, whether a fault answers it. Callers hold the server's lock."""

    def __init__(self) -> None:
        self._queued: dict[str, list[Fault]] = {}
        self._ratio = 0.0
        self._ratio_fault = Fault()
        self._ratio_methods: frozenset[str] = frozenset()
        self._rng = random.Random(0)

    def add(self, method: str, fault: Fault, times: int) -> None:
        """Queue `times` copies of fault for method ("*" matches every method)."""
        self._queued.setdefault(method, []).extend(fault for _ in range(times))

    def set_ratio(self, ratio: float, retry_after: int, seed: int,
                  methods: Iterable[str]) -> None:
        """Answer about `ratio` of calls to methods with 429, deterministically for a seed."""
        self._ratio = ratio
        self._ratio_fault = Fault(status=429, retry_after=retry_after)
        self._ratio_methods = frozenset(methods)
        self._rng = random.Random(seed)

    def clear(self) -> None:
        """Forget every queued failure and the random rate limit."""
        self._queued.clear()
        self._ratio = 0.0

    def next_fault(self, method: str) -> Fault | None:
        """The fault for this call, if any (queued failures first)."""
        for key in (method, "*"):
            queue = self._queued.get(key)
            if queue:
                return queue.pop(0)
        wanted = method in self._ratio_methods or "*" in self._ratio_methods
        if self._ratio > 0 and wanted and self._rng.random() < self._ratio:
            return self._ratio_fault
        return None
