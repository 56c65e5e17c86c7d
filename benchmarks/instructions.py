"""``make bench-instructions``: instructions per plan of the full pipeline, counted by callgrind.

Instruction counts are deterministic where wall time on a shared machine is not. For each
contender (careengine on the python and the durable backend, and the floor,
:mod:`benchmarks.floor`), a child interpreter builds the engine, runs one warm-up round over the
built-in knowledge base's example assessments, then ``N`` rounds of the full pipeline (read the
file, parse, validate, evaluate, the plan's JSON text: :func:`benchmarks.pipelines.full`); it
runs under ``valgrind --tool=callgrind`` with ``N`` and with ``2N`` rounds, and the difference
divided by ``N`` x the number of files is the cost of one plan, start-up and warm-up removed.
Child interpreters run with ``PYTHONHASHSEED=0``. Skipped, with the reason, without valgrind.

Usage: ``python -m benchmarks.instructions [--rounds N] [--out FILE]``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks import machine
from careengine.rules.backend import durable_available

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "assessments"
ROUNDS = 3


def contenders() -> list[str]:
    return ["python", *(["durable"] if durable_available() else []), "floor"]


def child(contender: str, rounds: int) -> None:
    """The measured program: build, one warm-up round, then ``rounds`` rounds over the files."""
    from benchmarks import pipelines
    from careengine import Engine

    paths = sorted(EXAMPLES.glob("*.json"))
    backend = "python" if contender == "floor" else contender
    engine = Engine(entry_points=False, backend=backend)
    if contender == "floor":
        from benchmarks.floor import Floor

        floor = Floor(engine)

        def run_floor(i: int) -> object:
            return floor.plan_text(paths[i])

        run: pipelines.Run = run_floor
    else:
        run = pipelines.full(engine, paths)
    for _ in range(rounds + 1):
        for i in range(len(paths)):
            run(i)


def callgrind_totals(contender: str, rounds: int) -> tuple[int, int]:
    """Instructions executed by the child program under callgrind with ``rounds`` and with
    ``2 x rounds`` rounds (the two runs side by side)."""
    with tempfile.TemporaryDirectory(prefix="careengine-callgrind-") as tmp:
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        runs = []
        for n in (rounds, 2 * rounds):
            out = Path(tmp) / f"callgrind.{n}.out"
            command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"]
            command += [sys.executable, "-m", "benchmarks.instructions", "--child", contender]
            command += ["--rounds", str(n)]
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            )
            runs.append((out, process))
        totals = []
        for out, process in runs:
            _, errors = process.communicate()
            if process.returncode != 0:
                raise RuntimeError(f"callgrind run failed: {errors.decode()[-300:]}")
            totals.append(parse_total(out.read_text(encoding="utf-8", errors="replace")))
        return totals[0], totals[1]


def parse_total(text: str) -> int:
    """The instruction count of a callgrind output file."""
    found = re.search(r"^(?:summary|totals):\s*(\d+)", text, re.MULTILINE)
    if found is None:
        raise ValueError("no summary line in the callgrind output")
    return int(found.group(1))


def measure(rounds: int = ROUNDS, log: bool = True) -> dict[str, Any]:
    """Instructions per plan of each contender, or ``{"skipped": why}``."""
    if shutil.which("valgrind") is None:
        return {"skipped": "valgrind is not installed (apt-get install valgrind)"}
    files = len(list(EXAMPLES.glob("*.json")))
    version = subprocess.run(["valgrind", "--version"], capture_output=True, text=True).stdout
    out: dict[str, Any] = {
        "rounds": [rounds, 2 * rounds],
        "files": files,
        "valgrind": version.strip(),
        "bytecode_caching": machine.bytecode_caching(),
        "per_plan": {},
    }
    for contender in contenders():
        if log:
            print(f"[bench] callgrind: {contender} ...", file=sys.stderr, flush=True)
        once, twice = callgrind_totals(contender, rounds)
        per_plan = (twice - once) / (rounds * files)
        out["per_plan"][contender] = round(per_plan)
        # interpreter start, imports, engine build and the warm-up round
        out.setdefault("startup", {})[contender] = round(once - rounds * files * per_plan)
    floor = out["per_plan"].get("floor")
    if floor:
        # the floor's cost over careengine's (issue 16's ratio: >= 0.6 is the goal)
        out["floor_ratio"] = {
            c: round(floor / n, 2) for c, n in out["per_plan"].items() if c != "floor" and n
        }
    return out


def report(result: dict[str, Any]) -> str:
    if "skipped" in result:
        return f"Instructions per plan: skipped: {result['skipped']}"
    rounds = result.get("rounds", ["?", "?"])
    bytecode = {True: "on", False: "OFF", None: "?"}[result.get("bytecode_caching")]
    lines = [
        "Instructions per plan (callgrind, full pipeline, built-in knowledge base, "
        f"{result.get('files', '?')} files x ({rounds[1]} - {rounds[0]}) rounds; "
        f"bytecode caching {bytecode})"
    ]
    for contender, count in result["per_plan"].items():
        ratio = result.get("floor_ratio", {}).get(contender)
        extra = f"  (floor / this: {ratio})" if ratio is not None else ""
        lines.append(f"  {contender:8} {count / 1e6:7.2f} M{extra}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.instructions")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results-instructions.json"))
    parser.add_argument("--child", choices=["python", "durable", "floor"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.rounds)
        return
    result = {"machine": machine.describe(), "instructions": measure(args.rounds)}
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(report(result["instructions"]))
    print(
        f"({result['machine']['cpu']}, {result['machine']['cores']} cores, "
        f"Python {result['machine']['python']}, {result['machine']['platform']})"
    )


if __name__ == "__main__":
    main()
