"""The build under test is the one scripts/test meant to test."""

import os

import pytest

import rjson

PHASES = ("phase1", "phase2", "phase3", "phase4", "phase5")


def test_enabled_phases_match_the_variant():
    variant = os.environ.get("RJSON_VARIANT")
    if variant is None:
        pytest.skip("RJSON_VARIANT not set: run through scripts/test")
    expected = () if variant == "baseline" else PHASES[: int(variant[-1])]
    assert rjson.enabled_phases() == expected


def test_enabled_phases_is_a_prefix_of_the_roadmap():
    phases = rjson.enabled_phases()
    assert isinstance(phases, tuple)
    assert phases == PHASES[: len(phases)]


def test_version():
    assert isinstance(rjson.__version__, str) and rjson.__version__.count(".") == 2
