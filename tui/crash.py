"""An unexpected error: one line for the user, the traceback in a crash file.

No traceback reaches the terminal. The file goes to the state directory (where the action
log lives); when that cannot be written, to a temporary file, and the line says where.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import TextIO

from tui.plaintext import one_line


def _write(directory: Path | None, text: str) -> Path:
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    prefix = f"crash-{stamp}-{os.getpid()}-"
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=".txt", dir=directory)  # mode 0600
    with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as out:
        out.write(text)
    return Path(name)


def crash_report(exc: BaseException, argv: list[str] | None = None, *, err: TextIO | None = None,
                 echo: bool = True) -> Path | None:
    """Write exc's traceback to a crash file and print the one line; returns the file.
    echo=False: write the file only (the TUI shows the line in a modal instead)."""
    from tui import __version__
    from tui.remote.actionlog import default_state_dir

    err = err or sys.stderr
    text = (
        f"pcmk-console {__version__} crashed at {time.strftime('%Y-%m-%d %H:%M:%S %Z')}\n"
        f"argv: {argv if argv is not None else sys.argv!r}\n\n"
        + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    )
    where: str
    path: Path | None = None
    try:
        path = _write(default_state_dir(), text)
        where = f"details in {path}"
    except Exception as state_error:  # no state dir: a temporary file, and say so
        try:
            path = _write(None, text)
            where = f"details in {path}; the state directory could not be written: {state_error}"
        except Exception as tmp_error:
            where = f"no crash file could be written: {tmp_error}"
    if not echo:
        return path
    line = f"pcmk-console: internal error: {type(exc).__name__}: {exc} ({where})"
    line = line.encode("utf-8", "backslashreplace").decode("utf-8")  # undecodable bytes shown
    try:
        print(one_line(line), file=err, flush=True)
    except Exception:
        pass
    return path
