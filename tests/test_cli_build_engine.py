"""``careengine.cli.build_engine``, the engine factory docs/plugins.md tells plugin commands to use:
its fourth argument stays the ``--option NAME=VALUE`` texts (as before the built-in commands
passed their choices as one ``PlanChoice``), and a choice's texts follow those."""

from __future__ import annotations

import pytest

from careengine.cli import build_engine
from careengine.cli.app import PlanChoice
from careengine.errors import ConfigurationError


def test_option_pairs_by_position_and_by_keyword() -> None:
    by_position = build_engine((), (), "auto", ["startback_pathway=full"])
    by_keyword = build_engine(option_pairs=["startback_pathway=full"])
    assert by_position.plugin_options["startback_pathway"] == "full"
    assert by_keyword.plugin_options["startback_pathway"] == "full"


def test_a_choice_follows_the_option_pairs() -> None:
    choice = PlanChoice(option_pairs=("startback_pathway=stratified",))
    engine = build_engine(option_pairs=["startback_pathway=full"], choice=choice)
    assert engine.plugin_options["startback_pathway"] == "stratified"
    assert build_engine(choice=choice).plugin_options["startback_pathway"] == "stratified"


def test_a_bad_option_text_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError):
        build_engine((), (), "auto", ["no-equals-sign"])
