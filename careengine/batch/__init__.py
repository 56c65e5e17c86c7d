"""Evaluate many assessments: a directory of ``*.json`` files or one ``.jsonl`` file.

:func:`run_batch` writes ``OUTDIR/<stem>.plan.json`` per input (for JSONL,
``OUTDIR/<patient id>.plan.json``) and ``OUTDIR/batch-report.json``
(``{"ok": N, "failed": [{"input": ..., "error": ...}]}``, failures in input order). A bad input
is reported and the rest are still processed. The files written are the same whatever ``jobs``
is: each plan is a pure function of its input.

Inputs:

* a directory: its ``*.json`` files (not recursive) in name order, except ``*.plan.json`` and
  ``batch-report.json`` (so a directory can hold its own plans);
* a ``.jsonl`` file: one assessment per non-blank line (lines end at ``\\n`` only, see
  :func:`jsonl_lines`), named ``<file>:<line>`` in messages.
  The plan is named after ``patient.id``, which must be usable as a file name (letters, digits,
  ``.``, ``_``, ``-``; not starting with ``.``). A patient id that an earlier line already used
  (compared case-insensitively, as some file systems do) is an error for the later line: its
  plan would overwrite the earlier one.

Every file is written atomically (:mod:`careengine.io.atomic_write`). A rerun never leaves a plan
of an earlier run looking current: the earlier report is removed before the first plan is
written, and the plan file of an input that fails (including a plan that cannot be written) is
removed; files no input of this run names are left alone (docs/cli.md).

With ``jobs`` > 1 the work is shared by that many worker processes (:mod:`careengine.batch.workers`:
``fork`` where safe, else ``spawn``); each builds its :class:`~careengine.engine.Engine` once,
from an :class:`EngineSpec`, keeps it in a local variable of its loop (no module-level state),
writes the plans itself and reports one small :class:`Status` per input.

:mod:`~careengine.batch.inputs` finds the inputs, :mod:`~careengine.batch.pool` evaluates them
and writes their plans (here or in a worker process), :mod:`~careengine.batch.workers` runs the
worker processes and :mod:`~careengine.batch.run` prepares the output directory and writes the
report; their names are importable from ``careengine.batch``.
"""

from __future__ import annotations

from careengine.batch.inputs import PLAN_SUFFIX, REPORT_NAME, Task, collect_tasks, jsonl_lines
from careengine.batch.pool import EngineSpec, Outcome, Status, complete_task
from careengine.batch.run import BatchReport, Failure, run_batch
from careengine.batch.workers import WorkerError, start_method

__all__ = [
    "PLAN_SUFFIX",
    "REPORT_NAME",
    "BatchReport",
    "EngineSpec",
    "Failure",
    "Outcome",
    "Status",
    "Task",
    "WorkerError",
    "collect_tasks",
    "complete_task",
    "jsonl_lines",
    "run_batch",
    "start_method",
]
