"""``careengine evaluate``, ``reassess`` and ``explain``: an assessment (or a stored plan and a
follow-up) in, a plan or its explanation out. Every output file is written atomically
(:mod:`careengine.io.atomic_write`)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from careengine.cli.app import (
    PlanChoice,
    allow_unknown_option,
    build_engine,
    cli,
    engine_options,
    format_option,
    guarded,
    json_option,
    plan_options,
    renderer_for,
)
from careengine.io.atomic_write import output_error, write_atomic
from careengine.render.safe_text import clean_output


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@format_option
@click.option("-o", "--output", type=click.Path(path_type=Path), help="File (or directory).")
@allow_unknown_option
@click.option(
    "--input-format",
    type=click.Choice(["json", "fhir"]),
    default="json",
    show_default=True,
    help="Assessment JSON, or a FHIR R4 Bundle (docs/fhir.md).",
)
@plan_options
@engine_options
@guarded
def evaluate(
    files: tuple[Path, ...],
    fmt: str,
    output: Path | None,
    allow_unknown: bool,
    input_format: str,
    choice: PlanChoice,
    rules: tuple[Path, ...],
    plugins: tuple[str, ...],
    backend: str,
) -> None:
    """Evaluate assessment FILE(s) and print (or write) the plan."""
    engine = build_engine(rules, plugins, backend, choice=choice)
    renderer = renderer_for(engine, fmt)
    to_dir = output is not None and (len(files) > 1 or output.is_dir())
    if to_dir and output is not None:
        try:
            output.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise output_error(output, exc) from exc
    for path in files:
        if input_format == "fhir":
            from careengine.fhir import load_bundle

            assessment = load_bundle(
                path, engine.catalog, allow_unknown=allow_unknown, checker=engine.schema_checker
            )
        else:
            assessment = engine.load_assessment(path, allow_unknown=allow_unknown)
        plan = engine.evaluate(assessment)
        text = engine.render(plan, fmt)
        if output is None:
            click.echo(text, nl=False)
        elif to_dir:
            write_atomic(output / f"{path.stem}.plan.{renderer.extension}", text)
        else:
            write_atomic(output, text)


@cli.command()
@click.argument("plan", type=click.Path(path_type=Path))
@click.argument("followup", type=click.Path(path_type=Path))
@format_option
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write to this file.")
@click.option(
    "--gates",
    "gates_file",
    type=click.Path(path_type=Path),
    metavar="FILE.toml",
    help="Reassessment gates (docs/reassessment.md); docs/design.md section 8 defaults otherwise.",
)
@allow_unknown_option
@plan_options
@engine_options
@guarded
def reassess(
    plan: Path,
    followup: Path,
    fmt: str,
    output: Path | None,
    gates_file: Path | None,
    allow_unknown: bool,
    choice: PlanChoice,
    rules: tuple[Path, ...],
    plugins: tuple[str, ...],
    backend: str,
) -> None:
    """Reassess: the previous PLAN and a FOLLOWUP assessment give the next plan."""
    from careengine.pipeline.gates import load_gates

    gates = load_gates(gates_file) if gates_file is not None else None
    engine = build_engine(rules, plugins, backend, choice=choice, gates=gates)
    renderer_for(engine, fmt)  # an unknown format fails before any input is read
    text = engine.render(engine.reassess(plan, followup, allow_unknown=allow_unknown), fmt)
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomic(output, text)


@cli.command("explain")
@click.argument("file", type=click.Path(path_type=Path))
@json_option
@allow_unknown_option
@plan_options
@engine_options
@guarded
def explain_command(
    file: Path,
    as_json: bool,
    allow_unknown: bool,
    choice: PlanChoice,
    rules: tuple[Path, ...],
    plugins: tuple[str, ...],
    backend: str,
) -> None:
    """Why each item of FILE's plan is there, and what was excluded and why."""
    from careengine.render.explain import explain, explanation_to_dict, render_explanation

    engine = build_engine(rules, plugins, backend, choice=choice)
    explanation = explain(engine, engine.load_assessment(file, allow_unknown=allow_unknown))
    if as_json:
        click.echo(json.dumps(explanation_to_dict(explanation), indent=2, ensure_ascii=False))
    else:
        click.echo(clean_output(render_explanation(explanation)), nl=False)
