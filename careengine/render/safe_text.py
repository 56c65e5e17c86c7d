"""Make text from a plan safe to print in each output format.

A plan's text comes from outside the engine: the patient id from the assessment, rationales,
alert messages, referral reasons, step texts and names from rule packs and plugins. None of it
may change the structure of an output:

* :func:`one_line` (plain text): terminal escape sequences (ANSI CSI/OSC and the like) and
  control characters (C0, DEL, C1, bidirectional overrides) are removed, and every line break
  becomes a space, so a field can neither forge a line of the output nor drive the terminal;
* :func:`markdown_inline` and :func:`markdown_code` (Markdown): the same, then every character
  that can start Markdown or HTML syntax is backslash-escaped, so a field cannot open a heading,
  a table cell, a link, an emphasis or an HTML tag;
* :func:`html_text` (HTML): control characters removed and everything escaped;
* :func:`xml_text` (the FHIR narrative's XHTML): the same, and every character XML 1.0 does not
  allow (lone surrogates, U+FFFE, U+FFFF, C0 controls) removed, so the ``div`` always parses.

Lone surrogates (which no encoding can write) become U+FFFD in text, Markdown and HTML.
"""

from __future__ import annotations

import html
import re

__all__ = [
    "clean_output",
    "html_text",
    "markdown_code",
    "markdown_inline",
    "one_line",
    "xml_text",
]

#: terminal escape sequences: CSI (``ESC [ ... final``), OSC/DCS/APC/PM/SOS strings (to BEL or
#: ESC \\ or the end of the text), and two-character escapes
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"
    r"|\x1b[\]P_^X][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[ -~]?"
    r"|\x9b[0-?]*[ -/]*[@-~]?"
)
_BREAKS = re.compile(r"\r\n|[\t\n\v\f\r\x1c-\x1e\x85\u2028\u2029]")
#: control characters (line breaks and tabs are handled before) and bidirectional overrides
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")
#: what XML 1.0 does not allow: every character outside ``\t \n \r \x20-\ud7ff \ue000-\ufffd
#: \U00010000-\U0010ffff``, spelled as the (equal) complement: the negated class with the astral
#: range took ~10 ms to compile at import (``re`` walks the whole BMP for it)
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: characters that can start Markdown (CommonMark/GFM) or HTML syntax inside a line
_MARKDOWN = re.compile(r"([\\`*_\[\]<>|#&~!])")
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:+-]*")


def one_line(text: str) -> str:
    """``text`` as one line with no escape sequence or control character."""
    text = _ESCAPES.sub("", text)
    text = _BREAKS.sub(" ", text)
    text = _CONTROLS.sub("", text)
    return _SURROGATES.sub("\ufffd", text)


def clean_output(text: str) -> str:
    """A whole rendered output with line breaks kept (``\\r\\n`` and ``\\r`` become ``\\n``) but
    no escape sequence or other control character: a last guard for terminals."""
    text = _ESCAPES.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[\v\f\x1c-\x1e\x85\u2028\u2029]", " ", text)
    text = _CONTROLS.sub("", text)
    return _SURROGATES.sub("\ufffd", text)


def markdown_inline(text: str) -> str:
    """``text`` as literal Markdown inline content on one line (also safe in a table cell)."""
    return _MARKDOWN.sub(r"\\\1", one_line(text))


def markdown_code(text: str) -> str:
    """A code (an intervention id, an alert code) as a code span; anything that is not a plain
    code is shown as escaped text instead, so that no backtick or pipe can break out."""
    text = one_line(text)
    return f"`{text}`" if _CODE.fullmatch(text) else markdown_inline(text)


def _markup(text: str) -> str:
    """Escape sequences and control characters but tab and newline removed; a lone carriage
    return and Unicode line separators become spaces (markup ignores line breaks anyway)."""
    text = _ESCAPES.sub("", text).replace("\r\n", "\n")
    text = text.replace("\r", " ").replace("\u2028", " ").replace("\u2029", " ")
    return _CONTROLS.sub("", text)


def html_text(text: str, quote: bool = True) -> str:
    """``text`` escaped for HTML content or a quoted attribute, without control characters."""
    return html.escape(_SURROGATES.sub("\ufffd", _markup(text)), quote=quote)


def xml_text(text: str) -> str:
    """``text`` escaped for XHTML, with every character XML 1.0 does not allow removed."""
    return html.escape(_NOT_XML.sub("", _markup(text)))
