"""Plans: every change to a cluster is an ordered list of Steps, as data.

The same Plan is previewed by the TUI, printed by `pcmk-console plan` and executed by
`tui.ops.apply`. A Step names its host and exact argv, so what the user confirms is what runs.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from tui.plaintext import one_line
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

    def describe(self, default_host: str | None = None) -> str:
        """The plan as printed: each step, the node it runs on (a step without its own host
        runs on default_host, the cluster node that answered last) and its exact command.
        Names from the cluster are shown terminal-safe; the argv itself is unchanged."""
        lines = [one_line(self.title)]
        for number, step in enumerate(self.steps, 1):
            where = step.host or default_host
            lines.append(f"  {number}. {one_line(step.title)}")
            command = one_line(step.command_line(), None)  # the whole command, never cut
            lines.append(f"     [{one_line(where) if where else 'a cluster node'}] $ {command}")
        return "\n".join(lines)
