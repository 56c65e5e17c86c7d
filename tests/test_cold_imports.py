"""What a cold start imports (issue 16): ``import careengine`` loads none of the engine, and
``careengine evaluate`` (JSON in, JSON out) loads neither the batch machinery, nor the
explanation, nor the HTML, Markdown, text or FHIR writers, nor durable-rules when the python
backend is chosen. Each check runs in a fresh interpreter and reads ``sys.modules``; the cost
itself is measured by ``python -X importtime`` (docs/performance.md), never timed here."""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "assessments" / "desk-worker.json"

#: modules ``careengine evaluate`` (JSON in, JSON out) has no use for
NOT_FOR_EVALUATE = (
    "careengine.batch",
    "careengine.render.explain",
    "careengine.render.html",
    "careengine.render.markdown",
    "careengine.render.text",
    "careengine.render.fhir",
    "careengine.fhir",
    "careengine.io.fhir",
)


def _loaded_after(code: str) -> set[str]:
    """The modules loaded after running ``code`` in a fresh interpreter (its stdout is
    discarded; the module names come back on stderr as JSON)."""
    script = (
        f"{code}\nimport json, sys\nsys.stdout.flush()\n"
        "sys.stderr.write(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    loaded: list[str] = json.loads(done.stderr.strip().splitlines()[-1])
    return set(loaded)


def _under(loaded: set[str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted(m for m in loaded if any(m == p or m.startswith(f"{p}.") for p in prefixes))


def _evaluate(*options: str) -> str:
    args = ["evaluate", str(EXAMPLE), *options]
    return (
        "from careengine.cli import main\n"
        "try:\n"
        f"    main({args!r})\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
    )


def test_import_careengine_loads_no_engine() -> None:
    loaded = _loaded_after("import careengine")
    heavy = ("jsonschema", "careengine.engine", "careengine.model", "careengine.plugins.host")
    assert _under(loaded, heavy) == []
    assert _under(loaded, NOT_FOR_EVALUATE) == []


def test_the_package_names_still_resolve() -> None:
    """The lazy names of ``careengine`` and ``careengine.plugins`` (PEP 562) are the real ones."""
    import careengine
    import careengine.plugins
    from careengine.engine import Engine
    from careengine.errors import PluginError
    from careengine.plugins.host import get_plugin_manager
    from careengine.version import __version__

    assert careengine.Engine is Engine
    assert careengine.PluginError is PluginError
    assert careengine.__version__ == __version__
    assert careengine.plugins.get_plugin_manager is get_plugin_manager
    assert set(careengine.__all__) <= set(dir(careengine))
    for module in (careengine, careengine.plugins):
        for name in module.__all__:
            assert getattr(module, name) is not None
        with pytest.raises(AttributeError):
            module.no_such_name  # noqa: B018


def test_importing_a_plugins_submodule_does_not_load_the_host() -> None:
    loaded = _loaded_after("import careengine.plugins.hookspecs")
    assert "careengine.plugins.host" not in loaded


def test_evaluate_loads_no_writer_it_does_not_use() -> None:
    loaded = _loaded_after(_evaluate())
    assert "careengine.engine" in loaded  # the check would pass vacuously otherwise
    assert _under(loaded, NOT_FOR_EVALUATE) == []


def test_evaluate_with_the_python_backend_loads_no_durable_rules() -> None:
    loaded = _loaded_after(_evaluate("--backend", "python"))
    assert "careengine.rules.python_backend" in loaded
    assert (
        _under(loaded, ("durable", "durable_rules_engine", "careengine.rules.durable_backend"))
        == []
    )


def test_evaluate_of_a_valid_file_loads_no_jsonschema_when_jsonschema_rs_checks_it() -> None:
    """jsonschema (its import and validator build are the largest import cost) is needed only to
    word the problems of invalid input; the fast path recognises valid input without it."""
    pytest.importorskip("jsonschema_rs")
    loaded = _loaded_after(_evaluate())
    assert "jsonschema_rs" in loaded  # the fast path ran: the check is not vacuous
    assert _under(loaded, ("jsonschema",)) == []


def test_an_invalid_file_still_gets_jsonschema_s_located_problems() -> None:
    loaded = _loaded_after(
        "from careengine import Engine\n"
        "from careengine.errors import AssessmentError\n"
        "engine = Engine(entry_points=False)\n"
        "try:\n"
        "    engine.load_assessment({'patient': {'id': 'p'}, 'findings': [{'code': 7}]})\n"
        "except AssessmentError as error:\n"
        "    assert 'findings[0].code' in str(error), str(error)\n"
        "else:\n"
        "    raise AssertionError('accepted')\n"
    )
    assert "jsonschema" in loaded


def test_no_core_or_built_in_plugin_adds_commands() -> None:
    """The CLI looks for ``careengine_commands`` among the installed entry points only (no
    second host of the built-in knowledge base); that is right while no core or built-in plugin
    implements the hook."""
    from careengine.plugins.host import CORE_PLUGINS, default_plugins

    for name in (*CORE_PLUGINS, *default_plugins()):
        module = importlib.import_module(name)
        assert not hasattr(module, "careengine_commands"), name


def test_the_xml_character_class_is_the_complement_of_what_xml_allows() -> None:
    """``safe_text``'s XML class, spelled as a complement (cheap to compile), matches exactly
    the characters XML 1.0 does not allow."""
    from careengine.render.safe_text import _NOT_XML

    allowed = re.compile(r"[\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        assert (_NOT_XML.match(char) is None) == (allowed.match(char) is not None), hex(code)
