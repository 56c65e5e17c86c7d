"""The library API for clinic software (docs/embedding.md): every input form of
``load_assessment``/``load_plan``/``reassess``, the plan's and a problem's plain-data forms, and
``Engine.from_env`` giving the command line's plan."""

from __future__ import annotations

import json
import types
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from careengine import AssessmentError, Engine
from careengine.cli import cli
from careengine.errors import Problem
from careengine.serialize import dumps, plan_to_dict

ROOT = Path(__file__).resolve().parent.parent
DESK = ROOT / "examples" / "assessments" / "desk-worker.json"
FOLLOWUP = ROOT / "examples" / "followups" / "desk-worker-2wk-advance.json"


@pytest.fixture(scope="module")
def engine() -> Engine:
    with Engine(backend="python") as e:
        yield e


def problems(exc: pytest.ExceptionInfo[AssessmentError]) -> list[tuple[str | None, str | None]]:
    return [(p.file, p.path) for p in exc.value.problems]


# --- input forms --------------------------------------------------------------------------------


def test_every_input_form_gives_the_same_assessment(engine: Engine) -> None:
    text = DESK.read_text(encoding="utf-8")
    data = json.loads(text)
    expected = engine.load_assessment(data)
    forms: list[Any] = [
        text,
        "\n  " + text,  # leading white space: still JSON text
        text.encode(),
        bytearray(text.encode()),
        DESK,
        str(DESK),  # a str that does not start with { or [ is a path, as before
        types.MappingProxyType(data),  # any mapping, not only a dict
    ]
    for form in forms:
        got = engine.load_assessment(form)
        assert attrs_without_source(got) == attrs_without_source(expected), type(form)
    assert engine.load_assessment(DESK).source == "desk-worker.json"
    assert engine.load_assessment(text).source is None


def attrs_without_source(assessment: Any) -> Any:
    import attrs

    return attrs.evolve(assessment, source=None)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ([1, 2], "must be an object, not a list"),
        (3, "must be an object, not a number"),
        (None, "must be an object, not null"),
        ("[]", "must be an object, not a list"),
        (b"[1]", "must be an object, not a list"),
        ('  ["x"]', "must be an object, not a list"),
    ],
)
def test_a_top_level_value_that_is_not_an_object_is_an_assessment_error(
    engine: Engine, source: Any, message: str
) -> None:
    with pytest.raises(AssessmentError) as info:
        engine.load_assessment(source)
    assert problems(info) == [(None, "$")]
    assert info.value.problems[0].message == message


@pytest.mark.parametrize("source", [[1], 3, None, "[]", b"[]", "\t[1]"])
def test_a_plan_that_is_not_an_object_is_an_assessment_error(engine: Engine, source: Any) -> None:
    with pytest.raises(AssessmentError) as info:
        engine.load_plan(source)
    assert problems(info) == [(None, "$")]
    assert info.value.problems[0].message.startswith("must be an object")


def test_text_and_bytes_give_the_same_located_errors_as_a_file(
    engine: Engine, tmp_path: Path
) -> None:
    bad = {"patient": {"id": "p-1", "age": 34}, "findings": [{"code": "glute_weaknes"}]}
    text = json.dumps(bad)
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    seen = []
    for form in (bad, text, text.encode(), path, str(path)):
        with pytest.raises(AssessmentError) as info:
            engine.load_assessment(form)
        seen.append([(p.path, p.message, p.suggestion) for p in info.value.problems])
        files = {p.file for p in info.value.problems}
        assert files == ({"bad.json"} if isinstance(form, Path | str) and form != text else {None})
    assert all(s == seen[0] for s in seen)
    assert seen[0] == [("findings[0].code", "unknown finding 'glute_weaknes'", "glute_weakness")]


def test_malformed_text_and_bytes_are_located_at_the_root(engine: Engine) -> None:
    for form in ('{"patient": ', b'{"patient": ', b"\xff{}"):
        with pytest.raises(AssessmentError) as info:
            engine.load_assessment(form)
        assert problems(info) == [(None, "$")]


def test_a_path_with_a_nul_byte_is_an_assessment_error(engine: Engine) -> None:
    with pytest.raises(AssessmentError) as info:
        engine.load_assessment("bad\0name.json")
    assert problems(info) == [("bad\0name.json", "$")]


def test_plans_and_followups_load_from_every_form(engine: Engine) -> None:
    first = engine.evaluate(engine.load_assessment(DESK))
    stored = dumps(first)
    followup_text = FOLLOWUP.read_text(encoding="utf-8")
    expected = dumps(engine.reassess(first, FOLLOWUP))
    for plan_form in (stored, stored.encode(), plan_to_dict(first), first.to_json()):
        assert engine.load_plan(plan_form) == first
        for followup_form in (followup_text, followup_text.encode(), json.loads(followup_text)):
            assert dumps(engine.reassess(plan_form, followup_form)) == expected


def test_a_changed_plan_given_as_text_is_refused_without_a_file_name(engine: Engine) -> None:
    data = plan_to_dict(engine.evaluate(engine.load_assessment(DESK)))
    data["current_stage"] = "strengthen"
    with pytest.raises(AssessmentError) as info:
        engine.load_plan(json.dumps(data))
    assert problems(info) == [(None, "provenance.content_sha256")]


# --- plain-data forms ---------------------------------------------------------------------------


def test_plan_to_json_indented_is_the_file_and_compact_is_the_same_data(engine: Engine) -> None:
    for path in sorted((ROOT / "examples" / "assessments").glob("*.json")):
        plan = engine.evaluate(engine.load_assessment(path))
        assert plan.to_json(indent=2) == dumps(plan) == engine.render(plan, "json")
        compact = plan.to_json()
        assert compact == json.dumps(plan_to_dict(plan), ensure_ascii=False, separators=(",", ":"))
        assert "\n" not in compact  # a JSON string never holds a raw line break
        assert json.loads(compact) == plan.to_dict() == plan_to_dict(plan)
        assert (
            plan.to_json(indent=4)
            == json.dumps(plan.to_dict(), ensure_ascii=False, indent=4) + "\n"
        )


def test_classifications_are_available_as_plain_data(engine: Engine) -> None:
    assessment = engine.load_assessment(DESK)
    plan = engine.evaluate(assessment)
    plain = plan.classifications_dict()
    assert plain and plain == plan.to_dict()["classifications"]
    assert json.loads(json.dumps(plain)) == plain  # JSON-ready: no read-only mappings left
    assert type(plain) is dict and all(type(v) is dict for v in plain.values())
    for c in engine.classifications(assessment):
        d = c.to_dict()
        assert json.loads(json.dumps(d)) == d
        assert set(d) == {"values", "inputs", "criteria_met", "missing"}


def test_a_problem_is_plain_data() -> None:
    p = Problem(message="unknown", file="a.json", path="x", rule_id="r", suggestion="y")
    assert p.to_dict() == {
        "file": "a.json",
        "path": "x",
        "rule": "r",
        "message": "unknown",
        "suggestion": "y",
    }


# --- environment --------------------------------------------------------------------------------

ENV = {"CAREENGINE_DISABLE_PLUGINS": "careengine_plugins.packs", "CAREENGINE_PLUGINS": ""}


def test_from_env_reads_the_environment_the_command_line_reads() -> None:
    with Engine.from_env(ENV, backend="python") as configured:
        assert "careengine_plugins.packs" not in configured.plugins
        via_env = configured.render(configured.evaluate(configured.load_assessment(DESK)))
    with Engine.from_env({}, backend="python") as plain:
        assert "careengine_plugins.packs" in plain.plugins
        default = plain.render(plain.evaluate(plain.load_assessment(DESK)))
    assert via_env != default  # the setting matters, so the comparison below means something
    result = CliRunner().invoke(cli, ["evaluate", "--backend", "python", str(DESK)], env=ENV)
    assert result.exit_code == 0, result.output
    assert result.output == via_env  # byte for byte


def test_from_env_overrides_win_over_the_environment() -> None:
    with Engine.from_env(ENV, backend="python", block=()) as engine:
        assert "careengine_plugins.packs" in engine.plugins
    with Engine.from_env({"CAREENGINE_PLUGINS": "no-such-plugin"}, backend="python") as engine:
        assert engine.host is not None  # built-ins are not restricted by the allow-list
        assert all(info.builtin for info in engine.plugins.values())
