"""The configured channels and the Slack channel IDs they resolved to at start."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from bot.config import Channel


class Channels:
    """Each config ref ("#team" or "C123") the bot can post in, with its Slack channel ID.

    Built once from what ``resolve_channels`` found, plus the configured channels, so a
    channel ID can be traced back to its configuration.
    """

    def __init__(self, resolved: Mapping[str, str], configured: Iterable[Channel]):
        self._ids = dict(resolved)
        self._configured = tuple(configured)

    def update(self, resolved: Mapping[str, str], configured: Iterable[Channel]) -> None:
        """Take a reloaded configuration's channels (every holder of this object sees them)."""
        self._ids, self._configured = dict(resolved), tuple(configured)

    def id_of(self, ref: str) -> str | None:
        """The channel ID a config ref resolved to, or None if it did not resolve."""
        return self._ids.get(ref)

    def config_of(self, channel_id: str) -> Channel | None:
        """The configured channel that resolved to ``channel_id`` (or that is configured by
        that very ID), else None."""
        for channel in self._configured:
            if self._ids.get(channel.channel, channel.channel) == channel_id:
                return channel
        return None

    def resolved(self) -> list[tuple[Channel, str]]:
        """Each configured channel that resolved, with its ID, in configuration order."""
        ids = self._ids  # one dict throughout, though a reload may swap it meanwhile
        return [(channel, ids[channel.channel]) for channel in self._configured
                if channel.channel in ids]

    def default(self) -> str | None:
        """The team's channel when leadbot has exactly one (where a reflection or sighting
        written outside any channel belongs), else None."""
        return next(iter(self._ids.values())) if len(self._ids) == 1 else None

    def ids(self) -> list[str]:
        """Every resolved channel ID, in the order they resolved."""
        return list(self._ids.values())

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, channel_id: object) -> bool:
        """True when ``channel_id`` is one of the resolved channel IDs."""
        return channel_id in self._ids.values()

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._ids.items())

    def __repr__(self) -> str:
        return f"Channels({self._ids!r})"
