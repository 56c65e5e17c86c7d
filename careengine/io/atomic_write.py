"""Write output files atomically: a reader sees the old file or the whole new one, never a part.

:func:`write_atomic` writes to a temporary file in the target's own directory (so that the final
rename never crosses a file system), flushes it to disk (``fsync``), then renames it over the
target with :func:`os.replace`. Any failure (an unwritable or missing directory, a full disk, a
target that is a directory) removes the temporary file, leaves the target as it was and raises
:class:`OutputError` (exit code 2) with one line naming the file and the reason.

The temporary file is created with mode ``0o666`` minus the process umask, like ``open(..., "w")``
would, so a new file gets the usual permissions; a file that is replaced keeps its permissions,
and a symbolic link keeps pointing where it did (the file it points to is replaced).
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from pathlib import Path

from careengine.errors import OutputError

__all__ = ["OutputError", "output_error", "remove_stale", "write_atomic"]

_ATTEMPTS = 16  # temporary names tried before giving up (a collision is vanishingly unlikely)


def _reason(exc: OSError) -> str:
    if exc.strerror:
        return exc.strerror
    if exc.errno is not None:
        return os.strerror(exc.errno)
    return str(exc) or type(exc).__name__


def output_error(path: str | Path, exc: OSError) -> OutputError:
    """The one-line error for an ``OSError`` raised while writing ``path``."""
    reason = _reason(exc)
    return OutputError(f"cannot write {path}: {reason}", reason=reason)


def _open_temporary(directory: Path, name: str) -> tuple[int, Path]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(_ATTEMPTS):
        temporary = directory / f".{name}.{secrets.token_hex(6)}.tmp"
        try:
            return os.open(temporary, flags, 0o666), temporary
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary file name", str(directory))


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX; a no-op where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(path: str | Path, content: str | bytes) -> None:
    """Replace ``path`` with ``content`` (text is written as UTF-8) atomically.

    :raises OutputError: the file could not be written; ``path`` is unchanged and no temporary
        file is left behind.
    """
    target = Path(path)
    try:
        data = content.encode("utf-8") if isinstance(content, str) else content
    except UnicodeEncodeError as exc:
        raise OutputError(
            f"cannot write {target}: the text holds a character UTF-8 cannot encode "
            f"(U+{ord(exc.object[exc.start]):04X} at position {exc.start})",
            reason="a character UTF-8 cannot encode",
        ) from exc
    if target.is_dir():
        raise output_error(target, IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR)))
    if target.is_symlink():  # write where the link points, as an in-place write would
        target = Path(os.path.realpath(target))
    try:
        mode: int | None = stat.S_IMODE(target.stat().st_mode)
    except OSError:
        mode = None  # a new file: 0o666 minus the umask
    directory = target.parent
    try:
        fd, temporary = _open_temporary(directory, target.name)
    except OSError as exc:
        raise output_error(target, exc) from exc
    try:
        if mode is not None and hasattr(os, "fchmod"):
            os.fchmod(fd, mode)  # keep the permissions of the file it replaces
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(exc, OSError):
            raise output_error(target, exc) from exc
        raise
    _sync_directory(directory)


def remove_stale(path: str | Path) -> str | None:
    """Remove a file left by an earlier run; the reason it could not be removed, or None."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        return "it is a directory"
    except OSError as exc:
        return _reason(exc)
    return None
