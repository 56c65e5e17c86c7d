"""Configuration files (rule packs, reassessment gates, golden case files) read only when they are
regular files: a FIFO, a device or a socket given by mistake is refused instead of blocking."""

from __future__ import annotations

import os
import stat
from pathlib import Path


class NotRegularFile(OSError):
    """A path that is a FIFO, a device, a socket or a directory where a file was expected."""


def _file_kind(mode: int) -> str | None:
    """What a non-regular file is, for messages; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    kinds = (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    )
    return next((name for test, name in kinds if test(mode)), "not a file")


def read_regular_file(path: Path) -> bytes:
    """The bytes of a configuration file (a pack, gates or case file), which must be a regular file.

    A FIFO, a device or a socket is refused before it is opened for reading (a FIFO would block
    until some writer appears, a device may never end); the file is opened without blocking and
    checked again, so a path swapped for a FIFO in between is refused as well.

    :raises NotRegularFile: the path is not a regular file (the message says what it is).
    :raises OSError: the file cannot be read.
    """
    kind = _file_kind(os.stat(path).st_mode)
    if kind is not None:
        raise NotRegularFile(kind)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as stream:
        kind = _file_kind(os.fstat(fd).st_mode)
        if kind is not None:
            raise NotRegularFile(kind)
        return stream.read()
