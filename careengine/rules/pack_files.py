"""Rule pack files on disk: directories expanded to their ``*.toml`` files (each is then read by
:func:`careengine.io.regular_files.read_regular_file`)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def expand(paths: Iterable[tuple[Path, str]]) -> list[tuple[Path, str]]:
    """Directories become their ``*.toml`` files (recursively, sorted)."""
    out: list[tuple[Path, str]] = []
    for path, plugin in paths:
        if path.is_dir():
            out.extend((p, plugin) for p in sorted(path.rglob("*.toml")))
        else:
            out.append((path, plugin))
    return out
