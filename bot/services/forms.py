"""The forms (Slack modals) leadbot opens: remembered when opened, and on submission checked
(opened by leadbot, for this person, for this purpose) and closed once, so a form sent twice
is saved once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot.channels import Channels
from bot.clock import Clock
from bot.store import Store

log = logging.getLogger(__name__)


class NotYet(Exception):
    """The work depends on an item still waiting in the inbox (the form's record): retried."""


def remember(store: Store, clock: Clock, view_id: str, user: str, purpose: str, *,
             channel: str | None = None, reflection_id: int | None = None,
             sighting_id: int | None = None, follow_up_id: int | None = None) -> None:
    """Note a form leadbot opened: for whom, what for, and what it is about."""
    store.record_modal(view_id, user, purpose, clock.now(), channel=channel,
                       reflection_id=reflection_id, sighting_id=sighting_id,
                       follow_up_id=follow_up_id)


def opened_for(store: Store, view_id: str, user: str, purposes: tuple[str, ...], *,
               waiting: Callable[[str], bool] = lambda _key: False) -> dict | None:
    """The record of the form submitted, if leadbot opened it for ``user`` for one of
    ``purposes``; NotYet while its record still waits in the inbox (``waiting``)."""
    row = store.modal(view_id)
    if row is None and waiting(f"modal:{view_id}"):
        raise NotYet(f"the record of form {view_id} is still in the inbox")
    if row is None or row["user"] != user or row["purpose"] not in purposes:
        log.warning("a form leadbot did not open for %s was submitted; ignored", user)
        return None
    return row


def kept_channel(channels: Channels, channel_id: str | None) -> str | None:
    """The channel ID if it is one of leadbot's channels (reflections keep only those)."""
    return channel_id if channel_id and channels.config_of(channel_id) else None


@dataclass(frozen=True)
class ReflectForm:
    """Where a reflection form belongs: ``purpose`` says where to confirm ("reflect": in the
    channel it came from; "reflect-home": in the form itself), ``channel`` whose digest a
    shared reflection joins, ``named`` whether that digest names its authors."""

    purpose: str
    channel: str | None
    named: bool


def reflect_form(channels: Channels, channel_id: str | None, *,
                 follow_up: bool = False) -> ReflectForm:
    """Where a reflection form opened from ``channel_id`` belongs. From the Home tab or a
    follow-up DM the person is not looking at a channel, so the form confirms itself; outside
    any channel, a shared reflection goes to the team's channel when leadbot has only one."""
    channel = kept_channel(channels, channel_id)
    purpose = "reflect" if channel and not follow_up else "reflect-home"
    if channel is None:
        channel = channels.default()
    config = channels.config_of(channel) if channel else None
    return ReflectForm(purpose, channel, bool(config and config.show_names))
