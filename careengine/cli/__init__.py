"""The ``careengine`` command line. Thin: it parses, calls the library, renders, maps errors.

Exit codes: 0 success (a plan with status ``referral`` is a success), 1 rules or plugins broken,
2 invalid input or usage. Errors are printed one line per problem on stderr, never as a
traceback unless ``CAREENGINE_DEBUG=1``; a line break or control character inside a problem (from
a file name, say) is neutralised, so one problem is always one line. Every output file is written
atomically (:mod:`careengine.io.atomic_write`).

:mod:`~careengine.cli.app` holds the group, the shared options and ``main``; each command group
has its module, imported here so that its commands join the group. The names of the command line
(``cli``, ``main``, ``build_engine``, ``guarded``, the options, the commands) are importable from
``careengine.cli`` as before the split.
"""

from __future__ import annotations

from careengine.cli.app import (
    CareEngineGroup,
    FormatOption,
    PlanChoice,
    allow_unknown_option,
    build_engine,
    cli,
    clinic_options,
    engine_options,
    fail,
    format_option,
    guarded,
    json_option,
    main,
    plan_options,
    plugin_filters,
    programme_options,
    renderer_for,
)
from careengine.cli.batch_command import batch, engine_spec
from careengine.cli.catalog_commands import catalog_command, schema_command
from careengine.cli.feedback_command import feedback, feedback_report
from careengine.cli.plan_commands import evaluate, explain_command, reassess
from careengine.cli.plugin_commands import plugins, plugins_list
from careengine.cli.rules_commands import rules, rules_lint, rules_test
from careengine.cli.serve_command import serve

__all__ = [
    "CareEngineGroup",
    "FormatOption",
    "PlanChoice",
    "allow_unknown_option",
    "batch",
    "build_engine",
    "catalog_command",
    "cli",
    "clinic_options",
    "engine_options",
    "engine_spec",
    "evaluate",
    "explain_command",
    "fail",
    "feedback",
    "feedback_report",
    "format_option",
    "guarded",
    "json_option",
    "main",
    "plan_options",
    "plugin_filters",
    "plugins",
    "plugins_list",
    "programme_options",
    "reassess",
    "renderer_for",
    "rules",
    "rules_lint",
    "rules_test",
    "schema_command",
    "serve",
]
