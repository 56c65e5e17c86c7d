"""Every example in docs/rule-packs.md loads and fires as documented.

Each ``toml`` block is a pack; the ``json`` block after it is an assessment; the ``expect`` block
after that lists what the plan must hold. The engine has the catalog plugins only (no built-in
rules), so what fires is exactly what the page shows.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from careengine import Engine
from careengine.model import Plan
from careengine.rules.toml_pack import parse_pack

DOC = Path(__file__).resolve().parent.parent / "docs" / "rule-packs.md"
CATALOG = ["careengine_plugins.vocabulary", "careengine_plugins.interventions"]
BLOCK = re.compile(r"```(toml|json|expect|python)\n(.*?)```", re.S)


def examples() -> list[tuple[str, str, str]]:
    blocks = BLOCK.findall(DOC.read_text(encoding="utf-8"))
    out = []
    for i, (kind, text) in enumerate(blocks):
        if kind == "toml" and text.lstrip().startswith("[pack]"):
            assert blocks[i + 1][0] == "json" and blocks[i + 2][0] == "expect", text[:60]
            out.append((text, blocks[i + 1][1], blocks[i + 2][1]))
    return out


def check(plan: Plan, expect: str) -> list[str]:
    placed = {(stage, item.intervention) for stage, item in plan.items()}
    items = {item.intervention: item for _, item in plan.items()}
    excluded = {e.intervention for e in plan.excluded}
    alerts = {(a.code, a.level.value) for a in plan.alerts}
    referrals = {(r.to, r.urgency.value) for r in plan.referrals}
    missing = []
    for line in expect.strip().splitlines():
        match line.split():
            case ["add", stage, intervention]:
                ok = (stage, intervention) in placed
            case ["none", stage, intervention]:
                ok = (stage, intervention) not in placed
            case ["exclude", intervention]:
                ok = intervention in excluded
            case ["precaution", intervention]:
                ok = bool(items.get(intervention) and items[intervention].precautions)
            case ["alert", code, level]:
                ok = (code, level) in alerts
            case ["refer", *to, urgency]:
                ok = (" ".join(to), urgency) in referrals
            case ["stage", stage]:
                ok = plan.current_stage == stage
            case _:
                raise AssertionError(f"unknown expectation {line!r}")
        if not ok:
            missing.append(line)
    return missing


EXAMPLES = examples()


def test_the_page_has_an_example_for_every_operator_and_action() -> None:
    text = "\n".join(pack for pack, _, _ in EXAMPLES)
    for needle in (
        "at_least",
        " in = ",
        "gt = ",
        "gte = ",
        "lt = ",
        "neq = ",
        "exists = ",
        "present = false",
        "same_side = true",
        "when.any",
        "when.none",
        "add = ",
        "exclude = ",
        "precaution = ",
        "alert = ",
        "refer = ",
        "derive = ",
        "start_stage = ",
        "priority = ",
        "dosage = ",
    ):
        assert needle in text, needle
    assert len(EXAMPLES) >= 9


@pytest.mark.parametrize("index", range(len(EXAMPLES)))
def test_documented_example_fires_as_documented(tmp_path: Path, index: int) -> None:
    pack_text, assessment, expect = EXAMPLES[index]
    pack, problems = parse_pack(pack_text.encode(), file="doc.toml")
    assert problems == [] and pack is not None
    (tmp_path / "example.toml").write_text(pack_text, encoding="utf-8")
    engine = Engine(builtins=CATALOG, entry_points=False, rules=[tmp_path])
    plan = engine.evaluate(engine.load_assessment(json.loads(assessment)))
    assert check(plan, expect) == []
    # and the expectations are not vacuous: an empty pack does not meet them
    (tmp_path / "example.toml").write_text(pack_text.split("[[rules]]")[0], encoding="utf-8")
    bare = Engine(builtins=CATALOG, entry_points=False, rules=[tmp_path])
    positive = [ln for ln in expect.strip().splitlines() if not ln.startswith("none ")]
    assert check(bare.evaluate(bare.load_assessment(json.loads(assessment))), "\n".join(positive))
