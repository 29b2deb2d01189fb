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
