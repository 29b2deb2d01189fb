"""The one drawing of a Plan: the confirm dialog, `pcmk-console plan` and the log use it.

Each step: its number and title, the host it runs on, the exact command (shlex.join), stdin
named (a secret never shown), and its precondition, verify, done probe and undo. A file write
reads "write PATH (owner:group mode), N bytes"; an env-file edit shows its diff when the text
the file holds now is known (the step's `before`), else the variables it sets and unsets.

Every row is one terminal-safe line (tui.plaintext): a name from the cluster cannot add a
line, fake a button or move the cursor. Commands are never cut.
"""

from __future__ import annotations

import shlex
from typing import Iterable

from tui.ops import files
from tui.ops.plan import (
    CheckStep,
    EnvFileStep,
    LocalStep,
    Plan,
    ReadSecretStep,
    RunStep,
    Step,
    WaitStep,
    WriteFileStep,
    describe_content,
)
from tui.plaintext import one_line
from tui.remote.secret import Secret

# row roles: how the confirm dialog styles them (the text says the same without style)
TITLE, STEP, ACTION, DETAIL, DIFF = "title", "step", "action", "detail", "diff"


def _cmd(argv) -> str:
    return one_line(shlex.join(argv), None)


def _quoted(value: str) -> str:
    try:
        return files.quote_value(value)
    except ValueError:  # a line break: the step will refuse it; show it escaped
        return value


def _mode(mode: int) -> str:
    return f"{mode:04o}"


def step_rows(step: Step, where: str) -> list[tuple[str, str]]:
    """(role, line) rows for one step after its title; `where` is its host in words."""
    at = f"[{one_line(where)}]"
    rows: list[tuple[str, str]] = []
    if isinstance(step, RunStep):
        rows.append((ACTION, f"{at} $ {one_line(step.command_line(), None)}"))
        if step.precondition:
            rows.append((DETAIL, f"check first: $ {_cmd(step.precondition)}"))
        if step.verify:
            rows.append((DETAIL, f"verify after: $ {_cmd(step.verify)}"))
    elif isinstance(step, WriteFileStep):
        size = (f"{len(step.content)} bytes" if isinstance(step.content, bytes)
                else f"{len(step.content.reveal())} bytes, {step.content!r}" if isinstance(step.content, Secret)
                else f"content: {describe_content(step.content)}")
        rows.append((ACTION, f"{at} write {one_line(shlex.quote(step.path))} "
                             f"({one_line(step.owner)}:{one_line(step.group)} {_mode(step.mode)}), {size}"))
        rows.append((DETAIL, "atomically (a temporary file, then rename), content by stdin; "
                             "what it replaces is backed up"))
        rows.append((DETAIL, "skip if: the file already has this content, owner, group and mode"))
    elif isinstance(step, EnvFileStep):
        changes = [f"set {one_line(k)}" for k in step.set] + [f"unset {one_line(k)}" for k in sorted(step.unset)]
        rows.append((ACTION, f"{at} edit {one_line(shlex.quote(step.path))}: {', '.join(changes) or 'no change'}"))
        shown = {k: (repr(v) if isinstance(v, Secret) else v) for k, v in step.set.items()}
        if step.before is not None:
            try:
                text = files.diff(step.before, files.edit_env_file(step.before, shown, step.unset), step.path)
            except ValueError as exc:
                text = f"cannot edit: {exc}"
            rows.extend((DIFF, one_line(line.rstrip("\r\n"), None)) for line in text.splitlines() or ["(no change)"])
        else:
            rows.extend((DIFF, f"+{one_line(k)}={one_line(_quoted(v), None)}") for k, v in shown.items())
            rows.extend((DIFF, f"-{one_line(k)}") for k in sorted(step.unset))
        rows.append((DETAIL, "comments and every other line kept as they are; written like a file (backup, atomic)"))
    elif isinstance(step, LocalStep):
        rows.append((ACTION, "[this console] " + one_line(getattr(step.run, "__name__", "work"))
                     + (f" -> {one_line(step.output)}" if step.output else "")))
    elif isinstance(step, ReadSecretStep):
        rows.append((ACTION, f"{at} read {one_line(shlex.quote(step.path))} into the console's memory "
                             f"as a secret ({one_line(step.output)}): never shown, logged or journalled"))
    elif isinstance(step, WaitStep):
        what = f"$ {_cmd(step.probe)}" if not callable(step.probe) else one_line(getattr(step.probe, "__name__", "a probe"))
        rows.append((ACTION, f"{at} wait until {what} holds "
                             f"(every {step.interval:g}s, at most {step.attempts} times)"))
    elif isinstance(step, CheckStep):
        what = f"$ {_cmd(step.probe)}" if not callable(step.probe) else one_line(getattr(step.probe, "__name__", "a check"))
        rows.append((ACTION, f"{at} check {what}"))
        if step.fix:
            rows.append((DETAIL, f"if it fails: {one_line(step.fix)}"))
    if step.done is not None:
        says = f" ({one_line(step.done.says)})" if step.done.says else ""
        rows.append((DETAIL, f"skip if: $ {_cmd(step.done.argv)}{says}"))
    undo = undo_text(step)
    if undo:
        rows.append((DETAIL, f"undo: {undo}"))
    return rows


def undo_text(step: Step) -> str | None:
    if isinstance(step, RunStep) and step.undo:
        return f"$ {_cmd(step.undo)}"
    if isinstance(step, (WriteFileStep, EnvFileStep)):
        return f"restore {one_line(shlex.quote(step.path))} from its backup (remove it if there was none)"
    if isinstance(step, LocalStep) and step.undo is not None:
        return one_line(getattr(step.undo, "__name__", "in the console"))
    return None


def plan_rows(plan: Plan, default_host: str | None) -> list[tuple[str, str]]:
    """Every line of the plan as (role, text): the title, then per step its number and title
    and its indented rows. default_host: where a step without its own host runs."""
    rows = [(TITLE, one_line(plan.title))]
    for number, step in enumerate(plan.steps, 1):
        where = step.host or default_host or "a cluster node"
        rows.append((STEP, f"{number}. {one_line(step.title)}"))
        rows.extend((role, text) for role, text in step_rows(step, where))
    return rows


def render_plan(plan: Plan, default_host: str | None = None) -> str:
    """The plan as text (the `plan` verb, the log)."""
    return "\n".join(_indent(plan_rows(plan, default_host)))


def _indent(rows: Iterable[tuple[str, str]]) -> Iterable[str]:
    for role, text in rows:
        yield text if role == TITLE else f"  {text}" if role == STEP else f"     {text}"
