"""The CLI commands of docs/design.md section 9 beyond ``evaluate``: explain, catalog, schema, the engine
options every engine-building command accepts, and --version, with the built-in knowledge base.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import click
import jsonschema
import pytest
from click.testing import CliRunner, Result

from careengine import Engine, __version__
from careengine.cli import cli
from careengine.model import TermKind
from careengine.render.catalog_listing import KINDS
from careengine.rules.model import RaiseAlert
from tests.plugins import PLUGIN_DIR, extra_codes

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "assessments"
EXTRA = str(PLUGIN_DIR / "extra_codes.py")
BROKEN_PLUGIN = str(PLUGIN_DIR / "fails_on_import.py")
ENGINE = Engine(entry_points=False)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CAREENGINE_PLUGINS", "CAREENGINE_DISABLE_PLUGINS", "CAREENGINE_DEBUG"):
        monkeypatch.delenv(name, raising=False)


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def ok(*args: str) -> Result:
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result


# --- explain -------------------------------------------------------------------------------------


def test_explain_names_the_rules_facts_and_rationale_of_every_item() -> None:
    source = EXAMPLES / "osteoporosis.json"
    plan = ENGINE.evaluate(ENGINE.load_assessment(source))
    text = ok("explain", str(source)).stdout
    assert text.startswith("Why the plan for p-osteo-05 is what it is\n")
    for stage, item in plan.items():
        assert f"  {stage}: {item.name} [{item.intervention}]" in text
        for because in item.because:
            assert (
                f"      proposed by rule {because.rule} (pack {because.pack} "
                f"{because.pack_version}, plugin {because.plugin})"
            ) in text
            assert f"        matched: {', '.join(because.matched)}" in text
            assert f"        because: {because.rationale}" in text
    assert plan.excluded
    for exclusion in plan.excluded:
        block = text.split(f"\n  {exclusion.intervention}\n", 1)[1]
        for reason in exclusion.reasons:
            assert block.startswith(f"      - {reason}") or f"      - {reason}\n" in block
    assert "CLASSIFICATIONS" in text


def test_explain_json_has_items_exclusions_and_classification_inputs() -> None:
    source = EXAMPLES / "desk-worker.json"
    assessment = ENGINE.load_assessment(source)
    plan = ENGINE.evaluate(assessment)
    data = json.loads(ok("explain", "--json", str(source)).stdout)
    assert data["patient_id"] == "p-desk-01"
    assert [(i["stage"], i["intervention"]) for i in data["items"]] == [
        (stage, item.intervention) for stage, item in plan.items()
    ]
    for entry, (_, item) in zip(data["items"], plan.items(), strict=True):
        assert [b["rule"] for b in entry["proposed_by"]] == [b.rule for b in item.because]
        assert all(b["matched"] and b["rationale"] for b in entry["proposed_by"])
    cpr = data["classifications"]["cpr_manipulation"]
    assert cpr["values"]["positive"] is True
    assert cpr["criteria_met"] and cpr["inputs"]["episode.duration_days"] == 10
    assert cpr["missing"] == []
    odi = data["classifications"]["odi"]
    assert odi["values"] == {"percent": None, "band": None}
    assert odi["missing"] == ["questionnaires.odi or measures.odi_percent"]
    classifications = {c.name for c in ENGINE.classifications(assessment)}
    assert set(data["classifications"]) == classifications == set(plan.classifications)


def test_explain_a_referral_shows_who_raised_the_alert_and_every_withheld_item() -> None:
    source = EXAMPLES / "suspected-cauda-equina.json"
    data = json.loads(ok("explain", "--json", str(source)).stdout)
    assert data["status"] == "referral" and data["items"] == []
    (alert,) = data["alerts"]
    assert alert["code"] == "cauda_equina_suspected"
    assert alert["raised_by"][0]["matched"] == [
        "red_flag:bladder_dysfunction",
        "red_flag:saddle_anesthesia",
    ]
    assert data["excluded"] and all(
        e["reasons"] == ["withheld: pending medical review"] for e in data["excluded"]
    )
    text = ok("explain", str(source)).stdout
    assert "  [EMERGENCY] cauda_equina_suspected: " in text
    assert "      raised by rule lbp.red_flags.cauda-equina" in text
    assert "ITEMS\n  (none)\n" in text


def test_explain_refuses_bad_input_with_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"patient": {"id": "p"}, "findings": [{"code": "glute_weaknes"}]}')
    result = run("explain", str(bad))
    assert result.exit_code == 2
    assert result.stderr == (
        "error: bad.json: findings[0].code: unknown finding 'glute_weaknes' "
        "(did you mean 'glute_weakness'?)\n"
    )
    bad.write_text('{"patient": {"id": "p"}, "findings": [{"code": "sij_pain"}]}')
    data = json.loads(ok("explain", "--json", "--allow-unknown", str(bad)).stdout)
    assert data["unrecognized"] == ["sij_pain"]


# --- catalog -------------------------------------------------------------------------------------


def test_catalog_counts_every_kind() -> None:
    lines = ok("catalog").stdout.splitlines()
    alerts = {
        (a.code, r.id)
        for p in ENGINE.packs
        for r in p.rules
        for a in r.then
        if isinstance(a, RaiseAlert)
    }
    counts = {
        "stages": len(ENGINE.catalog.stages),
        "findings": len(ENGINE.catalog.codes(TermKind.FINDING)),
        "conditions": len(ENGINE.catalog.codes(TermKind.CONDITION)),
        "red_flags": len(ENGINE.catalog.codes(TermKind.RED_FLAG)),
        "measures": len(ENGINE.catalog.codes(TermKind.MEASURE)),
        "interventions": len(ENGINE.catalog.interventions),
        "alerts": len(alerts),
    }
    assert lines == [f"{kind}: {counts[kind]}" for kind in KINDS]
    everything = json.loads(ok("catalog", "--json").stdout)
    assert {k: len(v) for k, v in everything.items()} == counts


@pytest.mark.parametrize(
    ("kind", "term_kind"),
    [
        ("findings", TermKind.FINDING),
        ("conditions", TermKind.CONDITION),
        ("red_flags", TermKind.RED_FLAG),
        ("measures", TermKind.MEASURE),
    ],
)
def test_catalog_lists_the_codes_of_a_kind(kind: str, term_kind: TermKind) -> None:
    codes = ENGINE.catalog.codes(term_kind)
    lines = ok("catalog", kind).stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == list(codes)
    entries = json.loads(ok("catalog", kind, "--json").stdout)
    assert [e["code"] for e in entries] == list(codes)
    for entry in entries:
        term = ENGINE.catalog.term(term_kind, entry["code"])
        assert term is not None and entry["label"] == term.label
        assert entry["plugin"] == "careengine_plugins.vocabulary"


def test_catalog_interventions_carry_steps_dosage_and_safety() -> None:
    lines = ok("catalog", "interventions").stdout.splitlines()
    assert "bridge (exercise): Bridge [2 x 12, hold 3 s, 3x/week, home programme]" in lines
    entries = {e["id"]: e for e in json.loads(ok("catalog", "interventions", "--json").stdout)}
    assert list(entries) == list(ENGINE.catalog.interventions)
    bridge = ENGINE.catalog.interventions["bridge"]
    assert entries["bridge"]["steps"] == list(bridge.steps)
    assert entries["bridge"]["safety_tips"] == list(bridge.safety_tips)
    assert entries["bridge"]["dosage"]["reps"] == bridge.dosage.reps
    assert entries["bridge"]["progresses_to"] == bridge.progresses_to


def test_catalog_stages_and_alerts() -> None:
    assert ok("catalog", "stages").stdout.splitlines()[0].startswith("relieve: ")
    stages = json.loads(ok("catalog", "stages", "--json").stdout)
    assert [s["id"] for s in stages] == ["relieve", "mobilize", "strengthen", "return"]
    alerts = json.loads(ok("catalog", "alerts", "--json").stdout)
    levels = {(a["code"], a["level"]) for a in alerts}
    assert ("cauda_equina_suspected", "emergency") in levels
    assert ("axspa_suspected", "routine") in levels
    assert ("malignancy_suspected", "urgent") in levels
    assert ("malignancy_suspected", "routine") in levels


def test_catalog_follows_the_loaded_plugins() -> None:
    lines = ok("catalog", "findings", "--plugin", EXTRA).stdout.splitlines()
    assert f"{extra_codes.FINDING}: Sacroiliac joint pain" in lines
    entries = json.loads(ok("catalog", "conditions", "--json", "--plugin", EXTRA).stdout)
    (entry,) = [e for e in entries if e["code"] == extra_codes.CONDITION]
    assert entry["plugin"] == "extra_codes"


def test_a_catalog_label_with_a_line_break_is_listed_on_one_line(tmp_path: Path) -> None:
    """A label from a plugin cannot forge a listing line or drive the terminal."""
    plugin = tmp_path / "forged_label.py"
    plugin.write_text(
        "from careengine.model import TermKind\n"
        "from careengine.plugins.hookspecs import hookimpl\n"
        "\n"
        "@hookimpl\n"
        "def careengine_catalog(registry):\n"
        "    registry.add_term('forged_finding', TermKind.FINDING,\n"
        "                      'Forged\\nfake_code: \\x1b[31mlabel')\n",
        encoding="utf-8",
    )
    lines = ok("catalog", "findings", "--plugin", str(plugin)).stdout.splitlines()
    assert "forged_finding: Forged fake_code: label" in lines
    assert not any(line.startswith("fake_code") for line in lines)


def test_an_unknown_catalog_kind_exits_2_with_a_suggestion() -> None:
    result = run("catalog", "finding")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: unknown catalog kind 'finding' (did you mean 'findings'?); kinds: "
        + ", ".join(KINDS)
        + "\n"
    )


# --- schema --------------------------------------------------------------------------------------


def schema_of(*args: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(ok("schema", *args).stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    return schema


def test_schema_assessment_validates_every_example_and_lists_the_vocabulary() -> None:
    schema = schema_of("assessment")
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    for path in sorted(EXAMPLES.glob("*.json")):
        assert list(validator.iter_errors(json.loads(path.read_text()))) == [], path.name
    defs = schema["$defs"]
    assert defs["finding_code"]["enum"] == list(ENGINE.catalog.codes(TermKind.FINDING))
    assert defs["condition_code"]["enum"] == list(ENGINE.catalog.codes(TermKind.CONDITION))
    assert defs["red_flag_code"]["enum"] == list(ENGINE.catalog.codes(TermKind.RED_FLAG))
    assert defs["measure_code"]["enum"] == list(ENGINE.catalog.codes(TermKind.MEASURE))
    assert defs["intervention_id"]["enum"] == list(ENGINE.catalog.interventions)
    assert not validator.is_valid({"patient": {"id": "p"}, "findings": [{"code": "nope"}]})
    assert not validator.is_valid({"patient": {"id": "p"}, "response": {}})


def test_schema_variants_followup_allow_unknown_and_plugins() -> None:
    followup = schema_of("followup")
    assert followup["required"] == ["patient", "response"]
    assert set(followup["properties"]["response"]["required"]) == {
        "exercise_pain_max",
        "settled_within_24h",
        "adherence_percent",
    }
    loose = schema_of("assessment", "--allow-unknown")
    assert jsonschema.Draft202012Validator(loose).is_valid(
        {"patient": {"id": "p"}, "findings": [{"code": "anything"}]}
    )
    extended = schema_of("assessment", "--plugin", EXTRA)
    assert extra_codes.FINDING in extended["$defs"]["finding_code"]["enum"]
    assert extra_codes.MEASURE in extended["$defs"]["measure_code"]["enum"]
    assert extra_codes.FINDING not in schema_of("assessment")["$defs"]["finding_code"]["enum"]


def test_schema_plan_validates_the_plans_of_every_example() -> None:
    validator = jsonschema.Draft202012Validator(
        schema_of("plan"), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    for path in sorted(EXAMPLES.glob("*.json")):
        plan = json.loads(ok("evaluate", str(path)).stdout)
        assert list(validator.iter_errors(plan)) == [], path.name
    plan["status"] = "maybe"
    assert not validator.is_valid(plan)


def test_schema_usage_error() -> None:
    assert run("schema", "plans").exit_code == 2
    assert run("schema").exit_code == 2


# --- every engine-building command takes --rules and --plugin ------------------------------------


def commands(tmp_path: Path) -> dict[str, list[str]]:
    source = str(EXAMPLES / "desk-worker.json")
    inputs = tmp_path / "in"
    inputs.mkdir(exist_ok=True)
    (inputs / "desk.json").write_text((EXAMPLES / "desk-worker.json").read_text())
    return {
        "evaluate": ["evaluate", source],
        "batch": ["batch", str(inputs), "-o", str(tmp_path / "out")],
        "explain": ["explain", source],
        "catalog": ["catalog", "findings"],
        "schema": ["schema", "assessment"],
        "plugins list": ["plugins", "list"],
        "rules test": ["rules", "test", str(ROOT / "examples" / "cases")],
    }


@pytest.mark.parametrize(
    "command",
    ["evaluate", "batch", "explain", "catalog", "schema", "plugins list", "rules test"],
)
def test_every_engine_command_takes_rules_and_plugin(tmp_path: Path, command: str) -> None:
    args = commands(tmp_path)[command]
    result = run(*args, "--plugin", BROKEN_PLUGIN)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: plugin fails_on_import: failed to import")
    broken = tmp_path / "broken.toml"
    broken.write_text(
        '[pack]\nid = "clinic.broken"\nversion = "1"\ntitle = "t"\npopulation = "p"\n'
        'sources = ["s"]\n[[rules]]\nid = "r"\nbecause = "b"\n'
        'when.all = [{ finding = "glute_weaknes" }]\nthen = [{ add = "bridge", stage = "strengthen" }]\n'
    )
    result = run(*args, "--rules", str(broken))
    assert result.exit_code == 1
    assert "broken.toml" in result.stderr and "glute_weaknes" in result.stderr
    assert "Traceback" not in result.output
    rules = ["--rules", str(ROOT / "examples" / "rules"), "--plugin", EXTRA]
    if command != "rules test":
        assert run(*args, *rules).exit_code == 0


def test_rules_and_plugins_change_what_evaluate_and_explain_see() -> None:
    source = str(EXAMPLES / "desk-worker.json")
    plain = json.loads(ok("evaluate", source).stdout)
    clinic = json.loads(ok("evaluate", source, "--rules", str(ROOT / "examples" / "rules")).stdout)
    assert "clinic.example" not in plain["provenance"]["packs"]
    assert clinic["provenance"]["packs"]["clinic.example"]["version"] == "1.0.0"
    explained = ok("explain", source, "--rules", str(ROOT / "examples" / "rules")).stdout
    assert "proposed by rule clinic.example." in explained
    listed = json.loads(ok("plugins", "list", "--json", "--plugin", EXTRA).stdout)
    assert [p["name"] for p in listed] == ["extra_codes"]


def test_version_lists_every_loaded_plugin_and_pack_with_versions() -> None:
    lines = ok("--version").stdout.splitlines()
    assert lines[0] == f"careengine {__version__}"
    assert lines[1].startswith("backend: ")
    for name, info in ENGINE.plugins.items():
        assert f"plugin {name} {info.version}" in lines
    for pack in ENGINE.packs:
        assert f"pack {pack.id} {pack.version}" in lines
    assert len(lines) == 2 + len(ENGINE.plugins) + len(ENGINE.packs)


# --- docs/cli.md documents every command and option ----------------------------------------------


def test_docs_cli_names_every_command_and_option() -> None:
    docs = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")

    def walk(group: click.Group, prefix: str) -> list[tuple[str, click.Command]]:
        out = []
        for name, command in sorted(group.commands.items()):
            full = f"{prefix}{name}"
            if isinstance(command, click.Group):
                out += walk(command, f"{full} ")
            else:
                out.append((full, command))
        return out

    for name, command in walk(cli, ""):
        assert f"careengine {name}" in docs, name
        for param in command.params:
            if isinstance(param, click.Option):
                assert any(opt in docs for opt in param.opts), (name, param.opts)
    for kind in KINDS:
        assert f"`{kind}`" in docs

    # Each command in its own place: a line of the synopsis naming its options, and a section.
    synopsis = docs.split("```")[1].splitlines()
    headings = [line for line in docs.splitlines() if line.startswith("## ")]
    engine_wide = docs.split("Every command that builds an engine", 1)[1].split(")", 1)[0]
    for name, command in walk(cli, ""):
        usage = [line for line in synopsis if re.match(rf"careengine {name}( |$)", line)]
        assert len(usage) == 1, name
        assert any(f"`{name}`" in heading for heading in headings), name
        for param in command.params:
            if not isinstance(param, click.Option):
                continue
            if any(re.search(rf"(?<![\w-]){re.escape(o)}(?![\w-])", usage[0]) for o in param.opts):
                continue
            assert set(param.opts) & {"--rules", "--plugin", "--backend"}, (name, param.opts)
            assert f"`{name}`" in engine_wide, (name, param.opts)


def test_evaluate_allow_unknown_lists_unknown_findings(tmp_path: Path) -> None:
    data = json.loads((EXAMPLES / "desk-worker.json").read_text())
    data["findings"].append({"code": "sij_pain"})
    source = tmp_path / "visit.json"
    source.write_text(json.dumps(data))
    assert run("evaluate", str(source)).exit_code == 2
    plan = json.loads(ok("evaluate", str(source), "--allow-unknown").stdout)
    assert plan["unrecognized"] == ["sij_pain"]
    explained = json.loads(
        ok("explain", str(source), "--json", "--backend", "python", "--allow-unknown").stdout
    )
    assert explained["unrecognized"] == ["sij_pain"]
