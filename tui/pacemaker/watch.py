"""The watcher: one long-lived command on a cluster node that says when the CIB changed.

crm_mon's live mode (not --one-shot) is told of every CIB change by pacemaker-based and
redraws then; idle, it does nothing (measured: tests/lab/README.md, "Live status"). Without a
terminal 2.1.5 keeps redrawing in --output-as=text but 3.0.0 prints once and exits, so the
script runs the curses mode on both (TERM=vt100, summary only), cuts its output at each
escape sequence and prints one line `@@<nonce> changed` per piece; the console debounces them
and runs its normal refresh. Like tui.pacemaker.refresh the script is fixed text and its only
argument, the per-call nonce, is a positional parameter, so no cluster output can forge a
line of ours.

crm_mon redraws at once only when it last redrew two or more wall-clock seconds before;
otherwise it waits for a 2 s timer. The console covers that with follow-up refreshes every
half second for 2 s after each redraw (tui.ui.app.WATCH_FOLLOW_UPS).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

# $1 = nonce. Lines: "ready" once, "changed" per piece of a redraw, "exit RC" when crm_mon
# ended (127: crm_mon or stdbuf missing). crm_mon's stdin is the channel's, kept open and
# silent (on EOF its curses mode spins at full CPU); the end of that stdin (the console
# closed the stream, died, or the connection dropped) kills the whole process group, which
# would otherwise live on until its next write into the closed pipe. stdbuf: tr must not
# hold a redraw in its buffer.
WATCH_SCRIPT = r"""n=$1
exec 3<&0 0</dev/null
{ while IFS= read -r _ <&3; do :; done; kill -TERM 0; } &
if ! command -v crm_mon >/dev/null || ! command -v stdbuf >/dev/null; then
  printf '@@%s exit 127\n' "$n"; kill -TERM 0; fi
printf '@@%s ready\n' "$n"
{ TERM=vt100 crm_mon --interval=500ms --exclude=all --include=summary <&3 2>/dev/null
  printf '\n@@%s exit %s\n' "$n" "$?"; } | stdbuf -o0 tr '\033' '\n' | while IFS= read -r line; do
  case $line in
    "@@$n "*) printf '%s\n' "$line" ;;
    ?*) printf '@@%s changed\n' "$n" ;;
  esac
done
kill -TERM 0
"""

SCRIPT_NAME = "pcmk-console-watch"

READY, CHANGED, EXIT = "ready", "changed", "exit"


def watch_argv(nonce: str | None = None) -> tuple[str, ...]:
    return ("sh", "-c", WATCH_SCRIPT, SCRIPT_NAME, nonce or secrets.token_hex(8))


def nonce_of(argv: tuple[str, ...]) -> str:
    return argv[4]


def is_watch(argv) -> bool:
    return len(argv) == 5 and tuple(argv[:4]) == ("sh", "-c", WATCH_SCRIPT, SCRIPT_NAME)


@dataclass(frozen=True, slots=True)
class WatchLine:
    kind: str  # READY, CHANGED or EXIT
    rc: int | None = None  # crm_mon's exit status, with EXIT


def format_line(nonce: str, kind: str, rc: int | None = None) -> str:
    """What the script prints (for transports that emulate it)."""
    return f"@@{nonce} {kind}" + (f" {rc}" if kind == EXIT else "")


def parse_line(line: str, nonce: str) -> WatchLine | None:
    """One of our lines, or None (anything else, a wrong nonce included, is not ours)."""
    words = line.rstrip("\r\n").split(" ")
    if not words or words[0] != f"@@{nonce}" or len(words) < 2:
        return None
    kind = words[1]
    if kind in (READY, CHANGED) and len(words) == 2:
        return WatchLine(kind)
    if kind == EXIT and len(words) == 3:
        rc = words[2]
        return WatchLine(EXIT, int(rc) if rc.lstrip("-").isdigit() else None)
    return None
