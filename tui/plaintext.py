"""Strings from a cluster, a config or a keyboard, made safe to show on a terminal.

Cluster data is text, never instructions: before any such string reaches a terminal (the
Textual screen, a headless verb's output, a notification) its control characters are
replaced by visible escapes, so an OSC 52 in a crm_mon stderr cannot write the clipboard, a
CR cannot overwrite a line, and a bidi override cannot reorder what the operator reads.

    one_line(s)   for a field (a node name, an exit reason): every control, newlines too
    multi_line(s) for command output and messages: keeps "\\n" (and tabs), escapes the rest

Markup is the other half and is not handled here: the UI renders these strings with
markup off (rich Text / Content objects, `markup=False`), never as markup source.
JSON output stays exact: it is encoded with ensure_ascii, never passed through these.

Pure stdlib, importable from every layer.
"""

from __future__ import annotations

import re

# C0 controls, DEL, C1 controls; bidi embeddings/overrides/isolates and marks; the Unicode
# line and paragraph separators (terminals and some viewers break lines on them); BOM/ZWNBSP;
# lone surrogates (non-UTF-8 bytes decoded with surrogateescape: printing them raises).
_FORMAT = "\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff"
_ONE_LINE = re.compile(f"[\x00-\x1f{_FORMAT}]")
_MULTI_LINE = re.compile(f"[\x00-\x08\x0b-\x1f{_FORMAT}]")  # keeps tab and newline
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\e"}

# a field longer than this is cut (with its full length said) where it is shown on one line
FIELD_LIMIT = 4096


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: the byte it stands for
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def one_line(value: object, limit: int | None = FIELD_LIMIT) -> str:
    """`value` as one safe line: every control character (newline included) escaped."""
    text = "" if value is None else str(value)
    if limit is not None and len(text) > limit:
        text = f"{text[:limit]}… [{len(text)} chars]"
    if _ONE_LINE.search(text) is None:  # the common case costs one scan
        return text
    return _ONE_LINE.sub(_escape, text)


def multi_line(value: object) -> str:
    """`value` with its line breaks and tabs kept and every other control escaped."""
    text = "" if value is None else str(value)
    text = text.replace("\r\n", "\n")
    if _MULTI_LINE.search(text) is None:
        return text
    return _MULTI_LINE.sub(_escape, text)


def is_safe(text: str, *, lines: bool = False) -> bool:
    """True when `text` holds no character one_line (or multi_line, lines=True) would escape."""
    return (_MULTI_LINE if lines else _ONE_LINE).search(text) is None


def is_utf8_text(value: str) -> bool:
    """False for a str that carries bytes that are not UTF-8 (surrogate-escaped by argparse)."""
    try:
        value.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False
