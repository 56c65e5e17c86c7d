"""Instructions per plan for read + validate + evaluate + JSON text (built-in KB, python backend).

``K`` rounds over the 11 example assessments, from file text, after one warm-up round; run it
under callgrind with K=0 and K=5 and divide the difference by 55::

    valgrind --tool=callgrind --callgrind-out-file=/tmp/k0.out .venv/bin/python \\
        -m benchmarks.fastpath_instructions 0
    valgrind --tool=callgrind --callgrind-out-file=/tmp/k5.out .venv/bin/python \\
        -m benchmarks.fastpath_instructions 5

``CAREENGINE_PURE_PYTHON=1`` measures the pure-Python paths.
"""

from __future__ import annotations

import sys
from pathlib import Path

from careengine import Engine
from careengine.render.serialize import dumps

ROOT = Path(__file__).resolve().parents[1]


def main(rounds: int) -> None:
    texts = [p.read_text() for p in sorted((ROOT / "examples/assessments").glob("*.json"))]
    engine = Engine(backend="python", entry_points=False)
    out = [dumps(engine.evaluate(engine.load_assessment(t))) for t in texts]  # warm-up
    for _ in range(rounds):
        out.extend(dumps(engine.evaluate(engine.load_assessment(t))) for t in texts)
    print(len(out), sum(map(len, out)))


if __name__ == "__main__":
    main(int(sys.argv[1]))
