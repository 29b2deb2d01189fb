"""A real terminal for end-to-end tests: the console runs in its own tmux server."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
import uuid
from pathlib import Path


class TmuxTerminal:
    def __init__(self, command: list[str], *, width: int = 160, height: int = 48, env: dict[str, str] | None = None):
        if not shutil.which("tmux"):
            raise RuntimeError("tmux is not installed")
        # a private server socket: never touches a user's tmux sessions
        self.socket = f"pcmk-test-{uuid.uuid4().hex[:10]}"
        self.env = dict(os.environ, TERM="xterm-256color", **(env or {}))
        self.env.pop("TMUX", None)
        self._tmux("new-session", "-d", "-s", "t", "-x", str(width), "-y", str(height), shlex.join(command))

    def _tmux(self, *args: str) -> str:
        proc = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, env=self.env, timeout=30)
        if proc.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)}: {proc.stderr.strip()}")
        return proc.stdout

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", "t")

    def send(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", "t", *keys)

    def type(self, text: str) -> None:
        self._tmux("send-keys", "-t", "t", "-l", text)

    def wait_for(self, *texts: str, timeout: float = 20.0, gone: bool = False) -> str:
        """Poll the screen until every text is on it (or, with gone=True, none is)."""
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            try:
                screen = self.screen()
            except RuntimeError:
                screen = ""
            present = [t in screen for t in texts]
            if (not gone and all(present)) or (gone and not any(present)):
                return screen
            time.sleep(0.2)
        raise AssertionError(f"waited {timeout}s for {texts!r} ({'gone' if gone else 'shown'}); screen was:\n{screen}")

    def alive(self) -> bool:
        try:
            return self._tmux("list-panes", "-t", "t", "-F", "#{pane_dead}").strip() == "0"
        except RuntimeError:
            return False

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=30)


def console_command(*args: str) -> list[str]:
    exe = Path(shutil.which("pcmk-console") or Path(os.sys.executable).parent / "pcmk-console")
    return [str(exe), *args]
