"""Read a stored plan (docs/design.md section 6.3) back for a reassessment, checking it first.

:func:`~careengine.render.serialize.plan_from_dict` builds the model; this module first walks the
JSON
and reports every structural problem with its JSON path (``plan.json: stages[1].items[0].dosage.
sets: must be a whole number or null``), then checks the plan against the loaded catalog: the
stages and interventions it names must exist, or the plan was made with another knowledge base.
Keys the contract does not name are allowed (a plan may carry extra keys).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date
from typing import Any

from careengine.errors import AssessmentError, Problem, suggest
from careengine.io.json_text import Source, input_data, source_file
from careengine.model import (
    DOSAGE_COUNTS,
    DOSAGE_FIELDS,
    AlertLevel,
    Decision,
    DosageSetting,
    InterventionKind,
    Plan,
    PlanStatus,
    Urgency,
    UsageKind,
)
from careengine.pipeline.safety import stored_plan_problems
from careengine.plugins.registry import Catalog
from careengine.render.indented_json import encode
from careengine.render.plan_json import content_digest
from careengine.render.serialize import PLAN_SCHEMA, plan_from_dict


class _Walker:
    def __init__(self, file: str | None) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def problem(self, path: str, message: str, suggestion: str | None = None) -> None:
        self.problems.append(
            Problem(file=self.file, path=path, message=message, suggestion=suggestion)
        )

    def obj(self, data: Any, path: str, required: bool = True) -> Mapping[str, Any] | None:
        if data is None and not required:
            return None
        if not isinstance(data, dict):
            self.problem(path, "must be an object" if data is not None else "is required")
            return None
        return data

    def items(self, data: Any, path: str) -> list[Any]:
        if data is None:
            return []
        if not isinstance(data, list):
            self.problem(path, "must be a list")
            return []
        return data

    def text(self, node: Mapping[str, Any], key: str, path: str, required: bool = True) -> None:
        value = node.get(key)
        if value is None and not required:
            return
        if not isinstance(value, str):
            self.problem(f"{path}{key}", "must be a string" if key in node else "is required")

    def choice(self, node: Mapping[str, Any], key: str, path: str, enum: Any) -> None:
        values = [e.value for e in enum]
        value = node.get(key)
        if value not in values:
            self.problem(
                f"{path}{key}",
                f"must be one of {', '.join(values)}" if key in node else "is required",
                suggest(value, values) if isinstance(value, str) else None,
            )

    def whole(self, node: Mapping[str, Any], key: str, path: str, lo: int, hi: int) -> None:
        value = node.get(key)
        if value is None:
            return
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            self.problem(f"{path}{key}", f"must be a whole number from {lo} to {hi}, or null")

    def strings(self, node: Mapping[str, Any], key: str, path: str) -> None:
        for i, value in enumerate(self.items(node.get(key), f"{path}{key}")):
            if not isinstance(value, str):
                self.problem(f"{path}{key}[{i}]", "must be a string")


def _check_item(w: _Walker, item: Any, path: str) -> None:
    node = w.obj(item, path)
    if node is None:
        return
    w.text(node, "intervention", f"{path}.")
    w.choice(node, "kind", f"{path}.", InterventionKind)
    w.text(node, "name", f"{path}.")
    w.text(node, "progressed_from", f"{path}.", required=False)
    w.text(node, "proposed_stage", f"{path}.", required=False)
    dosage = w.obj(node.get("dosage"), f"{path}.dosage")
    if dosage is not None:
        for key in dosage:
            if key not in DOSAGE_FIELDS:
                w.problem(
                    f"{path}.dosage.{key}", f"unknown key {key!r}", suggest(key, DOSAGE_FIELDS)
                )
        for key in DOSAGE_COUNTS:
            w.whole(dosage, key, f"{path}.dosage.", 0, 100_000)
        if dosage.get("setting") is not None:
            w.choice(dosage, "setting", f"{path}.dosage.", DosageSetting)
    if "priority" in node:
        w.whole(node, "priority", f"{path}.", -1_000_000, 1_000_000)
    w.strings(node, "addresses", f"{path}.")
    for i, precaution in enumerate(w.items(node.get("precautions"), f"{path}.precautions")):
        p = w.obj(precaution, f"{path}.precautions[{i}]")
        if p is not None:
            w.text(p, "text", f"{path}.precautions[{i}].")
            w.text(p, "source", f"{path}.precautions[{i}].")
    _check_because(w, node, f"{path}.")


def _check_because(w: _Walker, node: Mapping[str, Any], path: str) -> None:
    for i, because in enumerate(w.items(node.get("because"), f"{path}because")):
        b = w.obj(because, f"{path}because[{i}]")
        if b is not None:
            for key in ("rule", "pack", "pack_version", "plugin"):
                w.text(b, key, f"{path}because[{i}].")
            w.strings(b, "matched", f"{path}because[{i}].")
            w.text(b, "rationale", f"{path}because[{i}].", required=False)


def _check_progression(w: _Walker, data: Any, path: str) -> None:
    node = w.obj(data, path)
    if node is None:
        return
    w.text(node, "from_stage", f"{path}.")
    w.text(node, "to_stage", f"{path}.")
    w.choice(node, "decision", f"{path}.", Decision)
    w.strings(node, "reasons", f"{path}.")
    w.strings(node, "changes", f"{path}.")
    w.text(node, "assessed_on", f"{path}.", required=False)


def check_plan_data(data: Any, file: str | None = None) -> list[Problem]:
    """Every structural problem of plan JSON data, each with its JSON path."""
    w = _Walker(file)
    if data is None:
        w.problem("$", "must be an object, not null")
        return w.problems
    root = w.obj(data, "$")
    if root is None:
        return w.problems
    if root.get("schema") != PLAN_SCHEMA:
        w.problem("schema", f"must be {PLAN_SCHEMA!r}: not a careengine plan")
        return w.problems
    w.text(root, "patient_id", "")
    w.text(root, "assessed_on", "", required=False)
    if isinstance(root.get("assessed_on"), str):
        try:
            date.fromisoformat(root["assessed_on"])
        except ValueError:
            w.problem("assessed_on", "must be a date (YYYY-MM-DD)")
    w.choice(root, "status", "", PlanStatus)
    w.text(root, "current_stage", "")
    w.text(root, "current_stage_reason", "", required=False)
    pain = w.obj(root.get("pain"), "pain", required=False)
    if pain is not None:
        for key in pain:
            if key not in ("current", "worst", "best"):
                w.problem(f"pain.{key}", f"unknown key {key!r}")
        for key in ("current", "worst", "best"):
            w.whole(pain, key, "pain.", 0, 10)
    for i, alert in enumerate(w.items(root.get("alerts"), "alerts")):
        a = w.obj(alert, f"alerts[{i}]")
        if a is not None:
            w.text(a, "code", f"alerts[{i}].")
            w.choice(a, "level", f"alerts[{i}].", AlertLevel)
            w.text(a, "message", f"alerts[{i}].")
            _check_because(w, a, f"alerts[{i}].")
    for i, referral in enumerate(w.items(root.get("referrals"), "referrals")):
        r = w.obj(referral, f"referrals[{i}]")
        if r is not None:
            w.text(r, "to", f"referrals[{i}].")
            w.choice(r, "urgency", f"referrals[{i}].", Urgency)
            w.text(r, "reason", f"referrals[{i}].")
    if root.get("classifications") is not None:
        w.obj(root.get("classifications"), "classifications")
    if "stages" not in root:
        w.problem("stages", "is required")
    for i, stage in enumerate(w.items(root.get("stages"), "stages")):
        s = w.obj(stage, f"stages[{i}]")
        if s is None:
            continue
        w.text(s, "id", f"stages[{i}].")
        w.text(s, "title", f"stages[{i}].")
        w.strings(s, "goals", f"stages[{i}].")
        w.strings(s, "progress_when", f"stages[{i}].")
        for j, item in enumerate(w.items(s.get("items"), f"stages[{i}].items")):
            _check_item(w, item, f"stages[{i}].items[{j}]")
    for i, entry in enumerate(w.items(root.get("excluded"), "excluded")):
        e = w.obj(entry, f"excluded[{i}]")
        if e is not None:
            w.text(e, "intervention", f"excluded[{i}].")
            w.strings(e, "reasons", f"excluded[{i}].")
    for i, entry in enumerate(w.items(root.get("deferred"), "deferred")):
        d = w.obj(entry, f"deferred[{i}]")
        if d is not None:
            for key in ("intervention", "stage", "reason"):
                w.text(d, key, f"deferred[{i}].")
    for i, entry in enumerate(w.items(root.get("conflicts"), "conflicts")):
        c = w.obj(entry, f"conflicts[{i}]")
        if c is not None:
            w.text(c, "kind", f"conflicts[{i}].")
            w.strings(c, "interventions", f"conflicts[{i}].")
            w.text(c, "resolution", f"conflicts[{i}].")
            w.text(c, "stage", f"conflicts[{i}].", required=False)
            w.text(c, "winner", f"conflicts[{i}].", required=False)
            w.strings(c, "details", f"conflicts[{i}].")
    w.strings(root, "unaddressed", "")
    w.strings(root, "unrecognized", "")
    for i, entry in enumerate(w.items(root.get("not_used"), "not_used")):
        n = w.obj(entry, f"not_used[{i}]")
        if n is not None:
            w.text(n, "code", f"not_used[{i}].")
            w.choice(n, "kind", f"not_used[{i}].", UsageKind)
            w.text(n, "reason", f"not_used[{i}].")
    if root.get("progression") is not None:
        _check_progression(w, root["progression"], "progression")
    for i, entry in enumerate(w.items(root.get("history"), "history")):
        _check_progression(w, entry, f"history[{i}]")
    prov = w.obj(root.get("provenance"), "provenance")
    if prov is not None:
        w.text(prov, "engine_version", "provenance.")
        w.text(prov, "fingerprint", "provenance.")
        options = w.obj(prov.get("options"), "provenance.options", required=False)
        for name in options or ():
            w.text(options or {}, name, "provenance.options.")
    return w.problems


def _check_catalog(data: Mapping[str, Any], catalog: Catalog, file: str | None) -> list[Problem]:
    stage_ids = catalog.stage_ids()
    interventions = catalog.interventions
    problems: list[Problem] = []

    def stage(value: str, path: str) -> None:
        if value not in stage_ids:
            problems.append(
                Problem(
                    file=file,
                    path=path,
                    message=f"unknown stage {value!r}: the plan was made with another knowledge "
                    "base",
                    suggestion=suggest(value, stage_ids),
                )
            )

    def intervention(value: str, path: str) -> None:
        if value not in interventions:
            problems.append(
                Problem(
                    file=file,
                    path=path,
                    message=f"unknown intervention {value!r}: the plan was made with another "
                    "knowledge base",
                    suggestion=suggest(value, interventions),
                )
            )

    stage(data["current_stage"], "current_stage")
    for i, s in enumerate(data["stages"]):
        stage(s["id"], f"stages[{i}].id")
        for j, item in enumerate(s.get("items") or ()):
            intervention(item["intervention"], f"stages[{i}].items[{j}].intervention")
            if item.get("progressed_from") is not None:
                intervention(item["progressed_from"], f"stages[{i}].items[{j}].progressed_from")
            if item.get("proposed_stage") is not None:
                stage(item["proposed_stage"], f"stages[{i}].items[{j}].proposed_stage")
    return problems


def plan_digest(data: Mapping[str, Any]) -> str:
    """The content digest of plan JSON data: ``sha256:<hex>`` of its text as the writer writes
    it (keys in their order, 2-space indentation) without ``provenance.content_sha256``."""
    rest = dict(data)
    provenance = data.get("provenance")
    if isinstance(provenance, Mapping):
        rest["provenance"] = {k: v for k, v in provenance.items() if k != "content_sha256"}
    return content_digest(encode(rest, "\n"))


def _check_digest(data: Mapping[str, Any], file: str | None) -> list[Problem]:
    """The plan's ``provenance.content_sha256`` must be the digest of the rest of its text as
    the writer writes it (:func:`careengine.render.plan_json.with_content_digest`)."""
    path = "provenance.content_sha256"
    provenance = data["provenance"]
    stored = provenance.get("content_sha256")
    if stored is None:
        return [
            Problem(
                file=file,
                path=path,
                message="is missing: only a plan written by careengine, unchanged since, can be "
                "reassessed (evaluate the assessment again to get one)",
            )
        ]
    if not isinstance(stored, str):
        return [Problem(file=file, path=path, message="must be a string")]
    if plan_digest(data) != stored:
        return [
            Problem(
                file=file,
                path=path,
                message="does not match the plan's content: the plan was changed after it was "
                "written (evaluate the assessment again rather than editing a stored plan)",
            )
        ]
    return []


def read_plan(
    data: Any,
    catalog: Catalog,
    *,
    file: str | None = None,
    alert_codes: Collection[str] | None = None,
) -> Plan:
    """Check plain JSON data against the plan contract, its content digest and the catalog
    (stages, interventions, dosages within their limits, and alert codes when ``alert_codes``
    is given), then build the Plan."""
    problems = check_plan_data(data, file)
    if not problems:
        problems = _check_digest(data, file) + _check_catalog(data, catalog, file)
    if problems:
        raise AssessmentError("invalid plan", file=file, problems=problems)
    plan = plan_from_dict(data, file=file)
    problems = [
        Problem(file=file, path=path, message=message)
        for path, message in stored_plan_problems(plan, catalog, alert_codes)
    ]
    if problems:
        raise AssessmentError("invalid plan", file=file, problems=problems)
    return plan


def load_plan(
    source: Source,
    catalog: Catalog,
    *,
    alert_codes: Collection[str] | None = None,
) -> Plan:
    """Read and check a plan from parsed JSON data, JSON text, bytes or a file path (the forms
    of :data:`careengine.io.assessment.Source`)."""
    data = input_data(source)
    return read_plan(data, catalog, file=source_file(source), alert_codes=alert_codes)
