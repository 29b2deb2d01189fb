"""`pcmk-console runs [--json] [--limit N]` and `pcmk-console runs RUN_ID [--json]`.

The plan runs the journal (tui.ops.journal) recorded, newest first: run id, when it started,
the cluster (DEMO marked), its state (done, failed, cancelled, undone, running, or
interrupted: no end recorded and no console running it; `apply --resume RUN_ID` continues
it), how many steps are done, its title. With a RUN_ID: that run's steps, their states and
errors. `--demo` lists demo runs only, `--cluster NAME` that cluster's runs.

The human listing passes every recorded string through tui.plaintext; --json is exact
(ensure_ascii).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from tui.exitcodes import ExitCode
from tui.ops.events import StepState
from tui.ops.journal import JournalError, RunRecord, load, runs, runs_dir
from tui.pacemaker.when import at
from tui.plaintext import multi_line, one_line

DEMO_MARK = " [DEMO]"


def _cluster(run: RunRecord) -> str:
    return one_line(run.cluster or "?") + (DEMO_MARK if run.demo else "")


def render_list(found: list[RunRecord]) -> str:
    lines = []
    for run in found:
        lines.append(f"{one_line(run.run_id)}  {at(run.started) or '?'}  {_cluster(run)}  "
                     f"{run.state_word}  {run.steps_done}/{len(run.steps)} steps  {one_line(run.title)}")
    return "\n".join(lines) + ("\n" if lines else "")


def render_one(run: RunRecord) -> str:
    lines = [
        f"run {one_line(run.run_id)}: {one_line(run.title)}",
        f"  cluster: {_cluster(run)}" + ("  (the built-in simulator: ran nowhere)" if run.demo else ""),
        f"  started: {at(run.started) or '?'}" + (f"  finished: {at(run.finished)}" if run.finished else ""),
        f"  state: {run.state_word}  ({run.steps_done} of {len(run.steps)} steps done"
        + (f", resumed {run.resumes} time(s)" if run.resumes else "") + ")",
    ]
    if run.recipe is not None:
        lines.append(f"  recipe: {one_line(run.recipe[0])} {one_line(json.dumps(run.recipe[1], ensure_ascii=True, sort_keys=True), None)}")
    for number, step in enumerate(run.steps, 1):
        where = f"  on {one_line(step.host)}" if step.host else ""
        lines.append(f"  {number}. [{step.state.value}] {one_line(step.title)}  ({one_line(step.id)}){where}")
        if step.skipped_because:
            lines.append(f"       already done: {one_line(step.skipped_because)}")
        if step.detail and step.state is StepState.DONE:
            lines.append("       saw: " + multi_line(step.detail).replace("\n", "\n            "))
        if step.error:
            lines.append("       error: " + multi_line(step.error).replace("\n", "\n              "))
        if step.state is StepState.RUNNING and run.interrupted:
            lines.append("       interrupted while it ran: it may or may not have taken effect")
    if run.error:
        lines.append(f"  error: {one_line(run.error)}")
    if run.plan_text:  # already terminal-safe: tui.ops.render escaped every field
        lines.append("  the plan as it was confirmed:")
        lines.extend(f"    {multi_line(line)}" for line in run.plan_text.splitlines())
    if run.statement:
        lines.append("  " + multi_line(run.statement).replace("\n", "\n  "))
    if run.torn:
        lines.append(f"  ({run.torn} unreadable line(s) skipped: the console died while writing)")
    if run.interrupted or run.state_word in ("failed", "cancelled"):
        lines.append(f"  continue it: pcmk-console apply --resume {one_line(run.run_id)}")
    return "\n".join(lines) + "\n"


def _selected(found: list[RunRecord], args: argparse.Namespace) -> list[RunRecord]:
    target = getattr(args, "target", None)
    if getattr(target, "kind", None) == "demo" or getattr(args, "demo", False):
        found = [r for r in found if r.demo]
    cluster = getattr(args, "cluster", None)
    if cluster is not None:
        found = [r for r in found if r.cluster == cluster and not r.demo]
    return found


def main(args: argparse.Namespace, *, out: TextIO | None = None) -> int:
    """args: run_id (str|None), json (bool), limit (int|None: the newest N), cluster, demo,
    target (the resolved tui.target.Target, optional)."""
    out = out or sys.stdout
    as_json = bool(getattr(args, "json", False))
    run_id = getattr(args, "run_id", None)
    if run_id is not None:
        try:
            run = load(run_id)
        except JournalError as exc:
            print(f"pcmk-console runs: {one_line(exc)}", file=sys.stderr)
            return ExitCode.USAGE
        out.write(json.dumps(run.as_dict(), ensure_ascii=True) + "\n" if as_json else render_one(run))
        return ExitCode.OK
    limit = getattr(args, "limit", None)
    if limit is not None and limit < 0:
        print("pcmk-console runs: --limit must be 0 or more", file=sys.stderr)
        return ExitCode.USAGE
    found = _selected(runs(), args)
    if limit is not None:
        found = found[:limit]
    if as_json:
        for run in found:
            out.write(json.dumps(run.as_dict(), ensure_ascii=True) + "\n")
    elif not found:
        out.write(f"no runs recorded yet ({one_line(runs_dir())})\n")
    else:
        out.write(render_list(found))
    return ExitCode.OK
