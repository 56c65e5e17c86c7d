"""careengine/service/prefetch.py: a CDS Hooks request's envelope and prefetch to an assessment.

The 412 cases (a key absent, an OperationOutcome in its place, a null Patient, a paged search)
raise PrefetchMissing naming the keys; the 400 cases raise AssessmentError whose problems are
JSON paths into the request body, down to ``prefetch.observations.entry[2].resource.code``.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from careengine import Engine
from careengine.errors import AssessmentError, Problem
from careengine.service.prefetch import (
    PREFETCH_TEMPLATES,
    SEARCH_TYPES,
    PrefetchMissing,
    assessment_from_request,
)
from tests.service.requests import EXAMPLES, ROOT, patient_view_request

DESK = ROOT / "examples" / "assessments" / "desk-worker.json"
OUTCOME = {
    "resourceType": "OperationOutcome",
    "issue": [{"severity": "error", "code": "exception", "diagnostics": "search failed"}],
}


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine()


def request() -> dict[str, Any]:
    return copy.deepcopy(patient_view_request(DESK))


def another_patients_conditions() -> dict[str, Any]:
    """A conditions search whose one Condition is about a patient other than the request's."""
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [
            {
                "resource": {
                    "resourceType": "Condition",
                    "subject": {"reference": "Patient/other"},
                    "code": {"coding": [{"system": "x", "code": "y"}]},
                }
            }
        ],
    }


def problems_of(body: Any, engine: Engine, **kwargs: Any) -> list[Problem]:
    with pytest.raises(AssessmentError) as caught:
        assessment_from_request(body, engine.catalog, **kwargs)
    assert not isinstance(caught.value, PrefetchMissing)
    return list(caught.value.problems)


def paths_of(body: Any, engine: Engine) -> list[str | None]:
    return [p.path for p in problems_of(body, engine)]


def test_templates_use_the_patient_token_and_cover_every_search() -> None:
    assert set(PREFETCH_TEMPLATES) == {"patient", *SEARCH_TYPES}
    assert PREFETCH_TEMPLATES["patient"] == "Patient/{{context.patientId}}"
    for key, kind in SEARCH_TYPES.items():
        assert PREFETCH_TEMPLATES[key].startswith(f"{kind}?patient={{{{context.patientId}}}}")


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_reads_back_to_the_same_plan(path: Path, engine: Engine) -> None:
    body = patient_view_request(path)
    from_request = engine.evaluate(assessment_from_request(body, engine.catalog))
    from_file = engine.evaluate(engine.load_assessment(path))
    assert from_request.to_json() == from_file.to_json()


def test_null_searches_mean_no_data(engine: Engine) -> None:
    body = request()
    body["prefetch"]["conditions"] = None
    body["prefetch"]["serviceRequests"] = None
    assessment = assessment_from_request(body, engine.catalog)
    assert assessment.patient.conditions == ()


@pytest.mark.parametrize("key", sorted(PREFETCH_TEMPLATES))
def test_an_absent_key_is_412_naming_it(key: str, engine: Engine) -> None:
    body = request()
    del body["prefetch"][key]
    with pytest.raises(PrefetchMissing) as caught:
        assessment_from_request(body, engine.catalog)
    assert caught.value.missing == (key,)
    assert caught.value.exit_code == 2
    assert [p.path for p in caught.value.problems] == [f"prefetch.{key}"]


@pytest.mark.parametrize("key", sorted(PREFETCH_TEMPLATES))
def test_an_operation_outcome_in_place_is_412(key: str, engine: Engine) -> None:
    body = request()
    body["prefetch"][key] = OUTCOME
    with pytest.raises(PrefetchMissing) as caught:
        assessment_from_request(body, engine.catalog)
    assert caught.value.missing == (key,)
    assert "OperationOutcome" in caught.value.problems[0].message


def test_no_prefetch_at_all_is_412_for_every_key(engine: Engine) -> None:
    body = request()
    del body["prefetch"]
    with pytest.raises(PrefetchMissing) as caught:
        assessment_from_request(body, engine.catalog)
    assert caught.value.missing == tuple(sorted(PREFETCH_TEMPLATES))


def test_a_null_patient_and_a_paged_search_are_412(engine: Engine) -> None:
    body = request()
    body["prefetch"]["patient"] = None
    body["prefetch"]["observations"]["link"] = [
        {"relation": "next", "url": "https://ehr.example.org/fhir/Observation?page=2"}
    ]
    with pytest.raises(PrefetchMissing) as caught:
        assessment_from_request(body, engine.catalog)
    assert caught.value.missing == ("observations", "patient")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda b: b.pop("hookInstance"), ["hookInstance"]),
        (lambda b: b.update(hookInstance="not-a-uuid"), ["hookInstance"]),
        (lambda b: b.update(hook=""), ["hook"]),
        (lambda b: b["context"].pop("patientId"), ["context.patientId"]),
        (lambda b: b["context"].pop("userId"), ["context.userId"]),
        (lambda b: b.update(context=[]), ["context"]),
        (lambda b: b.update(prefetch="yes"), ["prefetch"]),
        (lambda b: b.update(fhirServer=7), ["fhirServer"]),
        (lambda b: (b.pop("fhirServer"), b.update(fhirAuthorization={})), ["fhirServer"]),
    ],
)
def test_envelope_problems_are_400_at_their_path(
    change: Any, expected: list[str], engine: Engine
) -> None:
    body = request()
    change(body)
    assert paths_of(body, engine) == expected


def test_a_body_that_is_not_an_object_is_a_problem_at_the_root(engine: Engine) -> None:
    assert paths_of([1, 2], engine) == ["$"]


def test_every_envelope_problem_is_reported_at_once(engine: Engine) -> None:
    body = request()
    del body["hook"]
    del body["hookInstance"]
    body["context"] = {}
    assert paths_of(body, engine) == ["hook", "hookInstance", "context.patientId"]


def test_the_patient_must_be_the_context_patient(engine: Engine) -> None:
    body = request()
    body["context"]["patientId"] = "someone-else"
    problems = problems_of(body, engine)
    assert [p.path for p in problems] == ["prefetch.patient.id"]
    assert "someone-else" in problems[0].message


def test_a_bad_code_is_located_in_the_request_body(engine: Engine) -> None:
    body = request()
    observation = body["prefetch"]["observations"]["entry"][2]["resource"]
    (coding,) = observation["code"]["coding"]
    assert coding["code"] == "episode.leg_symptoms"
    coding["code"] = "episode.leg_symptom"
    (problem,) = problems_of(body, engine)
    assert problem.path == "prefetch.observations.entry[2].resource.code"
    assert problem.file is None
    assert "episode.leg_symptom" in problem.message


def test_an_unknown_finding_keeps_its_suggestion(engine: Engine) -> None:
    body = request()
    entries = body["prefetch"]["observations"]["entry"]
    index, coding = next(
        (i, c)
        for i, e in enumerate(entries)
        for c in e["resource"]["code"]["coding"]
        if c["code"] == "glute_weakness"
    )
    coding["code"] = "glute_weaknes"
    (problem,) = problems_of(body, engine)
    assert problem.path == f"prefetch.observations.entry[{index}].resource.code"
    assert problem.suggestion == "glute_weakness"


def test_problems_from_the_mapped_assessment_name_the_resource(engine: Engine) -> None:
    body = request()
    entries = body["prefetch"]["observations"]["entry"]
    pain = next(
        e["resource"]
        for e in entries
        if any(c.get("code") == "72514-3" for c in e["resource"]["code"]["coding"])
    )
    pain["valueInteger"] = 11
    (problem,) = problems_of(body, engine)
    index = next(i for i, e in enumerate(entries) if e["resource"] is pain)
    assert problem.path == f"prefetch.observations.entry[{index}].resource.valueInteger"


def missing_of(body: Any, engine: Engine) -> PrefetchMissing:
    with pytest.raises(PrefetchMissing) as caught:
        assessment_from_request(body, engine.catalog)
    return caught.value


def test_an_earlier_visit_in_the_record_is_a_412_naming_its_places(engine: Engine) -> None:
    # the template searches the whole record, and the client answers it as the spec says: an
    # earlier visit's observation comes along; which visit is meant cannot be known
    body = request()
    earlier = copy.deepcopy(body["prefetch"]["observations"]["entry"][1])
    earlier["resource"]["id"] = "earlier-visit"
    earlier["resource"]["effectiveDateTime"] = "2026-10-02"
    body["prefetch"]["observations"]["entry"].append(earlier)
    last = len(body["prefetch"]["observations"]["entry"]) - 1
    missing = missing_of(body, engine)
    assert missing.missing == ("observations",)
    (problem,) = missing.problems
    assert problem.path == "prefetch.observations"
    assert "more than one visit" in problem.message
    assert (
        f"prefetch.observations.entry[{last}].resource.effectiveDateTime = 2026-10-02"
        in problem.message
    )
    assert "entry[" not in problem.message.replace("prefetch.observations.entry[", "")


def test_dates_that_disagree_with_a_malformed_resource_stay_a_400(engine: Engine) -> None:
    body = request()
    body["prefetch"]["observations"]["entry"][1]["resource"]["effectiveDateTime"] = "2026-11-19"
    body["prefetch"]["conditions"] = another_patients_conditions()
    problems = problems_of(body, engine)
    assert len(problems) >= 2
    assert any("dates disagree" in p.message for p in problems)


def test_a_subject_that_is_not_the_patient_is_located(engine: Engine) -> None:
    body = request()
    body["prefetch"]["conditions"] = another_patients_conditions()
    assert paths_of(body, engine) == ["prefetch.conditions.entry[0].resource.subject"]


def test_a_search_holds_only_its_own_resource_type(engine: Engine) -> None:
    body = request()
    body["prefetch"]["conditions"] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": body["prefetch"]["patient"]}, {"fullUrl": "x"}],
    }
    assert paths_of(body, engine) == [
        "prefetch.conditions.entry[0].resource.resourceType",
        "prefetch.conditions.entry[1]",
    ]


def test_a_search_outcome_entry_is_passed_over(engine: Engine) -> None:
    body = request()
    body["prefetch"]["observations"]["entry"].append(
        {"resource": OUTCOME, "search": {"mode": "outcome"}}
    )
    # read as if the entry were not there: no problem raised, nothing added
    assert assessment_from_request(body, engine.catalog) == assessment_from_request(
        request(), engine.catalog
    )


def test_unmappable_resources_are_listed_at_their_request_path(engine: Engine) -> None:
    body = request()
    body["prefetch"]["conditions"] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [
            {
                "resource": {
                    "resourceType": "Condition",
                    "subject": {"reference": f"Patient/{body['context']['patientId']}"},
                    "code": {
                        "coding": [
                            {"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M54.50"}
                        ]
                    },
                }
            }
        ],
    }
    (problem,) = problems_of(body, engine)
    assert problem.path == "prefetch.conditions.entry[0].resource"
    assessment = assessment_from_request(body, engine.catalog, allow_unknown=True)
    assert [u.split(":")[0] for u in assessment.unrecognized] == [
        "prefetch.conditions.entry[0].resource"
    ]


def test_without_a_date_an_age_from_the_birth_date_is_a_located_problem(engine: Engine) -> None:
    body = request()
    observations = body["prefetch"]["observations"]["entry"]
    body["prefetch"]["observations"]["entry"] = observations[1:]  # no age Observation
    for entry in observations:
        entry["resource"].pop("effectiveDateTime", None)
    body["prefetch"]["patient"]["birthDate"] = "1990-01-01"
    (problem,) = problems_of(body, engine)
    assert problem.path == "prefetch.patient.birthDate"
    body["prefetch"]["patient"].pop("birthDate")
    body["prefetch"]["observations"]["entry"] = observations
    assert assessment_from_request(body, engine.catalog).assessed_on is None
