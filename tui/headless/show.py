"""Cluster and operator strings as the headless verbs print them: terminal-safe, never raising.

`tui.plaintext` escapes control characters; on top of that, an argument that arrived as
bytes that are not UTF-8 (argparse hands them over surrogate-escaped) is shown as `\\xff`
instead of making print() raise UnicodeEncodeError.
"""

from __future__ import annotations

from tui.plaintext import multi_line, one_line


def visible(value: object) -> str:
    """`value` as a str that encodes as UTF-8: undecodable bytes become `\\xNN`."""
    text = "" if value is None else str(value)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a lone surrogate that is no escaped byte
        return text.encode("utf-8", "backslashreplace").decode("ascii")


def is_utf8_text(value: str) -> bool:
    """False for an argument that carried bytes that are not UTF-8."""
    try:
        value.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def field(value: object, limit: int | None = 4096) -> str:
    """One safe line (a node name, an exit reason, a host)."""
    return one_line(visible(value), limit)


def block(value: object) -> str:
    """Safe multi-line text (command output, the cluster's messages)."""
    return multi_line(visible(value))
