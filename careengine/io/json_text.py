"""JSON text in: the size limit, decoding, parsing with located errors (duplicate keys, text that
is not Unicode), reading input files, and the forms a library caller may pass an input in.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from careengine.errors import AssessmentError, Problem

MAX_BYTES = 5 * 1024 * 1024
NOT_UNICODE = "is not valid Unicode text (a lone surrogate or bytes that are not UTF-8)"
#: one step of a JSON path: ``[2]`` or ``.code``
_SEGMENT = re.compile(r"\[(\d+)\]|\.?([^.\[\]]+)")


def format_path(segments: Iterable[str | int]) -> str:
    """``["findings", 2, "code"]`` -> ``findings[2].code``; the document itself is ``$``. A key
    that is not valid Unicode text is shown escaped (``\\ud800``), so the path can be printed."""
    out = ""
    for seg in segments:
        if isinstance(seg, int):
            out += f"[{seg}]"
        else:
            key = printable(str(seg))
            out += f".{key}" if out else key
    return out or "$"


def parse_path(path: str | None) -> list[str | int]:
    if not path or path == "$":
        return []
    return [int(m[1]) if m[1] is not None else m[2] for m in _SEGMENT.finditer(path)]


def shown(value: Any) -> str:
    """A value for a message, shortened when it is very long."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:20]}...({len(text)} characters)"


#: At most this many duplicate-key and bad-text problems are listed for one document.
MAX_TEXT_PROBLEMS = 100
#: a JSON ``\\u`` escape of a UTF-16 surrogate (``\\ud800``): only then can a str hold one
_SURROGATE_ESCAPES = ("\\ud", "\\uD")


class _Duplicates(dict):  # type: ignore[type-arg]
    """A JSON object that named a key more than once (only built on the error path)."""

    duplicates: list[str]


def encodable(text: str) -> bool:
    """Whether ``text`` is valid Unicode that UTF-8 can encode (no lone surrogate)."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def printable(text: str) -> str:
    """``text`` safe to print and to write as UTF-8: a lone surrogate becomes its escape
    (``\\ud800``)."""
    return text if encodable(text) else text.encode("utf-8", "backslashreplace").decode("utf-8")


def display_name(path: Path) -> str:
    """A file's name for messages and reports (a name that is not UTF-8 is shown escaped)."""
    name = path.name
    if encodable(name):
        return name
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def _decode(data: bytes, file: str | None) -> tuple[str, bool]:
    """JSON bytes as text (UTF-8, or UTF-16/32 as RFC 8259's detection finds them; a leading
    BOM is dropped), and whether some bytes did not decode: those are kept as lone surrogates
    (``surrogateescape``) so that the text around them can still be parsed and located."""
    encoding = json.detect_encoding(data)
    try:
        return data.decode(encoding), False
    except UnicodeDecodeError as strict:
        try:
            return data.decode(encoding, "surrogateescape"), True
        except UnicodeDecodeError:
            raise AssessmentError(
                "unreadable JSON",
                file=file,
                problems=[
                    Problem(
                        file=file,
                        path="$",
                        message=f"is not {encoding.upper()} text: byte {strict.start} "
                        f"({strict.reason})",
                    )
                ],
            ) from strict


def _text_problems(data: Any, file: str | None) -> list[Problem]:
    """Duplicate keys and text that is not valid Unicode, each at its JSON path, in document
    order (a walk over the parsed document, only made when the parse saw such a thing)."""
    problems: list[Problem] = []
    # (value, path, is_key): a key is visited just before its value, so problems come in
    # document order
    stack: list[tuple[Any, tuple[str | int, ...], bool]] = [(data, (), False)]
    while stack and len(problems) <= MAX_TEXT_PROBLEMS:
        node, where, is_key = stack.pop()
        children: list[tuple[Any, tuple[str | int, ...], bool]] = []
        if is_key:
            problems.append(
                Problem(
                    file=file,
                    path=format_path(where),
                    message=f"the key {shown(node)} {NOT_UNICODE}",
                )
            )
        elif isinstance(node, dict):
            for key in getattr(node, "duplicates", ()):
                at = format_path((*where, printable(key)))
                problems.append(Problem(file=file, path=at, message=f"duplicate key {shown(key)}"))
            for key, value in node.items():
                at_key = (*where, printable(key))
                if not encodable(key):
                    children.append((key, at_key, True))
                children.append((value, at_key, False))
        elif isinstance(node, list):
            children = [(value, (*where, i), False) for i, value in enumerate(node)]
        elif isinstance(node, str) and not encodable(node):
            problems.append(
                Problem(file=file, path=format_path(where), message=f"{shown(node)} {NOT_UNICODE}")
            )
        stack.extend(reversed(children))
    if len(problems) > MAX_TEXT_PROBLEMS:
        problems[MAX_TEXT_PROBLEMS:] = [
            Problem(file=file, path="$", message="has more such problems (not listed)")
        ]
    return problems


def parse_json(text: str | bytes, *, file: str | None = None) -> Any:
    """Parse JSON input (a file's bytes, or text), refusing what would lose or garble data.

    Besides malformed JSON, a document is refused when an object names a key twice (JSON
    parsers disagree on which value wins, so careengine takes neither) or when a string or key
    is not valid Unicode text (a ``\\ud800`` escape without its pair, bytes that are not
    UTF-8): each such problem is reported at its JSON path. A UTF-8 byte order mark at the start
    of the bytes is accepted.
    """
    if len(text) > MAX_BYTES:
        raise AssessmentError(
            "input too large",
            file=file,
            problems=[Problem(file=file, path="$", message=f"is larger than {MAX_BYTES} bytes")],
        )
    if isinstance(text, bytes):
        text, suspect = _decode(text, file)
    else:
        suspect = not encodable(text)
    suspect = suspect or any(escape in text for escape in _SURROGATE_ESCAPES)
    duplicated: list[bool] = []

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) == len(pairs):
            return obj
        duplicated.append(True)
        seen: set[str] = set()
        marked = _Duplicates(obj)
        marked.duplicates = []
        for key, _ in pairs:
            if key in seen and key not in marked.duplicates:
                marked.duplicates.append(key)
            seen.add(key)
        return marked

    try:
        data = json.loads(text, object_pairs_hook=pairs_hook)
    except json.JSONDecodeError as exc:
        raise AssessmentError(
            "malformed JSON",
            file=file,
            problems=[
                Problem(
                    file=file,
                    path="$",
                    message=f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}",
                )
            ],
        ) from exc
    except RecursionError as exc:
        raise AssessmentError(
            "input nested too deeply",
            file=file,
            problems=[Problem(file=file, path="$", message="is nested too deeply")],
        ) from exc
    except ValueError as exc:  # a number too long to convert
        raise AssessmentError(
            "unreadable JSON",
            file=file,
            problems=[Problem(file=file, path="$", message=f"is not readable JSON: {exc}")],
        ) from exc
    if duplicated or suspect:
        problems = _text_problems(data, file)
        if problems:
            raise AssessmentError("invalid JSON text", file=file, problems=problems)
    return data


def read_bounded(path: Path) -> bytes:
    """The bytes of a file, refusing (without reading it all) one larger than ``MAX_BYTES``."""
    with path.open("rb") as handle:
        data = handle.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        name = display_name(path)
        raise AssessmentError(
            "input too large",
            file=name,
            problems=[Problem(file=name, path="$", message=f"is larger than {MAX_BYTES} bytes")],
        )
    return data


def read_input(path: Path, reader: Callable[[Path], bytes] = read_bounded) -> bytes:
    """The bytes of an input file (at most ``MAX_BYTES``); an unreadable file is an input error."""
    try:
        return reader(path)
    except OSError as exc:
        raise AssessmentError(
            "cannot read",
            file=display_name(path),
            problems=[
                Problem(file=display_name(path), path="$", message=f"cannot read: {exc.strerror}")
            ],
        ) from exc


#: what a library caller may pass as an input (docs/embedding.md): parsed JSON data, JSON text
#: (a ``str`` that starts with ``{`` or ``[``), the bytes of a JSON document, or a file path
Source = Mapping[str, Any] | str | bytes | bytearray | os.PathLike[str]


def is_json_text(source: object) -> bool:
    """Whether a ``str`` input is JSON text rather than a file path: its first character other
    than white space is ``{`` or ``[`` (no file path given to careengine starts so; pass a
    :class:`~pathlib.Path` for one that does)."""
    return isinstance(source, str) and source.lstrip()[:1] in ("{", "[")


def source_file(source: object) -> str | None:
    """The file name an input's problems are reported under: a path's name, else ``None``."""
    if isinstance(source, os.PathLike) or (isinstance(source, str) and not is_json_text(source)):
        return display_name(Path(source))
    return None


def input_data(source: object, reader: Callable[[Path], bytes] = read_bounded) -> Any:
    """The JSON data of an input given in any of the forms of :data:`Source`: a mapping as it is,
    JSON text or bytes parsed, a path read (at most ``MAX_BYTES``) and parsed. Any other value is
    returned unchanged, for the reader to report at ``$`` (a list, a number, ``None``)."""
    if isinstance(source, dict):
        return source
    if isinstance(source, Mapping):
        return dict(source)
    if isinstance(source, bytes | bytearray):
        return parse_json(bytes(source))
    if is_json_text(source):
        return parse_json(str(source))
    if isinstance(source, str | os.PathLike):
        p = Path(source)
        name = display_name(p)
        try:
            return parse_json(read_input(p, reader), file=name)
        except ValueError as exc:  # a path the system refuses (an embedded NUL byte)
            raise AssessmentError(
                "cannot read",
                file=name,
                problems=[Problem(file=name, path="$", message=f"cannot read: {exc}")],
            ) from exc
    return source
