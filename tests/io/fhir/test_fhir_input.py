"""``evaluate --input-format fhir``: assessments read from a FHIR R4 Bundle, and the round trip
assessment -> Bundle (careengine.render.fhir.assessment_bundle) -> assessment."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careengine import AssessmentError, Engine
from careengine.cli import cli
from careengine.fhir import assessment_bundle, load_bundle, read_bundle
from careengine.io.assessment_format import AXSPA_FEATURES, STARTBACK_BOTHERSOMENESS
from careengine.io.fhir import codes as c
from careengine.io.schema_check import SchemaChecker
from careengine.model import TermKind
from careengine.render.serialize import dumps
from tests import fhir_checks

EXAMPLES = sorted(Path("examples/assessments").glob("*.json"))
ENGINE = Engine(entry_points=False)
CATALOG = ENGINE.catalog


def to_fhir(data: dict[str, Any], *, followup: bool = False) -> dict[str, Any]:
    """The FHIR form of assessment JSON data, as it would come out of a file."""
    assessment = ENGINE.load_assessment(data, followup=followup, allow_unknown=True)
    return json.loads(json.dumps(assessment_bundle(assessment, CATALOG)))


def example(name: str) -> dict[str, Any]:
    return json.loads(Path(f"examples/assessments/{name}.json").read_text())


def entry(bundle: dict[str, Any], test: Any) -> tuple[int, dict[str, Any]]:
    return next((i, e["resource"]) for i, e in enumerate(bundle["entry"]) if test(e["resource"]))


def has_code(system: str, code: str) -> Any:
    def test(resource: dict[str, Any]) -> bool:
        return any(
            x.get("system") == system and x.get("code") == code
            for x in resource.get("code", {}).get("coding", [])
        )

    return test


def problems(bundle: dict[str, Any], **options: Any) -> list[tuple[str | None, str]]:
    with pytest.raises(AssessmentError) as caught:
        read_bundle(bundle, CATALOG, file="b.json", **options)
    return [(p.path, p.message) for p in caught.value.problems]


def read(bundle: dict[str, Any], **options: Any) -> Any:
    return read_bundle(bundle, CATALOG, file="b.json", **options)


# --- the round trip --------------------------------------------------------------------------


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_each_example_as_fhir_gives_the_same_assessment_and_a_byte_identical_plan(
    path: Path, tmp_path: Path
) -> None:
    original = ENGINE.load_assessment(path)
    bundle = json.loads(json.dumps(assessment_bundle(original, CATALOG)))
    fhir_checks.parse(bundle)
    assert fhir_checks.problems(bundle) == []
    file = tmp_path / path.name
    file.write_text(json.dumps(bundle, indent=2))
    again = load_bundle(file, CATALOG)
    assert again == original
    assert dumps(ENGINE.evaluate(again)) == dumps(ENGINE.evaluate(original))


def test_the_cli_gives_the_same_plan_from_fhir_as_from_json(tmp_path: Path) -> None:
    path = Path("examples/assessments/high-risk-fear-avoidance.json")
    bundle = tmp_path / "fear.fhir.json"
    bundle.write_text(json.dumps(to_fhir(json.loads(path.read_text()))))
    runner = CliRunner()
    from_json = runner.invoke(cli, ["evaluate", str(path)])
    from_fhir = runner.invoke(cli, ["evaluate", str(bundle), "--input-format", "fhir"])
    assert from_json.exit_code == from_fhir.exit_code == 0, from_fhir.output
    assert from_fhir.output == from_json.output
    as_json = runner.invoke(cli, ["evaluate", str(bundle)])
    assert as_json.exit_code == 2  # a Bundle is not assessment JSON


def test_the_cli_reads_every_bundle_with_the_engines_compiled_schemas(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[SchemaChecker] = []
    real_init = SchemaChecker.__init__

    def counting_init(self: SchemaChecker, catalog: Any) -> None:
        built.append(self)
        real_init(self, catalog)

    monkeypatch.setattr(SchemaChecker, "__init__", counting_init)
    files = []
    for name in ("desk-worker", "high-risk-fear-avoidance"):
        file = tmp_path / f"{name}.fhir.json"
        file.write_text(json.dumps(to_fhir(example(name))))
        files.append(str(file))
    result = CliRunner().invoke(cli, ["evaluate", *files, "--input-format", "fhir"])
    assert result.exit_code == 0, result.output
    assert len(built) == 1  # the engine's, not one more per bundle


def _finding(draw: st.DrawFn) -> dict[str, Any]:
    code = draw(st.sampled_from(CATALOG.codes(TermKind.FINDING)))
    term = CATALOG.term(TermKind.FINDING, code)
    out: dict[str, Any] = {"code": code}
    optional = {
        "side": st.sampled_from(["left", "right", "bilateral"]),
        "severity": st.sampled_from(["mild", "moderate", "severe"]),
        "present": st.booleans(),
        "direction": st.sampled_from(["extension", "flexion", "lateral"]),
    }
    if term is not None and term.unit:
        optional["value"] = st.one_of(st.integers(0, 180), st.floats(0, 180))
        optional["unit"] = st.just(term.unit)
    for key, strategy in optional.items():
        if draw(st.booleans()):
            out[key] = draw(strategy)
    return out


def _consistent(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The findings without entries that could contradict an earlier one (the loader refuses
    those): a code is repeated only on the other side (left / right)."""
    kept: list[dict[str, Any]] = []
    for finding in findings:
        same = [k for k in kept if k["code"] == finding["code"]]
        sides = {finding.get("side"), *(k.get("side") for k in same)}
        if not same or (len(same) == 1 and sides == {"left", "right"}):
            kept.append(finding)
    return kept


@st.composite
def assessments(draw: st.DrawFn) -> dict[str, Any]:
    """Valid assessment JSON using every field of docs/design.md section 6.1."""
    patient: dict[str, Any] = {
        "id": draw(st.text("abcXYZ019-_ ./é", min_size=1, max_size=12).filter(str.strip)),
        "conditions": draw(
            st.lists(st.sampled_from(CATALOG.codes(TermKind.CONDITION)), unique=True, max_size=3)
        ),
        "declines": draw(st.lists(st.sampled_from(sorted(CATALOG.interventions)), max_size=2)),
    }
    maybe = st.booleans()
    if draw(maybe):
        patient["age"] = draw(st.integers(0, 120))
    if draw(maybe):
        patient["sex"] = draw(st.sampled_from(["female", "male", "other", "unknown"]))
    data: dict[str, Any] = {"patient": patient}
    if draw(maybe):
        data["assessed_on"] = draw(st.dates()).isoformat()
    episode = {
        "duration_days": st.integers(0, 36500),
        "leg_symptoms": st.sampled_from(["none", "above_knee", "below_knee"]),
        "onset_age": st.integers(0, 120),
    }
    data["episode"] = {k: draw(s) for k, s in episode.items() if draw(maybe)}
    data["pain"] = {
        k: draw(st.integers(0, 10)) for k in ("current", "worst", "best") if draw(maybe)
    }
    data["findings"] = _consistent([_finding(draw) for _ in range(draw(st.integers(0, 6)))])
    data["red_flags"] = draw(
        st.lists(st.sampled_from(CATALOG.codes(TermKind.RED_FLAG)), unique=True, max_size=3)
    )
    q: dict[str, Any] = {}
    if draw(maybe):
        q["startback"] = {
            "agree": draw(st.lists(st.integers(1, 8), unique=True)),
            "bothersomeness": draw(st.sampled_from(STARTBACK_BOTHERSOMENESS)),
        }
    if draw(maybe):
        sections = draw(st.lists(st.integers(0, 5), min_size=10, max_size=10))
        for index in draw(st.lists(st.integers(0, 9), unique=True, max_size=2)):
            sections[index] = None  # type: ignore[call-overload]
        q["odi"] = {"sections": sections}
    if draw(maybe):
        q["fabq"] = {"answers": draw(st.lists(st.integers(0, 6), min_size=16, max_size=16))}
    if draw(maybe):
        q["axspa_features"] = draw(st.lists(st.sampled_from(AXSPA_FEATURES), unique=True))
    if draw(maybe):
        q["hla_b27"] = draw(st.sampled_from(["positive", "negative"]))
    data["questionnaires"] = q
    measures = CATALOG.codes(TermKind.MEASURE)
    data["measures"] = {
        k: draw(st.one_of(st.integers(0, 100), st.floats(0, 100))) for k in measures if draw(maybe)
    }
    return data


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=assessments())
def test_any_assessment_survives_the_round_trip_through_fhir(data: dict[str, Any]) -> None:
    original = ENGINE.load_assessment(data)
    bundle = json.loads(json.dumps(assessment_bundle(original, CATALOG)))
    assert read(bundle) == original
    fhir_checks.parse(bundle)
    assert fhir_checks.problems(bundle) == []


def test_a_follow_up_response_survives_the_round_trip() -> None:
    data = example("desk-worker") | {
        "response": {"exercise_pain_max": 4, "settled_within_24h": True, "adherence_percent": 75}
    }
    original = ENGINE.load_assessment(data, followup=True)
    bundle = to_fhir(data, followup=True)
    assert read(bundle, followup=True) == original
    index, _ = entry(bundle, has_code(c.FIELD, "response.exercise_pain_max"))
    assert problems(bundle) == [
        (f"entry[{index}].resource", "only a follow-up assessment may carry a response block")
    ]


def test_unknown_finding_codes_round_trip_as_unrecognized() -> None:
    data = example("desk-worker")
    data["findings"].append({"code": "glute_weaknes"})
    bundle = to_fhir(data)
    assert read(bundle, allow_unknown=True).unrecognized == ("glute_weaknes",)
    ((path, message),) = problems(bundle)
    index, _ = entry(bundle, has_code(c.FINDING, "glute_weaknes"))
    assert path == f"entry[{index}].resource.code"
    assert message == "unknown finding 'glute_weaknes'"


# --- what maps onto what -----------------------------------------------------------------------


def minimal(*resources: dict[str, Any]) -> dict[str, Any]:
    patient = {
        "resourceType": "Patient",
        "id": "pat1",
        "identifier": [{"system": c.PATIENT_ID, "value": "p-1"}],
    }
    entries = [{"fullUrl": "urn:uuid:0d6a1b7e-0000-4000-8000-000000000001", "resource": patient}]
    entries += [{"resource": r} for r in resources]
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


SUBJECT = {"reference": "urn:uuid:0d6a1b7e-0000-4000-8000-000000000001"}


def observation(*codings: tuple[str, str], **fields: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": s, "code": k} for s, k in codings]},
        "subject": SUBJECT,
    } | fields


def test_standard_loinc_pain_and_age_map_without_careengine_codes() -> None:
    bundle = minimal(
        observation((c.LOINC, "72514-3"), valueInteger=6, effectiveDateTime="2026-11-20T09:30:00Z"),
        observation(
            (c.LOINC, "30525-0"), valueQuantity={"value": 44, "system": c.UCUM, "code": "a"}
        ),
    )
    assessment = read(bundle)
    assert assessment.pain.current == 6
    assert assessment.patient.age == 44
    assert assessment.assessed_on == "2026-11-20"


def test_age_comes_from_the_birth_date_on_the_assessment_date() -> None:
    bundle = minimal(
        observation((c.LOINC, "72514-3"), valueInteger=3, effectiveDateTime="2026-11-20")
    )
    bundle["entry"][0]["resource"]["birthDate"] = "1980-11-21"
    assert read(bundle).patient.age == 45
    bundle["entry"][0]["resource"]["birthDate"] = "1980"
    ((path, message),) = problems(bundle)
    assert path == "entry[0].resource.birthDate" and "full birth date" in message
    bundle["entry"][0]["resource"]["birthDate"] = "1980-11-20"
    bundle["entry"].append(
        {"resource": observation((c.LOINC, "30525-0"), valueQuantity={"value": 40, "code": "a"})}
    )
    ((path, message),) = problems(bundle)
    assert "gives age 46, which contradicts entry[2].resource.valueQuantity.value" in message


def test_negative_and_absent_answers() -> None:
    bundle = minimal(
        observation((c.RED_FLAG, "fever"), valueBoolean=False),
        observation((c.RED_FLAG, "night_pain")),
        observation((c.FINDING, "glute_weakness"), valueBoolean=False),
        observation(
            (c.FINDING, "hip_internal_rotation"),
            valueQuantity={"value": 20, "code": "deg"},
            interpretation=[{"coding": [{"system": c.INTERPRETATION, "code": "NEG"}]}],
        ),
        observation((c.FINDING, "fear_avoidance"), dataAbsentReason={"text": "not asked"}),
        observation((c.FINDING, "lateral_shift"), status="entered-in-error"),
        {
            "resourceType": "Condition",
            "clinicalStatus": {"coding": [{"system": c.CONDITION_CLINICAL, "code": "resolved"}]},
            "code": {"coding": [{"system": c.CONDITION, "code": "pregnancy"}]},
            "subject": SUBJECT,
        },
        {
            "resourceType": "Condition",
            "code": {"coding": [{"system": c.CONDITION, "code": "osteoporosis"}]},
            "subject": SUBJECT,
        },
    )
    assessment = read(bundle)
    assert assessment.red_flags == ("night_pain",)
    assert [(f.code, f.present, f.value) for f in assessment.findings] == [
        ("glute_weakness", False, None),
        ("hip_internal_rotation", False, 20),
    ]
    assert assessment.patient.conditions == ("osteoporosis",)


def test_a_decline_is_a_do_not_perform_request() -> None:
    request = {
        "resourceType": "ServiceRequest",
        "status": "active",
        "intent": "directive",
        "doNotPerform": True,
        "code": {"coding": [{"system": c.INTERVENTION, "code": "dry_needling_referral"}]},
        "subject": SUBJECT,
    }
    assert read(minimal(request)).patient.declines == ("dry_needling_referral",)
    order = dict(request, doNotPerform=False)
    ((path, message),) = problems(minimal(order))
    assert path == "entry[1].resource" and message.startswith("cannot map ServiceRequest")


# --- what is reported ----------------------------------------------------------------------------


def test_unmappable_resources_are_errors_or_with_allow_unknown_listed_in_the_plan() -> None:
    bundle = to_fhir(example("desk-worker"))
    patient_ref = bundle["entry"][0]["fullUrl"]
    bundle["entry"] += [
        {"resource": {"resourceType": "Practitioner", "id": "pr1"}},
        {
            "resource": {
                "resourceType": "Condition",
                "code": {
                    "coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M54.50"}]
                },
                "subject": {"reference": patient_ref},
            }
        },
        {"resource": observation((c.LOINC, "8867-4"), subject={"reference": patient_ref})},
    ]
    n = len(bundle["entry"])
    assert problems(bundle) == [
        (
            f"entry[{n - 3}].resource",
            "cannot map Practitioner onto the assessment (see docs/fhir.md)",
        ),
        (
            f"entry[{n - 2}].resource",
            "cannot map Condition with code http://hl7.org/fhir/sid/icd-10-cm|M54.50 onto the "
            "assessment (see docs/fhir.md)",
        ),
        (
            f"entry[{n - 1}].resource",
            "cannot map Observation with code http://loinc.org|8867-4 onto the assessment "
            "(see docs/fhir.md)",
        ),
    ]
    assessment = read(bundle, allow_unknown=True)
    plan = ENGINE.evaluate(assessment)
    assert plan.unrecognized == (
        f"entry[{n - 3}].resource: Practitioner",
        f"entry[{n - 2}].resource: Condition with code http://hl7.org/fhir/sid/icd-10-cm|M54.50",
        f"entry[{n - 1}].resource: Observation with code http://loinc.org|8867-4",
    )
    same = ENGINE.evaluate(ENGINE.load_assessment(example("desk-worker")))
    assert plan.stages == same.stages


def test_invalid_values_are_reported_at_their_fhir_path() -> None:
    bundle = to_fhir(example("high-risk-fear-avoidance"))
    i, pain = entry(bundle, has_code(c.FIELD, "pain.current"))
    pain["valueInteger"] = 11
    j, qr = entry(bundle, lambda r: r.get("questionnaire") == c.QUESTIONNAIRES["odi"])
    qr["item"][2]["answer"] = [{"valueInteger": 9}]
    k, finding = entry(bundle, has_code(c.FINDING, "fear_avoidance"))
    finding["code"]["coding"][0]["code"] = "fear_avoidanse"
    assert problems(bundle) == [
        (f"entry[{i}].resource.valueInteger", "11 is out of range (0 to 10)"),
        (f"entry[{k}].resource.code", "unknown finding 'fear_avoidanse'"),
        (f"entry[{j}].resource.item[2]", "9 is out of range (0 to 5)"),
    ]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda b: b.update(resourceType="Patient"), ("$", "is not a FHIR Bundle")),
        (lambda b: b["entry"].pop(0), ("entry", "needs exactly one Patient resource, not 0")),
        (
            lambda b: b["entry"][2]["resource"]["subject"].update(reference="Patient/other"),
            ("entry[2].resource.subject", "must refer to the bundle's Patient"),
        ),
        (
            lambda b: b["entry"][2]["resource"].update(effectiveDateTime="2026-11-21"),
            ("entry", "the assessment dates disagree"),
        ),
        (
            lambda b: b["entry"].append(copy.deepcopy(b["entry"][2])),
            ("entry[", "is given twice (also at entry[2].resource.valueQuantity.value)"),
        ),
        (
            lambda b: b["entry"][2]["resource"].update(
                modifierExtension=[{"url": "x", "valueBoolean": True}]
            ),
            ("entry[2].resource.modifierExtension", "cannot interpret modifier extensions"),
        ),
        (
            lambda b: b["entry"][2]["resource"].update(status="registered"),
            ("entry[2].resource.status", "has no usable result"),
        ),
        (
            lambda b: b["entry"][-1]["resource"].update(status="in-progress"),
            ("entry[", "only a completed response is used"),
        ),
        (
            lambda b: b["entry"][2]["resource"]["valueQuantity"].update(code="mo"),
            ("entry[2].resource.valueQuantity", "unit must be UCUM 'a', not 'mo'"),
        ),
    ],
)
def test_bundle_problems(change: Any, expected: tuple[str, str]) -> None:
    data = example("high-risk-fear-avoidance")
    data["patient"]["age"] = 47
    bundle = to_fhir(data)
    assert bundle["entry"][2]["resource"]["code"]["coding"][0]["code"] == "30525-0"
    change(bundle)
    found = problems(bundle)
    assert any(p.startswith(expected[0]) and expected[1] in m for p, m in found), found


def test_cli_reports_fhir_problems_with_exit_2(tmp_path: Path) -> None:
    bundle = to_fhir(example("desk-worker"))
    bundle["entry"].append({"resource": {"resourceType": "Practitioner"}})
    file = tmp_path / "p.json"
    file.write_text(json.dumps(bundle))
    runner = CliRunner()
    result = runner.invoke(cli, ["evaluate", str(file), "--input-format", "fhir"])
    assert result.exit_code == 2
    n = len(bundle["entry"]) - 1
    assert f"error: p.json: entry[{n}].resource: cannot map Practitioner" in result.output
    allowed = runner.invoke(
        cli, ["evaluate", str(file), "--input-format", "fhir", "--allow-unknown"]
    )
    assert allowed.exit_code == 0
    assert json.loads(allowed.output)["unrecognized"] == [f"entry[{n}].resource: Practitioner"]
    missing = runner.invoke(
        cli, ["evaluate", str(tmp_path / "nope.json"), "--input-format", "fhir"]
    )
    assert missing.exit_code == 2 and "cannot read" in missing.output


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 200) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def damaged_bundles(draw: st.DrawFn) -> dict[str, Any]:
    """A valid bundle with random values planted at random places."""
    bundle = to_fhir(example(draw(st.sampled_from([p.stem for p in EXAMPLES]))))
    for _ in range(draw(st.integers(1, 4))):
        node: Any = bundle
        while True:
            keys = list(node) if isinstance(node, dict) else list(range(len(node)))
            if not keys:
                break
            key = draw(st.sampled_from(keys))
            child = node[key]
            if not isinstance(child, dict | list) or draw(st.integers(0, 3)) == 0:
                node[key] = draw(JSON)
                break
            node = child
    return bundle


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bundle=damaged_bundles())
def test_a_damaged_bundle_is_read_or_refused_with_problems_never_a_crash(
    bundle: dict[str, Any],
) -> None:
    try:
        read(bundle)
    except AssessmentError as exc:
        assert exc.problems
        assert all(p.path and p.file == "b.json" for p in exc.problems)


def test_docs_name_every_mapped_field_code_system_and_extension() -> None:
    from careengine.io.fhir.assessment import FIELD_KINDS

    text = Path("docs/fhir.md").read_text()
    for field in FIELD_KINDS:
        head, _, leaf = field.rpartition(".")
        assert field in text or f"{head}.*" in text or f"#{leaf}" in text, field
    base = "https://careengine.dev/fhir/CodeSystem/"
    systems = [v for k, v in vars(c).items() if isinstance(v, str) and v.startswith(base)]
    for system in systems:
        assert f"`ce:{system[len(base) :]}" in text, system
    for name in ("dosage", "because", "alert-level", "current-stage", "progressed-from"):
        assert f"`{name}`" in text
    for key, url in c.QUESTIONNAIRES.items():
        assert url.rpartition("/")[2] in text, key


# --- hostile input (issue 13): every coding read, obs-6, conflicting values ----------------------


def condition(*codings: tuple[str, str]) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "code": {"coding": [{"system": s, "code": k} for s, k in codings]},
        "subject": SUBJECT,
    }


ICD = "http://hl7.org/fhir/sid/icd-10-cm"


def test_every_coding_of_a_resource_is_read() -> None:
    bundle = minimal(
        condition((ICD, "M81.0"), (c.SNOMED, "64859006"), (c.CONDITION, "osteoporosis")),
        observation((ICD, "R29.898"), (c.FINDING, "glute_weakness"), valueBoolean=True),
        observation((c.SNOMED, "22253000"), (c.LOINC, "72514-3"), valueInteger=4),
    )
    assessment = read(bundle)
    assert assessment.patient.conditions == ("osteoporosis",)
    assert [f.code for f in assessment.findings] == ["glute_weakness"]
    assert assessment.pain.current == 4


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        (
            condition((c.CONDITION, "osteoporosis"), (c.CONDITION, "pregnancy")),
            (
                "entry[1].resource",
                f"has 2 different codes from {c.CONDITION} (osteoporosis, pregnancy); "
                "careengine cannot tell which one is meant",
            ),
        ),
        (
            observation((c.FINDING, "glute_weakness"), (c.FINDING, "lateral_shift")),
            ("entry[1].resource", f"has 2 different codes from {c.FINDING}"),
        ),
        (
            observation((c.LOINC, "72514-3"), (c.LOINC, "30525-0"), valueInteger=4),
            ("entry[1].resource.code", "has codings that name different things"),
        ),
        (
            observation((c.FIELD, "pain.worst"), (c.LOINC, "30525-0"), valueInteger=4),
            ("entry[1].resource.code", "has codings that name different things"),
        ),
        (
            observation(
                (c.FINDING, "glute_weakness"),
                bodySite={
                    "coding": [
                        {"system": c.SIDE, "code": "left"},
                        {"system": c.SIDE, "code": "right"},
                    ]
                },
            ),
            ("entry[1].resource", f"has 2 different codes from {c.SIDE} (left, right)"),
        ),
    ],
    ids=["two-conditions", "two-findings", "pain-and-age", "field-and-age", "two-sides"],
)
def test_codings_that_disagree_are_reported(
    resource: dict[str, Any], expected: tuple[str, str]
) -> None:
    ((path, message),) = problems(minimal(resource))
    assert path == expected[0] and message.startswith(expected[1]), (path, message)


def test_the_same_code_twice_and_a_pain_field_with_its_loinc_code_are_fine() -> None:
    bundle = minimal(
        condition((c.CONDITION, "osteoporosis"), (c.CONDITION, "osteoporosis")),
        observation((c.FIELD, "pain.worst"), (c.LOINC, "72514-3"), valueInteger=7),
    )
    assessment = read(bundle)
    assert (assessment.patient.conditions, assessment.pain.worst) == (("osteoporosis",), 7)


def test_an_observation_with_a_value_and_a_data_absent_reason_is_refused() -> None:
    absent = {"coding": [{"system": "http://x", "code": "not-asked"}]}
    bundle = minimal(
        observation((c.LOINC, "72514-3"), valueInteger=9, dataAbsentReason=absent),
        observation((c.RED_FLAG, "fever"), valueBoolean=True, dataAbsentReason=absent),
        observation((c.FINDING, "lateral_shift"), dataAbsentReason=absent),  # passed over
    )
    assert problems(bundle) == [
        (
            f"entry[{i}].resource.dataAbsentReason",
            "violates FHIR invariant obs-6: an Observation with a value must not carry a "
            "dataAbsentReason (careengine cannot tell whether the value holds)",
        )
        for i in (1, 2)
    ]
    component = {
        "code": {"coding": [{"system": c.FIELD, "code": "findings.severity"}]},
        "valueCodeableConcept": {"coding": [{"system": c.SEVERITY, "code": "mild"}]},
        "dataAbsentReason": absent,
    }
    ((path, message),) = problems(
        minimal(observation((c.FINDING, "glute_weakness"), component=[component]))
    )
    assert path == "entry[1].resource.component[0].dataAbsentReason" and "obs-6" in message


def test_conflicting_values_are_reported_not_resolved_by_order() -> None:
    pain = observation((c.LOINC, "72514-3"), valueInteger=3)
    other = observation((c.LOINC, "72514-3"), valueInteger=8)
    assert problems(minimal(pain, other)) == [
        (
            "entry[2].resource.valueInteger",
            "pain.current is given twice (also at entry[1].resource.valueInteger)",
        )
    ]
    age = observation((c.LOINC, "30525-0"), valueQuantity={"value": 40, "code": "a"})
    older = observation((c.FIELD, "patient.age"), valueQuantity={"value": 70, "code": "a"})
    ((path, message),) = problems(minimal(age, older))
    assert (
        path == "entry[2].resource.valueQuantity.value" and "patient.age is given twice" in message
    )

    flag = observation((c.RED_FLAG, "fever"))
    negative = observation((c.RED_FLAG, "fever"), valueBoolean=False)
    assert problems(minimal(flag, negative)) == [
        (
            "entry[2].resource.code",
            "red flag 'fever' is recorded screened negative here but present at "
            "entry[1].resource.code",
        )
    ]
    assert read(minimal(flag, copy.deepcopy(flag))).red_flags == ("fever",)

    bundle = minimal()
    bundle["entry"][0]["resource"]["identifier"].append({"system": c.PATIENT_ID, "value": "p-2"})
    assert problems(bundle) == [
        (
            "entry[0].resource.identifier[1].value",
            "gives a second patient id, which contradicts entry[0].resource.identifier[0].value",
        )
    ]


def test_contradictory_finding_observations_are_named_by_their_resources() -> None:
    def finding(present: bool, severity: str | None = None) -> dict[str, Any]:
        fields: dict[str, Any] = {"valueBoolean": present}
        if severity:
            fields["component"] = [
                {
                    "code": {"coding": [{"system": c.FIELD, "code": "findings.severity"}]},
                    "valueCodeableConcept": {"coding": [{"system": c.SEVERITY, "code": severity}]},
                }
            ]
        return observation((c.FINDING, "glute_weakness"), **fields)

    assert problems(minimal(finding(True), finding(False))) == [
        (
            "entry[2].resource",
            "glute_weakness (no side given) is recorded absent here but present in "
            "entry[1].resource (no side given)",
        )
    ]
    assert problems(minimal(finding(True, "mild"), finding(True, "severe"))) == [
        (
            "entry[2].resource.component[0]",
            "glute_weakness (no side given) has severity 'severe' here but 'mild' in "
            "entry[1].resource (no side given)",
        )
    ]
