"""Plans: every change to a cluster is an ordered list of Steps, as data.

The same Plan is previewed by the TUI, printed by `pcmk-console plan` and executed by
`tui.ops.apply`. A Step names its host and exact argv, so what the user confirms is what runs.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from tui.remote.secret import Secret

Argv = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Step:
    title: str
    argv: Argv
    host: str | None = None  # None: any reachable cluster node of the cluster
    mutates: bool = True
    stdin: bytes | Secret | None = None
    precondition: Argv | None = None  # must exit 0 before the step runs
    verify: Argv | None = None  # must exit 0 after it ran
    undo: Argv | None = None

    def command_line(self) -> str:
        """The step as the user sees it; secret stdin is named, never shown."""
        line = shlex.join(self.argv)
        if isinstance(self.stdin, Secret):
            line += f"  < {self.stdin!r}"
        return line


@dataclass(frozen=True, slots=True)
class Plan:
    title: str
    steps: tuple[Step, ...]

    @property
    def mutates(self) -> bool:
        return any(step.mutates for step in self.steps)

    def describe(self) -> str:
        lines = [self.title]
        for number, step in enumerate(self.steps, 1):
            where = step.host or "(cluster)"
            lines.append(f"  {number}. {step.title}")
            lines.append(f"     [{where}] $ {step.command_line()}")
        return "\n".join(lines)
