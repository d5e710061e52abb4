"""Where a form belongs, and which submitted forms are leadbot's: the rules the listeners and
inbox handlers ask bot.services.forms (and sightings.home_channel) about."""

from __future__ import annotations

import pytest

from bot.channels import Channels
from bot.config import load_config
from bot.services import forms, sightings

ONE = """\
timezone: Europe/London
channels:
  - channel: C0123TEAM
    prompt: "0 9 * * MON"
    show_names: true
"""
TWO = ONE + """\
  - channel: C0OTHER
    prompt: "0 9 * * MON"
"""


@pytest.fixture
def one(write_config) -> Channels:
    config = load_config(write_config(ONE))
    return Channels({"C0123TEAM": "C0123TEAM"}, config.channels)


@pytest.fixture
def two(write_config) -> Channels:
    config = load_config(write_config(TWO))
    return Channels({"C0123TEAM": "C0123TEAM", "C0OTHER": "C0OTHER"}, config.channels)


def test_a_form_from_a_leadbot_channel_confirms_there(one):
    assert forms.reflect_form(one, "C0123TEAM") == forms.ReflectForm(
        "reflect", "C0123TEAM", True)


def test_a_form_from_elsewhere_belongs_to_the_only_team_channel(one):
    # the Home tab (no channel) and a channel leadbot does not post in alike
    for where in (None, "C0RANDOM"):
        assert forms.reflect_form(one, where) == forms.ReflectForm(
            "reflect-home", "C0123TEAM", True)


def test_a_follow_up_form_confirms_in_itself(one):
    assert forms.reflect_form(one, "C0123TEAM", follow_up=True).purpose == "reflect-home"


def test_with_two_channels_a_form_from_elsewhere_joins_no_digest(two):
    assert forms.reflect_form(two, None) == forms.ReflectForm("reflect-home", None, False)
    assert forms.reflect_form(two, "C0OTHER") == forms.ReflectForm("reflect", "C0OTHER", False)
    assert forms.kept_channel(two, "C0RANDOM") is None
    assert forms.kept_channel(two, "C0OTHER") == "C0OTHER"


def test_a_sighting_from_a_dm_belongs_to_the_only_team_channel(one, two):
    assert sightings.home_channel(one, "D0DM", direct=True) == "C0123TEAM"
    assert sightings.home_channel(two, "D0DM", direct=True) is None
    assert sightings.home_channel(two, "C0RANDOM", direct=False) == "C0RANDOM"


def test_a_submitted_form_is_leadbots_only_for_whom_and_what_it_was_opened(store, clock):
    forms.remember(store, clock, "V1", "U0ADA", "reflect", channel="C0123TEAM")
    assert forms.opened_for(store, "V1", "U0ADA", ("reflect",))["channel"] == "C0123TEAM"
    assert forms.opened_for(store, "V1", "U0BOB", ("reflect",)) is None
    assert forms.opened_for(store, "V1", "U0ADA", ("sighting",)) is None
    assert forms.opened_for(store, "V2", "U0ADA", ("reflect",)) is None
    with pytest.raises(forms.NotYet):  # its record is still on the way, through the inbox
        forms.opened_for(store, "V2", "U0ADA", ("reflect",), waiting={"modal:V2"}.__contains__)
