"""Plans: every change to a cluster is an ordered list of Steps, as data.

The same Plan is previewed by the TUI, printed by `pcmk-console plan` (tui.ops.render draws
both) and executed by tui.ops.engine. A Step names its host and its exact argv, so what the
user confirms is what runs.

Step kinds (every one has an id, a title, a host, a timeout, its secret inputs and an
optional `done` probe; the mutating ones an undo):

    RunStep        an argv, with an optional precondition (before) and verify (after); with
                   `output`, its stdout (bytes) goes into the run context under that key
    WriteFileStep  a file with owner, group and mode: atomic on the host, content by stdin,
                   a backup of what it replaces; its undo restores the backup
    EnvFileStep    set/unset variables in an environment file, the rest kept byte-exact
    LocalStep      in-process work (signing a CSR); its output goes into the run context
                   under `output`, where later steps read it through a Ref; returning
                   Described(value, detail) also says in words what it did (the step's detail)
    ReadSecretStep a file read into the run context as a Secret (the authkey to copy)
    WaitStep       poll a probe until it holds, at most `attempts` times
    CheckStep      an observed value, a verdict (ok/warn/fail) and the fix to offer

A step without an explicit id gets "N-slug-of-its-title" (N its position): stable for the same
plan, so a journal record names the step it speaks of.
"""

from __future__ import annotations

import dataclasses
import re
import shlex
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Awaitable, Callable, ClassVar, Mapping

from tui.remote.secret import Secret
from tui.remote.transport import CommandResult

if TYPE_CHECKING:
    from tui.ops.preview import PreviewSpec

Argv = tuple[str, ...]

DEFAULT_TIMEOUT = 120.0  # seconds per command; a hung command is killed (process group)


@dataclass(frozen=True, slots=True)
class Ref:
    """What a LocalStep put into the run context under `key`, used by a later step."""

    key: str

    def __repr__(self) -> str:
        return f"<output of {self.key!r}>"


Content = bytes | Secret | Ref


@dataclass(frozen=True, slots=True)
class Probe:
    """A read that says whether something holds: exit 0, or `holds(result)` when given."""

    argv: Argv
    holds: Callable[[CommandResult], bool] | None = None
    says: str = ""  # in words, what holding means ("standby is already on")

    def check(self, result: CommandResult) -> bool:
        return self.holds(result) if self.holds is not None else result.ok


@dataclass(frozen=True, slots=True)
class Verdict:
    level: str  # "ok" | "warn" | "fail"
    observed: str
    fix: str | None = None

    def __post_init__(self) -> None:
        if self.level not in ("ok", "warn", "fail"):
            raise ValueError(f"a verdict is ok, warn or fail, not {self.level!r}")


@dataclass(frozen=True, kw_only=True)
class StepBase:
    id: str = ""  # "" : given by the Plan ("1-set-standby")
    host: str | None = None  # None: the cluster node that answered last
    timeout: float = DEFAULT_TIMEOUT
    secrets: tuple[Secret, ...] = ()  # secret inputs besides stdin/content
    done: Probe | None = None  # holds -> already done: skipped
    # each kind says whether it `mutates` (a field or a ClassVar: not declared here, or the
    # dataclass machinery would put it before the kinds' own positional fields)

    def secret_inputs(self) -> tuple[Secret, ...]:
        return self.secrets

    @property
    def has_undo(self) -> bool:
        return False


@dataclass(frozen=True)
class RunStep(StepBase):
    title: str
    argv: Argv
    mutates: bool = True  # type: ignore[misc]
    stdin: Content | None = None
    precondition: Argv | None = None  # must exit 0 before the step runs
    verify: Argv | None = None  # must exit 0 after it ran
    undo: Argv | None = None
    # running it twice is running it once (systemctl enable --now, crm_node --force --remove):
    # a resume runs it again even when it was interrupted and has no done probe
    idempotent: bool = False
    output: str | None = None  # the run-context key its stdout (bytes) is stored under

    def secret_inputs(self) -> tuple[Secret, ...]:
        return self.secrets + ((self.stdin,) if isinstance(self.stdin, Secret) else ())

    @property
    def has_undo(self) -> bool:
        return self.undo is not None

    def command_line(self) -> str:
        """The step as the user sees it; stdin is named, a secret never shown."""
        line = shlex.join(self.argv)
        if self.stdin is not None:
            line += f"  < {describe_content(self.stdin)}"
        return line


@dataclass(frozen=True)
class WriteFileStep(StepBase):
    title: str
    path: str
    content: Content
    owner: str = "root"
    group: str = "root"
    mode: int = 0o644
    mutates: ClassVar[bool] = True
    # its done probe is built in: the wanted content (sha256) and owner:group mode already there

    def secret_inputs(self) -> tuple[Secret, ...]:
        return self.secrets + ((self.content,) if isinstance(self.content, Secret) else ())

    @property
    def has_undo(self) -> bool:
        return True


@dataclass(frozen=True)
class EnvFileStep(StepBase):
    title: str
    path: str
    set: Mapping[str, str | Secret] = field(default_factory=dict)
    unset: frozenset[str] = frozenset()
    # for a new file; an existing file keeps its own owner, group and mode
    owner: str = "root"
    group: str = "root"
    mode: int = 0o644
    before: str | None = None  # the text the review showed: the step fails if it changed since
    mutates: ClassVar[bool] = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "unset", frozenset(self.unset))
        both = set(self.set) & self.unset
        if both:
            raise ValueError(f"set and unset at once: {', '.join(sorted(both))}")

    def secret_inputs(self) -> tuple[Secret, ...]:
        return self.secrets + tuple(v for v in self.set.values() if isinstance(v, Secret))

    @property
    def has_undo(self) -> bool:
        return True


@dataclass(frozen=True)
class LocalStep(StepBase):
    title: str
    run: Callable[[dict], Any | Awaitable[Any]]  # gets the run context; returns the output
    output: str | None = None  # the context key its result is stored under
    undo: Callable[[dict], Any | Awaitable[Any]] | None = None
    mutates: bool = False  # type: ignore[misc]  # in-process work changes no cluster

    @property
    def has_undo(self) -> bool:
        return self.undo is not None


@dataclass(frozen=True, slots=True)
class Described:
    """What a LocalStep may return: the value for its `output`, and in words what it did
    (becomes the step's detail: "rn1 offline 7.8 s"). The detail is shown and journaled:
    never put a secret in it."""

    value: Any
    detail: str


ProbeFn = Callable[[dict], "tuple[bool, str] | Awaitable[tuple[bool, str]]"]


@dataclass(frozen=True)
class WaitStep(StepBase):
    title: str
    probe: Argv | ProbeFn
    # over the probe's result: (holds, what it saw); None: exit 0 holds, output is what it saw
    holds: Callable[[CommandResult], tuple[bool, str]] | None = None
    interval: float = 2.0
    attempts: int = 30
    mutates: ClassVar[bool] = False


@dataclass(frozen=True)
class ReadSecretStep(StepBase):
    """Read a file on `host` into the run context under `output`, as a Secret (an authkey
    that a later WriteFileStep copies to another host through Ref(output)). A read: its
    bytes go into no log, no event and no journal, and a resume reads the file again."""

    title: str
    path: str
    output: str
    mutates: ClassVar[bool] = False


CheckFn = Callable[[dict], "Verdict | Awaitable[Verdict]"]


@dataclass(frozen=True)
class CheckStep(StepBase):
    title: str
    probe: Argv | CheckFn
    judge: Callable[[CommandResult], Verdict] | None = None  # for an argv probe
    fix: str | None = None  # offered when it fails and the verdict names none
    mutates: ClassVar[bool] = False


Step = RunStep | WriteFileStep | EnvFileStep | LocalStep | ReadSecretStep | WaitStep | CheckStep


def describe_content(content: Content | None) -> str:
    """Content in words, never its secret bytes."""
    if content is None:
        return "nothing"
    if isinstance(content, (Secret, Ref)):
        return repr(content)
    return f"<{len(content)} bytes>"


def slug(title: str) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return words[:40].rstrip("-") or "step"


@dataclass(frozen=True)
class Plan:
    title: str
    steps: tuple[Step, ...]
    # (builder name in tui.ops.recipes, JSON-able kwargs): how to build this plan again
    recipe: tuple[str, Mapping[str, Any]] | None = None
    # placement may change: what crm_simulate tries on a copy of the CIB before confirmation
    # (tui.ops.preview.compute_impact); None: nothing to preview
    preview: PreviewSpec | None = None
    # cluster maintenance, fencing, removing a node: typed confirmation on production (tui.ops.risk)
    cluster_wide: bool = False

    def __post_init__(self) -> None:
        steps = tuple(
            step if step.id else dataclasses.replace(step, id=f"{n}-{slug(step.title)}")
            for n, step in enumerate(self.steps, 1)
        )
        ids = [s.id for s in steps]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"step ids must be unique within a plan: {', '.join(dupes)}")
        object.__setattr__(self, "steps", steps)

    @property
    def mutates(self) -> bool:
        return any(step.mutates for step in self.steps)

    def step(self, step_id: str) -> Step:
        return next(s for s in self.steps if s.id == step_id)

    def describe(self, default_host: str | None = None) -> str:
        """The plan as printed (tui.ops.render draws it)."""
        from tui.ops.render import render_plan

        return render_plan(self, default_host)
