"""The state directory (action log, read log, output files): private, or not used at all.

It holds what the console ran and what that printed, so it must be ours and closed to group
and others. `prepare(path)` makes it (0700), tightens one we own that is open to others, and
refuses — with StateDirError, one line naming the path — one we cannot make or do not own.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

STATE_DIR_ENV = "PCMK_CONSOLE_STATE_DIR"


class StateDirError(Exception):
    """The state directory cannot be used; the message names it and says why."""


def prepare(path: Path | str) -> Path:
    path = Path(path)
    hint = f"set {STATE_DIR_ENV} to a directory of your own"
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        info = path.stat()
    except OSError as exc:
        raise StateDirError(f"cannot create the state directory {path}: "
                            f"{exc.strerror or exc} ({hint})") from None
    if not stat.S_ISDIR(info.st_mode):
        raise StateDirError(f"the state directory {path} is not a directory ({hint})")
    if info.st_uid != os.geteuid():
        raise StateDirError(f"the state directory {path} belongs to uid {info.st_uid}, not to "
                            f"you (uid {os.geteuid()}): refusing to keep the action log there ({hint})")
    if info.st_mode & 0o077:
        try:
            os.chmod(path, 0o700)
        except OSError as exc:
            raise StateDirError(f"the state directory {path} is open to group or others "
                                f"(mode {stat.S_IMODE(info.st_mode):04o}) and cannot be closed: "
                                f"{exc.strerror or exc} ({hint})") from None
    return path
