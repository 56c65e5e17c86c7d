"""A cache of parsed rule-pack TOML, beside Python's own bytecode cache.

Parsing the built-in packs with :mod:`tomllib` (pure Python) is the largest part of building an
engine after the imports, and a cold ``careengine evaluate`` builds one every time. The parsed
data of a pack is kept in the ``__pycache__`` directory next to it, when that directory exists
(Python made it for the package the pack lives in, as for ``careengine_rules``), under the same
trust as the ``.pyc`` files there: whoever can write that directory can already change the code.
A clinic's own ``--rules`` directory has no ``__pycache__`` and is never written to.

An entry holds the SHA-256 of the pack's exact text and its parsed data (:mod:`marshal`, the
format of ``.pyc`` files); it is used only when the digest matches the text being loaded, so an
edited pack is parsed again, and any entry that cannot be read is ignored. Nothing is written when
``sys.dont_write_bytecode`` is set (``PYTHONDONTWRITEBYTECODE``), or when the data holds
something :mod:`marshal` cannot keep (TOML dates); a failed write is ignored.
"""

from __future__ import annotations

import contextlib
import importlib.util
import marshal
import os
import sys
from pathlib import Path
from typing import Any


def cache_file(pack: Path) -> Path | None:
    """Where the parsed data of ``pack`` is kept, or ``None`` when it is not cached: the
    directory where Python keeps the bytecode of a module beside the pack (``__pycache__``, or
    its place under ``PYTHONPYCACHEPREFIX``), when that directory exists."""
    tag = sys.implementation.cache_tag
    if tag is None:
        return None
    try:
        directory = Path(importlib.util.cache_from_source(str(pack.with_suffix(".py")))).parent
    except ValueError:  # a path cache_from_source cannot map
        return None
    if not directory.is_dir():
        return None
    return directory / f"{pack.name}.{tag}.careengine"


def load(entry: Path | None, digest: str) -> dict[str, Any] | None:
    """The cached data of the text whose SHA-256 is ``digest``, or ``None``."""
    if entry is None:
        return None
    try:
        kept = marshal.loads(entry.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if (
        isinstance(kept, tuple)
        and len(kept) == 2
        and kept[0] == digest
        and isinstance(kept[1], dict)
    ):
        return kept[1]
    return None


def store(entry: Path | None, digest: str, data: dict[str, Any]) -> None:
    """Keep ``data`` for the text whose SHA-256 is ``digest`` (atomically; failures ignored)."""
    if entry is None or sys.dont_write_bytecode:
        return
    try:
        blob = marshal.dumps((digest, data))
    except ValueError:  # a value marshal cannot keep (a TOML date or time)
        return
    temporary = entry.with_name(f"{entry.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(blob)
        os.replace(temporary, entry)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()
