"""A plugin's ``careengine_*`` functions that careengine would never call: marked ``@hookimpl``
under a name that is no hook (a misspelling), or named like a hook but not marked."""

from __future__ import annotations

import inspect

from careengine.errors import suggest
from careengine.plugins import hookspecs


def unmarked_hooks(plugin: object) -> list[str]:
    """The problems of a plugin's ``careengine_*`` functions that careengine would never call,
    sorted by function name (see :meth:`PluginHost.check_pending`)."""
    problems = []
    known = hookspecs.HOOK_NAMES
    for attr in sorted(dir(plugin)):
        if not attr.startswith("careengine_"):
            continue
        value = getattr(plugin, attr, None)
        if not inspect.isroutine(value):
            continue
        marked = getattr(value, f"{hookspecs.PROJECT}_impl", None) is not None
        if marked and attr in known:
            continue
        hint = suggest(attr, known)
        did_you_mean = f" (did you mean {hint}?)" if hint else ""
        if not marked and attr in known:
            problems.append(
                f"function {attr} is not marked @hookimpl, so it would never be called "
                "(decorate it with @careengine.hookimpl)"
            )
        elif marked:
            problems.append(
                f"unknown hook {attr!r} in function {attr}{did_you_mean} "
                f"(known hooks: {', '.join(known)})"
            )
        else:
            problems.append(
                f"unknown hook {attr!r} in function {attr}{did_you_mean}, which is not marked "
                "@hookimpl either, so it would never be called (rename it, or drop the "
                "careengine_ prefix from a helper)"
            )
    return problems
