"""`pcmk-console apply --resume RUN_ID [--yes] [--force-rerun STEP] [--assume-done STEP]`.

Continues a run the journal recorded (tui.ops.journal), under the same run id, appending to
its journal: the plan is built again from the recipe the run recorded (tui.ops.recipes), and
must have the same steps (else the plan changed: refused). The engine probes again every step
that has a `done` probe; a changing step the journal says done, with no probe, is skipped
(the journal is its only witness); reads and in-process steps run again. A changing step with
no probe that was interrupted while it ran may or may not have taken effect: refused, unless
`--force-rerun STEP` (run it again) or `--assume-done STEP` (it did) says which.

The global options keep their meaning: a run recorded for one cluster is not resumed against
another, nor a demo run against a real cluster or the reverse (exit 2, nothing runs).
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from tui.exitcodes import ExitCode
from tui.ops import events as ev
from tui.ops import journal
from tui.ops.events import PlanState
from tui.plaintext import one_line
from tui.remote.transport import ReadOnlyError
from tui.target import CIB_FILE, Target

PREFIX = "pcmk-console apply --resume"


def add_resume_arguments(parser: argparse.ArgumentParser) -> None:
    """On the `apply` parser: --resume and its options; the ACTION becomes optional."""
    for action in parser._actions:  # the ACTION sub-parsers: not needed with --resume
        if isinstance(action, argparse._SubParsersAction):
            action.required = False
    parser.add_argument("--resume", default=None, metavar="RUN_ID",
                        help="continue a recorded run (`pcmk-console runs` lists them)")
    # its own dest: an ACTION's sub-parser would reset `yes` to its default (False)
    parser.add_argument("--yes", dest="apply_yes", action="store_true", default=False,
                        help="do not ask before running")
    parser.add_argument("--confirm-name", dest="resume_confirm_name", default=None, metavar="NAME",
                        help="with --resume: the cluster's name, when the run needs it typed (production)")
    parser.add_argument("--force-rerun", action="append", default=[], metavar="STEP",
                        help="with --resume: run this interrupted step again")
    parser.add_argument("--assume-done", action="append", default=[], metavar="STEP",
                        help="with --resume: this interrupted step did take effect; skip it")


def _refuse(message: str, code: int = ExitCode.USAGE) -> int:
    print(f"{PREFIX}: {one_line(message, None)}; nothing ran", file=sys.stderr)
    return code


def main(parser: argparse.ArgumentParser, args: argparse.Namespace, target: Target) -> int:
    run_id = getattr(args, "resume", None)
    args.yes = bool(getattr(args, "yes", False) or getattr(args, "apply_yes", False))
    args.confirm_name = getattr(args, "confirm_name", None) or getattr(args, "resume_confirm_name", None)
    if run_id is None and (args.force_rerun or args.assume_done):
        parser.error("apply: --force-rerun and --assume-done go with --resume RUN_ID")
    if run_id is None:
        parser.error("apply: give an ACTION (standby NODE, ...) or --resume RUN_ID")
    if getattr(args, "action", None) is not None:
        parser.error("apply: --resume RUN_ID continues a recorded run; it takes no ACTION")
    try:
        run = journal.load(run_id)
    except journal.JournalError as exc:
        return _refuse(str(exc))
    return asyncio.run(_resume(args, target, run))


def mismatch(run: journal.RunRecord, demo: bool, cluster: str | None, described: str) -> str | None:
    """Why `run` may not be resumed against this target, or None."""
    where = "the built-in demo cluster" if run.demo else f"cluster {run.cluster!r}"
    if run.demo and not demo:
        return f"run {run.run_id} ran against the built-in demo cluster, not {described} (resume it with --demo)"
    if demo and not run.demo:
        return f"run {run.run_id} ran against {where}, not the built-in demo cluster"
    if run.cluster != cluster:
        hint = f" (give --cluster {run.cluster})" if run.cluster and not run.demo else ""
        return f"run {run.run_id} ran against {where}, not {described}{hint}"
    return None


def _rebuild(run: journal.RunRecord):
    from tui.ops import recipes

    if run.recipe is None:
        raise journal.ResumeRefused(f"run {run.run_id} recorded no recipe: its plan cannot be built again")
    name, kwargs = run.recipe
    try:
        return recipes.build(name, kwargs)
    except Exception as exc:  # an unknown recipe or arguments it no longer takes
        raise journal.ResumeRefused(f"run {run.run_id}: cannot build its plan again from recipe "
                                    f"{name!r}: {exc}") from None


def _progress(event: ev.Event) -> None:
    """One line per step as it goes, so a long resume is not silent."""
    if isinstance(event, ev.StepStarted):
        print(f"... {one_line(event.step_id)}: {one_line(event.title)}", flush=True)
    elif isinstance(event, ev.StepSkipped):
        print(f"[skipped] {one_line(event.step_id)}: {one_line(event.reason)}", flush=True)
    elif isinstance(event, ev.StepFinished):
        error = f": {one_line(event.error)}" if event.error else ""
        print(f"[{event.state.value}] {one_line(event.step_id)}{error}", flush=True)


async def _resume(args: argparse.Namespace, target: Target, run: journal.RunRecord) -> int:
    session = target.session(demo_life=False)
    try:
        why = mismatch(run, session.demo, session.cluster.name, target.describe())
        if why is not None:
            return _refuse(why)
        if run.busy:
            return _refuse(f"run {run.run_id} is being run by another console right now")
        if run.state is PlanState.DONE:
            print(f"run {one_line(run.run_id)} is done ({run.steps_done} of {len(run.steps)} steps): nothing to resume")
            return ExitCode.OK
        if run.state is PlanState.UNDONE:
            return _refuse(f"run {run.run_id} was undone: start a new apply")
        try:
            plan = _rebuild(run)
            decided = journal.plan_resume(plan, run, set(args.force_rerun), set(args.assume_done))
        except journal.ResumeRefused as exc:
            return _refuse(str(exc))
        if target.read_only:
            why = "a saved CIB is read-only" if target.kind == CIB_FILE else "read-only mode"
            return _refuse(f"refused ({why}: {target.describe()})", ExitCode.READ_ONLY)
        if not getattr(args, "yes", False) and not sys.stdin.isatty():
            return _refuse("not a terminal to confirm on; pass --yes to run it")
        looked = await session.refresh()  # a read: which node answers
        if looked.snapshot is None:
            return _refuse(f"cannot reach {target.describe()}: {looked.error or 'no status'}", ExitCode.UNREACHABLE)
        print(plan.describe(default_host=session.action_host))
        print(f"resuming run {one_line(run.run_id)} ({run.state_word}, {run.steps_done} of {len(run.steps)} steps done):")
        for step in plan.steps:
            if step.id in decided.skip:
                what = f"skip: {decided.skip[step.id]}"
            elif step.id in decided.reprobe:
                what = "probe whether it is done, run it if not"
            else:
                what = "run"
            print(f"  {one_line(step.id)}: {one_line(what)}")
        from tui.headless.actions import confirmed

        refused = confirmed("pcmk-console apply", session, plan, yes=getattr(args, "yes", False), impact=None,
                            confirm_name=getattr(args, "confirm_name", None), question="Continue?")
        if refused is not None:
            return refused
        try:
            record = journal.Journal.reopen(plan, run.run_id, cluster=run.cluster, demo=run.demo,
                                            state_dir=session.state_dir)
        except journal.JournalError as exc:
            return _refuse(str(exc))
        try:
            await session.apply(plan, run_id=run.run_id, skip=decided.skip, journal=record,
                                listeners=(_progress,))
        except ReadOnlyError as exc:
            return _refuse(f"refused: {exc}", ExitCode.READ_ONLY)
        finally:
            record.close()
    finally:
        await session.close()
    after = journal.load(run.run_id, session.state_dir)
    from tui.headless.runs import render_one

    print(render_one(after), end="")  # terminal-safe: every field went through tui.plaintext
    return ExitCode.OK if after.state is PlanState.DONE else ExitCode.FAILED
