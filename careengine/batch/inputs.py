"""The inputs of a batch: the ``*.json`` files of a directory, or the lines of a ``.jsonl`` file
(:mod:`careengine.batch` describes the rules), each a :class:`Task`."""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Any

import attrs

from careengine.errors import CareEngineError, ConfigurationError
from careengine.io.json_text import display_name, parse_json

REPORT_NAME = "batch-report.json"
PLAN_SUFFIX = ".plan.json"
_SAFE_ID = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")


@attrs.frozen(kw_only=True)
class Task:
    """One input: read from ``path``, or already parsed (``data``, a JSONL line)."""

    index: int
    label: str
    output: str | None
    path: str | None = None
    data: Any = None
    error: tuple[str, ...] = ()  # found before evaluation (unreadable line, duplicate id)


def problem_lines(exc: CareEngineError, label: str) -> tuple[str, ...]:
    """The problems without the input's name (the report names the input once)."""
    if exc.problems:
        return tuple(str(attrs.evolve(p, file=None)) for p in exc.problems)
    return (str(exc).removeprefix(f"{label}: "),)


def jsonl_lines(data: bytes) -> list[tuple[int, bytes]]:
    """The numbered non-blank lines of JSONL bytes. Lines end at ``\\n`` only (``\\r\\n`` too,
    the ``\\r`` is dropped); U+2028, U+0085, a lone ``\\r`` and the other characters that
    ``str.splitlines`` also breaks at are part of the line. A UTF-8 byte order mark at the start
    of the file is dropped, as for a ``.json`` file. Each line is decoded on its own, so that
    bytes that are not UTF-8 spoil only their line."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    lines = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        line = line.removesuffix(b"\r")
        if line.strip(b" \t\r"):
            lines.append((number, line))
    return lines


def _jsonl_tasks(source: Path) -> list[Task]:
    name = display_name(source)
    try:
        raw = source.read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"{name}: cannot read: {exc.strerror}") from exc
    tasks: list[Task] = []
    first_line: dict[str, int] = {}
    for number, line in jsonl_lines(raw):
        label = f"{name}:{number}"
        index = len(tasks)
        try:
            data = parse_json(line, file=label)
        except CareEngineError as exc:
            tasks.append(
                Task(index=index, label=label, output=None, error=problem_lines(exc, label))
            )
            continue
        patient = data.get("patient") if isinstance(data, dict) else None
        pid = patient.get("id") if isinstance(patient, dict) else None
        problem: str | None = None
        if isinstance(pid, str) and pid.strip():
            if not _SAFE_ID.fullmatch(pid):
                problem = (
                    f"patient.id: {pid!r} cannot name a plan file "
                    "(letters, digits, '.', '_' and '-' only, not starting with '.')"
                )
            elif pid.casefold() in first_line:
                problem = (
                    f"patient.id: duplicate patient id {pid!r} "
                    f"(also on line {first_line[pid.casefold()]}); "
                    "its plan would overwrite that one"
                )
            else:
                first_line[pid.casefold()] = number
        output = f"{pid}{PLAN_SUFFIX}" if problem is None and isinstance(pid, str) else None
        error = (problem,) if problem else ()
        tasks.append(Task(index=index, label=label, output=output, data=data, error=error))
    return tasks


def collect_tasks(source: Path) -> list[Task]:
    """The inputs of a batch, in order (see the module docstring)."""
    if source.is_dir():
        files = sorted(
            p
            for p in source.iterdir()
            if p.suffix == ".json"
            and p.is_file()
            and not p.name.endswith(PLAN_SUFFIX)
            and p.name != REPORT_NAME
        )
        return [
            Task(index=i, label=display_name(p), output=f"{p.stem}{PLAN_SUFFIX}", path=str(p))
            for i, p in enumerate(files)
        ]
    if source.is_file() and source.suffix == ".jsonl":
        return _jsonl_tasks(source)
    if not source.exists():
        raise ConfigurationError(f"{source}: no such file or directory")
    raise ConfigurationError(
        f"{source}: a batch reads a directory of .json files or one .jsonl file"
    )
