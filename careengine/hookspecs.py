"""Deprecated: moved to :mod:`careengine.plugins.hookspecs`; import from there."""

from __future__ import annotations

from careengine.moved import forward

__getattr__ = forward(__name__, "careengine.plugins.hookspecs")
