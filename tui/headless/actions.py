"""`pcmk-console plan ACTION` and `pcmk-console apply ACTION`: the same Plan, shown or run.

Both look at the target cluster first (a status read, nothing changes): names the cluster does
not know are refused (exit 2) before anything runs, and the plan names the node its commands
will run on.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Callable

from tui.exitcodes import ExitCode
from tui.plaintext import multi_line, one_line
from tui.ops import actions
from tui.ops.events import OutputLine, PlanStarted, StepState, Waiting
from tui.ops.plan import Plan
from tui.pacemaker.model import Snapshot
from tui.remote.transport import ReadOnlyError
from tui.target import CIB_FILE, Target


def add_action_arguments(parser: argparse.ArgumentParser, *, confirm: bool,
                         common: Callable[[argparse.ArgumentParser], None] | None = None) -> None:
    """common: adds the global options to each action too (`plan standby rn1 --demo`)."""
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    parser.set_defaults(yes=False)

    def action(name: str, text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=text)
        if confirm:  # on each action, so `apply standby rn1 --yes` parses
            p.add_argument("--yes", action="store_true", help="do not ask before running")
        if common is not None:
            common(p)
        return p

    for name, text in (("standby", "put a node into standby"), ("unstandby", "take a node out of standby")):
        action(name, text).add_argument("node")
    p = action("maintenance", "node maintenance on/off")
    p.add_argument("node")
    p.add_argument("state", choices=("on", "off"))
    action("cluster-maintenance", "cluster-wide maintenance-mode on/off").add_argument("state", choices=("on", "off"))
    p = action("cleanup", "clear failures (of one resource, on one node)")
    p.add_argument("--resource", default=None)
    p.add_argument("--node", default=None)
    from tui.headless.nodes import add_wizard_arguments  # add-remote, add-guest, remove-remote, remove-guest

    add_wizard_arguments(action, json_option=not confirm)


def plan_from_args(args: argparse.Namespace) -> Plan:
    if args.action in ("standby", "unstandby"):
        return actions.standby(args.node, on=(args.action == "standby"))
    if args.action == "maintenance":
        return actions.node_maintenance(args.node, on=(args.state == "on"))
    if args.action == "cluster-maintenance":
        return actions.cluster_maintenance(on=(args.state == "on"))
    return actions.cleanup(args.resource, args.node)


def _listed(names) -> str:
    names = sorted(set(names))
    shown = ", ".join(one_line(n, 80) for n in names[:20])
    return (shown + f", ... ({len(names)} in all)" if len(names) > 20 else shown) or "none"


def unknown_names(args: argparse.Namespace, snapshot: Snapshot) -> str | None:
    """Why the action names something the cluster does not have, or None."""
    node = getattr(args, "node", None)
    if node is not None:
        known = [n.name for n in snapshot.nodes]
        if node not in known:
            return f"no node named '{one_line(node)}' in the cluster (nodes: {_listed(known)})"
    resource = getattr(args, "resource", None)
    if resource is not None:
        ids = {r.id for r in snapshot.all_resources()}
        ids |= {i.split(":", 1)[0] for i in ids}  # clone instances ("web:0") by their primitive
        ids |= {f.resource for f in snapshot.failures if f.resource}  # failed ops of orphans
        if resource not in ids:
            return f"no resource named '{one_line(resource)}' in the cluster (resources: {_listed(ids)})"
    return None


def main(args: argparse.Namespace, target: Target, *, apply: bool) -> int:
    from tui.headless import nodes

    if args.action in nodes.WIZARD_ACTIONS:  # the node wizards: checks first, then their plan
        return nodes.main(args, target, apply=apply)
    verb = "apply" if apply else "plan"
    plan = plan_from_args(args)
    if apply and target.read_only:
        print(plan.describe())
        why = "a saved CIB is read-only" if target.kind == CIB_FILE else "read-only mode"
        print(f"pcmk-console apply: refused ({why}: {one_line(target.describe())}); nothing ran", file=sys.stderr)
        return ExitCode.READ_ONLY
    if apply and not args.yes and not sys.stdin.isatty():
        print(plan.describe())
        print("pcmk-console apply: refused: not a terminal to confirm on; pass --yes to run it", file=sys.stderr)
        return ExitCode.USAGE
    return asyncio.run(_plan_or_apply(verb, args, target, plan, apply))


async def _plan_or_apply(verb: str, args: argparse.Namespace, target: Target, plan: Plan, apply: bool) -> int:
    session = target.session(demo_life=False)
    try:
        looked = await session.refresh()  # a read: which node answers, which names exist
        if looked.snapshot is None:
            print(plan.describe())
            print(f"pcmk-console {verb}: cannot check the plan against {one_line(target.describe())}: "
                  f"{one_line(looked.error or 'no status')}; nothing ran", file=sys.stderr)
            return ExitCode.UNREACHABLE
        unknown = unknown_names(args, looked.snapshot)
        if unknown:
            print(f"pcmk-console {verb}: {unknown}; nothing ran", file=sys.stderr)
            return ExitCode.USAGE
        # a saved CIB has no node to run on; anything else: the node that just answered
        print(plan.describe(default_host=None if target.kind == CIB_FILE else session.action_host), flush=True)
        if not apply:
            return ExitCode.OK
        return await confirm_and_run("pcmk-console apply", session, plan, yes=args.yes)
    finally:
        await session.close()


async def confirm_and_run(prefix: str, session, plan: Plan, *, yes: bool, after=None) -> int:
    """Ask (unless yes), run the plan journalled with its progress on stdout, say what was
    and was not done, call `after(result)` (a wizard's diagnosis), then offer the undo of
    the done steps, at a terminal only (--yes never undoes on its own). The exit code."""
    if not yes and input("Run these commands? [y/N] ").strip().lower() not in ("y", "yes"):
        print("nothing ran")
        return ExitCode.OK
    try:
        result = await session.apply(plan, listeners=(progress(plan),))
    except ReadOnlyError as exc:
        print(f"{prefix}: refused: {one_line(exc)}", file=sys.stderr)
        return ExitCode.READ_ONLY
    report(result)
    if after is not None:
        await after(result)
    if result.undo_offered and not yes and sys.stdin.isatty():
        if input(f"Undo the {len(result.undo_offered)} step(s) done, newest first? [y/N] ").strip().lower() in ("y", "yes"):
            undone = await session.undo(result, listeners=(progress(plan),))
            print(one_line(f"{plan.title}: {undone.state}"))
    return ExitCode.OK if result.ok else ExitCode.FAILED


def report(result) -> None:
    """Each step's end, the failed one's output, and in words what was and was not done."""
    for outcome in result.outcomes:
        status = {StepState.DONE: "ok", StepState.SKIPPED: "skipped"}.get(outcome.state, "FAILED")
        print(f"[{status}] {one_line(outcome.host)}: {one_line(outcome.step.title)}"
              + (f" ({one_line(outcome.detail)})" if outcome.state is StepState.SKIPPED and outcome.detail else ""))
        if outcome.result is not None and not outcome.ok:
            text = (outcome.result.stderr or outcome.result.stdout).decode(errors="replace").strip()
            if text:
                print("  " + multi_line(text).replace("\n", "\n  "))
        if outcome.fix:
            print(f"  fix: {one_line(outcome.fix)}")
    print(one_line(result.summary()))
    if not result.ok:
        print(one_line(result.statement()))
        if result.undo_offered:
            print("can be undone (newest first): " + ", ".join(one_line(i) for i in result.undo_offered))


def progress(plan: Plan):
    """A listener printing a plan's progress as it runs: its run id, waits, a long step's output."""
    def show(event) -> None:
        if isinstance(event, PlanStarted):  # the id `runs` and `apply --resume` take
            print(f"run {one_line(event.run_id)}{' (resumed)' if event.resumed else ''}", flush=True)
        elif isinstance(event, Waiting):
            print(f"  waiting ({event.attempt}/{event.of}): {one_line(event.observed)}", flush=True)
        elif isinstance(event, OutputLine) and len(plan.steps) > 1:
            print(f"  | {one_line(event.text)}", flush=True)
    return show
