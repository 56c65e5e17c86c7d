"""The ``CAREENGINE_*`` environment settings of an engine, read in one place.

The command line and :meth:`careengine.engine.Engine.from_env` both read them here, so a service
configured by the same environment as the command line builds the same engine and gives the same
plan, byte for byte (docs/embedding.md):

* ``CAREENGINE_PLUGINS``: comma-separated plugin or distribution names; when set, only these
  installed (entry-point) and extra plugins load (``allow``). Built-in plugins are not affected.
* ``CAREENGINE_DISABLE_PLUGINS``: comma-separated plugin or distribution names never to load,
  built-ins included (``block``).
* ``CAREENGINE_OPTIONS``: comma-separated ``NAME=VALUE`` clinic options
  (:mod:`careengine.plugins.options`), e.g. ``startback_pathway=full`` (``options``).

``CAREENGINE_DEBUG=1`` is a command-line matter only (it shows the traceback of an error instead
of one line per problem); a library caller always gets the exception itself.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from careengine.plugins.options import parse_options

PLUGINS = "CAREENGINE_PLUGINS"
DISABLE_PLUGINS = "CAREENGINE_DISABLE_PLUGINS"
DEBUG = "CAREENGINE_DEBUG"
OPTIONS = "CAREENGINE_OPTIONS"


def env_list(environ: Mapping[str, str], name: str) -> tuple[str, ...]:
    """The comma-separated names of one variable, stripped, empty ones dropped."""
    return tuple(p.strip() for p in environ.get(name, "").split(",") if p.strip())


def plugin_filters(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """``allow`` (``None`` when ``CAREENGINE_PLUGINS`` is unset or empty) and ``block``: the
    plugin host's part of :func:`engine_settings`."""
    env = os.environ if environ is None else environ
    return {"allow": env_list(env, PLUGINS) or None, "block": env_list(env, DISABLE_PLUGINS)}


def engine_settings(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The :class:`~careengine.engine.Engine` keyword arguments the environment sets: ``allow``
    and ``block`` (:func:`plugin_filters`) and ``options``.

    :raises ConfigurationError: an entry of ``CAREENGINE_OPTIONS`` that is not ``NAME=VALUE``.
    """
    env = os.environ if environ is None else environ
    options = parse_options(env_list(env, OPTIONS), where=OPTIONS)
    return {**plugin_filters(env), "options": options}


def debug(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the command line shows tracebacks (``CAREENGINE_DEBUG=1``)."""
    env = os.environ if environ is None else environ
    return env.get(DEBUG) == "1"
