"""The plan's JSON text, written straight from the :class:`Plan`: the one writer of docs/design.md
section 6.3.

Its key order is the contract's; :func:`careengine.render.serialize.plan_to_dict` is this text read
back. The text is byte for byte what ``json.dumps(data, indent=2, ensure_ascii=False)`` gives for
the same data, without building the intermediate dicts (building them and encoding with
:mod:`careengine.render.indented_json` is about 15 % slower; serialization was a third of an
evaluation). ``tests/render/test_plan_json.py`` holds the text against ``json.dumps`` of its own
parse on every example plan and on random assessments, and the keys against docs/design.md
section 6.3.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from careengine.model import (
    Because,
    Conflict,
    Dosage,
    Plan,
    PlanItem,
    Progression,
    Provenance,
    StagePlan,
)
from careengine.render.indented_json import encode as _value
from careengine.render.plan_fast import fast_plan_json

_STEP = "  "


def _object(pairs: Sequence[tuple[str, str]], nl: str) -> str:
    """An object from (key, encoded value) pairs; keys are plain ASCII names."""
    inner = nl + _STEP
    return "{" + inner + ("," + inner).join([f'"{k}": {v}' for k, v in pairs]) + nl + "}"


def _array(texts: Sequence[str], nl: str) -> str:
    if not texts:
        return "[]"
    inner = nl + _STEP
    return "[" + inner + ("," + inner).join(texts) + nl + "]"


def _strings(values: Iterable[Any], nl: str) -> str:
    inner = nl + _STEP
    return _array([_value(v, inner) for v in values], nl)


def _because(b: Because, nl: str) -> str:
    inner = nl + _STEP
    return (
        f'{{{inner}"rule": {_value(b.rule, inner)},{inner}"pack": {_value(b.pack, inner)},'
        f'{inner}"pack_version": {_value(b.pack_version, inner)},'
        f'{inner}"plugin": {_value(b.plugin, inner)},'
        f'{inner}"matched": {_strings(b.matched, inner)},'
        f'{inner}"rationale": {_value(b.rationale, inner)}{nl}}}'
    )


def _becauses(entries: Sequence[Because], nl: str) -> str:
    inner = nl + _STEP
    return _array([_because(b, inner) for b in entries], nl)


def _dosage(d: Dosage, nl: str) -> str:
    inner = nl + _STEP
    return (
        f'{{{inner}"sets": {_value(d.sets, inner)},{inner}"reps": {_value(d.reps, inner)},'
        f'{inner}"hold_seconds": {_value(d.hold_seconds, inner)},'
        f'{inner}"minutes": {_value(d.minutes, inner)},'
        f'{inner}"per_week": {_value(d.per_week, inner)},'
        f'{inner}"times_per_day": {_value(d.times_per_day, inner)},'
        f'{inner}"weeks": {_value(d.weeks, inner)},'
        f'{inner}"setting": {_value(None if d.setting is None else d.setting.value, inner)}{nl}}}'
    )


def _item(item: PlanItem, nl: str) -> str:
    inner = nl + _STEP
    deeper = inner + _STEP
    pairs = [
        ("intervention", _value(item.intervention, inner)),
        ("kind", _value(item.kind.value, inner)),
        ("name", _value(item.name, inner)),
        ("dosage", _dosage(item.dosage, inner)),
        ("priority", _value(item.priority, inner)),
        ("addresses", _strings(item.addresses, inner)),
        (
            "precautions",
            _array(
                [
                    _object(
                        (
                            ("text", _value(p.text, deeper + _STEP)),
                            ("source", _value(p.source, deeper + _STEP)),
                        ),
                        deeper,
                    )
                    for p in item.precautions
                ],
                inner,
            ),
        ),
        ("because", _becauses(item.because, inner)),
    ]
    if item.progressed_from is not None:
        pairs.append(("progressed_from", _value(item.progressed_from, inner)))
    if item.proposed_stage is not None:
        pairs.append(("proposed_stage", _value(item.proposed_stage, inner)))
    return _object(pairs, nl)


def _stage(stage: StagePlan, nl: str) -> str:
    inner = nl + _STEP
    deeper = inner + _STEP
    return _object(
        (
            ("id", _value(stage.id, inner)),
            ("title", _value(stage.title, inner)),
            ("goals", _strings(stage.goals, inner)),
            ("progress_when", _strings(stage.progress_when, inner)),
            ("items", _array([_item(i, deeper) for i in stage.items], inner)),
        ),
        nl,
    )


def _conflict(c: Conflict, nl: str) -> str:
    inner = nl + _STEP
    return _object(
        (
            ("kind", _value(c.kind, inner)),
            ("interventions", _strings(c.interventions, inner)),
            ("stage", _value(c.stage, inner)),
            ("resolution", _value(c.resolution, inner)),
            ("winner", _value(c.winner, inner)),
            ("details", _strings(c.details, inner)),
        ),
        nl,
    )


def _progression(p: Progression, nl: str) -> str:
    inner = nl + _STEP
    pairs = [
        ("from_stage", _value(p.from_stage, inner)),
        ("to_stage", _value(p.to_stage, inner)),
        ("decision", _value(p.decision.value, inner)),
        ("reasons", _strings(p.reasons, inner)),
    ]
    if p.assessed_on is not None:
        pairs.append(("assessed_on", _value(p.assessed_on, inner)))
    if p.changes:
        pairs.append(("changes", _strings(p.changes, inner)))
    return _object(pairs, nl)


def _provenance(p: Provenance, nl: str) -> str:
    inner = nl + _STEP
    packs = {k: {"version": v.version, "sha256": v.sha256} for k, v in p.packs.items()}
    pairs = [
        ("engine_version", _value(p.engine_version, inner)),
        ("backend", _value(p.backend, inner)),
        ("plugins", _value(dict(p.plugins), inner)),
        ("packs", _value(packs, inner)),
        ("fingerprint", _value(p.fingerprint, inner)),
    ]
    if p.options:  # the clinic options, when a plugin declares any
        pairs.append(("options", _value(dict(p.options), inner)))
    return _object(pairs, nl)


def plan_json(
    plan: Plan, *, schema: str, classifications: Mapping[str, Any], fast: bool | None = None
) -> str:
    """The plan as indented JSON text (without the final newline); ``classifications`` are the
    plan's, as plain dicts and lists. ``fast``: whether ``orjson`` writes it where it can
    (:mod:`careengine.render.plan_fast`; ``None``: when installed, unless
    ``CAREENGINE_PURE_PYTHON`` is set); the text is the same either way."""
    from careengine.speedups import optional  # not at import: `python -m careengine.speedups`

    orjson = None if fast is False else optional("orjson", {} if fast else None)
    if orjson is not None:
        text = fast_plan_json(plan, schema=schema, classifications=classifications, orjson=orjson)
        if text is not None:
            return with_content_digest(text)
    return with_content_digest(_pure(plan, schema, classifications))


def _pure(plan: Plan, schema: str, classifications: Mapping[str, Any]) -> str:
    nl = "\n"
    inner = nl + _STEP
    deeper = inner + _STEP
    inside = deeper + _STEP
    pairs = [
        ("schema", _value(schema, inner)),
        ("patient_id", _value(plan.patient_id, inner)),
        ("assessed_on", _value(plan.assessed_on, inner)),
        ("status", _value(plan.status.value, inner)),
        ("current_stage", _value(plan.current_stage, inner)),
        *(
            [("current_stage_reason", _value(plan.current_stage_reason, inner))]
            if plan.current_stage_reason is not None
            else []
        ),
        *([("pain", _value(attrs.asdict(plan.pain), inner))] if plan.pain is not None else []),
        (
            "alerts",
            _array(
                [
                    _object(
                        (
                            ("code", _value(a.code, inside)),
                            ("level", _value(a.level.value, inside)),
                            ("message", _value(a.message, inside)),
                            ("because", _becauses(a.because, inside)),
                        ),
                        deeper,
                    )
                    for a in plan.alerts
                ],
                inner,
            ),
        ),
        (
            "referrals",
            _array(
                [
                    _object(
                        (
                            ("to", _value(r.to, inside)),
                            ("urgency", _value(r.urgency.value, inside)),
                            ("reason", _value(r.reason, inside)),
                        ),
                        deeper,
                    )
                    for r in plan.referrals
                ],
                inner,
            ),
        ),
        ("classifications", _value(classifications, inner)),
        ("stages", _array([_stage(s, deeper) for s in plan.stages], inner)),
        (
            "excluded",
            _array(
                [
                    _object(
                        (
                            ("intervention", _value(e.intervention, inside)),
                            ("reasons", _strings(e.reasons, inside)),
                        ),
                        deeper,
                    )
                    for e in plan.excluded
                ],
                inner,
            ),
        ),
        (
            "deferred",
            _array(
                [
                    _object(
                        (
                            ("intervention", _value(d.intervention, inside)),
                            ("stage", _value(d.stage, inside)),
                            ("reason", _value(d.reason, inside)),
                        ),
                        deeper,
                    )
                    for d in plan.deferred
                ],
                inner,
            ),
        ),
        ("conflicts", _array([_conflict(c, deeper) for c in plan.conflicts], inner)),
        ("unaddressed", _strings(plan.unaddressed, inner)),
        ("unrecognized", _strings(plan.unrecognized, inner)),
        (
            "not_used",
            _array(
                [
                    _object(
                        (
                            ("code", _value(n.code, inside)),
                            ("kind", _value(n.kind.value, inside)),
                            ("reason", _value(n.reason, inside)),
                        ),
                        deeper,
                    )
                    for n in plan.not_used
                ],
                inner,
            ),
        ),
    ]
    if plan.progression is not None:
        pairs.append(("progression", _progression(plan.progression, inner)))
    if plan.history:
        pairs.append(("history", _array([_progression(p, deeper) for p in plan.history], inner)))
    pairs.append(("provenance", _provenance(plan.provenance, inner)))
    return _object(pairs, nl)


#: how the writer's text ends: the provenance object (always the last key) and the plan
_TAIL = "\n  }\n}"


def content_digest(text: str) -> str:
    """``sha256:<hex>`` of a plan's JSON text (indented as the writer indents it, without the
    ``provenance.content_sha256`` key)."""
    return "sha256:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def with_content_digest(text: str) -> str:
    """The writer's text with ``provenance.content_sha256`` appended: the digest of the text
    without it, so that a reader can tell whether the plan was changed after it was written."""
    assert text.endswith(_TAIL), "provenance must be the plan's last key"
    digest = content_digest(text)
    return f'{text[: -len(_TAIL)]},\n    "content_sha256": "{digest}"{_TAIL}'
