"""The clinic's golden cases (tests/cases/*.case.toml), one pytest test per case."""

from __future__ import annotations

from pathlib import Path

import pytest
from careengine.rules.golden import Case
from careengine.testing import assert_case, golden_cases

from careengine_clinic_example import plugin


@pytest.mark.careengine(plugins=[plugin])
@pytest.mark.parametrize("case", golden_cases(Path(__file__).parent / "cases"))
def test_golden_case(careengine_engine, case: Case) -> None:
    assert_case(careengine_engine, case)
