"""One corpus of hostile strings, shared by every test of "cluster data is text".

Each is a value a cluster, a config or a keyboard could hand the console: Rich/Textual
markup and actions, terminal escapes (CSI, OSC title and clipboard), C1 controls, bidi
overrides, newlines and CR, shell metacharacters, and a 100k-character string.
"""

from __future__ import annotations

import re

MARKUP = (
    "Couldn't find device [/dev/sdb1]",
    "[/",
    "[bold red]not bold[/bold red]",
    "[@click=app.screenshot('/tmp/pwned')]click me[/]",
    "[@click=screen.confirm]OK[/]",
    "[link=file:///etc/shadow]x[/link]",
    "$variable [b]",
    "\\[escaped]",
)
ESCAPES = (
    "\x1b]0;PWNED TITLE\x07",
    "\x1b[2J\x1b[H",
    "\x1b]52;c;cHduZWQ=\x07",
    "red\x1b[31mtext\x1b[0m",
    "\x9b2J",  # C1 CSI
    "\x9d0;c1 title\x9c",  # C1 OSC ... ST
    "bell\x07 backspace\x08 del\x7f nul\x00",
)
LAYOUT = (
    "line1\nline2",
    "over\rwrite",
    "bidi \u202eevil\u202c end",
    "isolate \u2066x\u2069",
    "sep\u2028arator",
    "tab\there",
)
SHELL = (
    "$(touch /tmp/pwned)",
    "`id`",
    "a; rm -rf /",
    "'quoted' \"double\" \\back",
    "--option-like",
    "*glob?",
)
HUGE = ("x" * 100_000,)

ALL: tuple[str, ...] = MARKUP + ESCAPES + LAYOUT + SHELL + HUGE

# bytes that must never reach a terminal raw from cluster data
_RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def raw_controls(text: str) -> list[str]:
    """The raw control characters in terminal output (tab and newline allowed)."""
    return _RAW_CONTROL.findall(text)


def short(value: str) -> str:
    """A corpus value as a readable test id."""
    return ascii(value[:24]) + (f"+{len(value)}" if len(value) > 24 else "")


def poison(obj, value: str, _memo: dict[str, str] | None = None):
    """`obj` (a model dataclass tree: Snapshot, Node, ...) with every str field, tuple item
    and mapping key/value replaced by `value` plus a suffix unique to the original string, so
    ids stay distinct and references (a resource's node names) still match. Enums (NodeKind,
    ...) and numbers are kept: only free text is hostile."""
    import dataclasses
    import enum
    from types import MappingProxyType

    memo: dict[str, str] = _memo if _memo is not None else {}

    def text(original: str) -> str:
        if original not in memo:
            memo[original] = f"{value}{len(memo) + 1}"
        return memo[original]

    def walk(item):
        if isinstance(item, enum.Enum) or item is None or isinstance(item, (bool, int, float)):
            return item
        if isinstance(item, str):
            return text(item)
        if isinstance(item, tuple):
            return tuple(walk(i) for i in item)
        if isinstance(item, (dict, MappingProxyType)):
            return MappingProxyType({walk(k): walk(v) for k, v in item.items()})
        if dataclasses.is_dataclass(item):
            changes = {f.name: walk(getattr(item, f.name)) for f in dataclasses.fields(item)}
            return dataclasses.replace(item, **changes)
        return item

    return walk(obj)
