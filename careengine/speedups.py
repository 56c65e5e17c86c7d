"""The optional compiled fast paths, and how to tell which are active.

Two optional packages (the ``fast`` extra, ``pip install 'careengine[fast]'``; ``make`` installs it)
speed up the two most expensive pure-Python phases of an evaluation; each path gives exactly the
same result as the pure-Python one, so a plan is byte for byte the same either way:

* ``jsonschema-rs`` checks whether an assessment is valid against its schema
  (:mod:`careengine.io.schema_fast`); only an invalid one goes through ``jsonschema``, which
  writes today's located messages;
* ``orjson`` writes the plan's JSON text (:mod:`careengine.render.plan_fast`) wherever it spells
  the text as :func:`json.dumps` does; the pure writer does the rest.

``CAREENGINE_PURE_PYTHON=1`` turns both off (the test suite runs each path so); a package that is
not installed (Python 3.13+ without wheels, say) is simply not used. ``python -m
careengine.speedups`` prints which paths are active. The packages are imported only when first
needed, never when ``careengine`` is imported, so the start-up of the command line is not slowed.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from collections.abc import Mapping
from types import ModuleType

#: set to anything but ``""`` or ``"0"`` to use the pure-Python paths only
PURE_PYTHON = "CAREENGINE_PURE_PYTHON"

#: the optional packages, by import name, with their distribution names
PACKAGES = {"jsonschema_rs": "jsonschema-rs", "orjson": "orjson"}


def pure_python(environ: Mapping[str, str] | None = None) -> bool:
    """Whether ``CAREENGINE_PURE_PYTHON`` turns the fast paths off."""
    env = os.environ if environ is None else environ
    return env.get(PURE_PYTHON, "") not in ("", "0")


def optional(name: str, environ: Mapping[str, str] | None = None) -> ModuleType | None:
    """The module ``name`` (one of :data:`PACKAGES`), or ``None`` when it is not installed or
    the pure-Python paths are forced."""
    if pure_python(environ):
        return None
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def available(name: str, environ: Mapping[str, str] | None = None) -> bool:
    """Whether :func:`optional` would give the module ``name``: not forced off, and installed
    (found without importing it). An engine asks once, so that a plan written where the package
    is missing does not search for it again (a failed import costs a search of ``sys.path``)."""
    if pure_python(environ):
        return False
    if name in sys.modules:  # ``None`` there: imports of it fail
        return sys.modules[name] is not None
    return importlib.util.find_spec(name) is not None


def active(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Each optional package's state: its version when in use, ``"not installed"``, or
    ``"off (CAREENGINE_PURE_PYTHON)"``."""
    from importlib.metadata import PackageNotFoundError, version

    out: dict[str, str] = {}
    for name, dist in sorted(PACKAGES.items()):
        if pure_python(environ):
            out[dist] = f"off ({PURE_PYTHON})"
        elif optional(name, environ) is None:
            out[dist] = "not installed"
        else:
            try:
                out[dist] = version(dist)
            except PackageNotFoundError:  # pragma: no cover - importable without metadata
                out[dist] = "installed"
    return out


def main() -> None:
    for dist, state in active().items():
        print(f"{dist}: {state}")


if __name__ == "__main__":
    main()
