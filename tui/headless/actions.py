"""`pcmk-console plan ACTION` and `pcmk-console apply ACTION`: the same Plan, shown or run.

    standby|unstandby NODE, maintenance NODE on|off, cluster-maintenance on|off,
    cleanup [--resource R] [--node N], move RSC NODE [--promoted] [--lifetime L],
    ban RSC NODE [--promoted] [--lifetime L], clear RSC [NODE] [--promoted],
    restart RSC [--node N], enable|disable|manage|unmanage RSC, refresh [--resource R] [--node N],
    meta-set RSC NAME VALUE, meta-delete RSC NAME, fence NODE [--off], clear-failcounts NODE,
    promote RSC NODE, demote RSC NODE          (plan: --json; apply: --yes, --confirm-name NAME)

Both look at the target cluster first (a status read, nothing changes): names the cluster does
not know are refused (exit 2) before anything runs, and the plan names the node its commands
will run on. A plan that may change placement is previewed (crm_simulate on a copy of the
CIB, tui.ops.preview) and the preview printed under the steps (`--json`: "impact"). `apply`
asks for one key, or on a production cluster, when tui.ops.risk says the action needs it
(cluster-wide, stops something, or a preview that could not be computed), for the cluster's
name typed; `--yes` alone is refused there unless `--confirm-name NAME` matches.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
from dataclasses import dataclass
from typing import Callable

from tui.exitcodes import ExitCode
from tui.plaintext import is_utf8_text, multi_line, one_line
from tui.ops import actions
from tui.ops.events import OutputLine, PlanStarted, StepState, Waiting
from tui.ops.plan import Plan
from tui.pacemaker.model import ResourceKind, Snapshot
from tui.remote.transport import ReadOnlyError
from tui.target import CIB_FILE, Target


# the resource and node actions of issue 13 (beside standby, maintenance, cleanup)
RESOURCE_ACTIONS = ("move", "ban", "clear", "restart", "enable", "disable", "manage", "unmanage", "refresh",
                    "meta-set", "meta-delete", "fence", "clear-failcounts", "promote", "demote")
# their plans need what the status read (and one CIB read) tell: version, ids, devices
_NEEDS_FACTS = frozenset(RESOURCE_ACTIONS)
_NEEDS_CIB = frozenset({"clear", "fence"})


def add_action_arguments(parser: argparse.ArgumentParser, *, confirm: bool,
                         common: Callable[[argparse.ArgumentParser], None] | None = None) -> None:
    """common: adds the global options to each action too (`plan standby rn1 --demo`)."""
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    parser.set_defaults(yes=False)

    def action(name: str, text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=text)
        if confirm:  # on each action, so `apply standby rn1 --yes` parses
            p.add_argument("--yes", action="store_true", help="do not ask before running")
            p.add_argument("--confirm-name", dest="confirm_name", default=None, metavar="NAME",
                           help="the cluster's name, for actions that need it typed (production clusters)")
        if common is not None:
            common(p)
        return p

    def simple(name: str, text: str) -> argparse.ArgumentParser:
        p = action(name, text)
        if not confirm:
            p.add_argument("--json", action="store_true", help="the plan and its impact preview as JSON")
        return p

    for name, text in (("standby", "put a node into standby"), ("unstandby", "take a node out of standby")):
        simple(name, text).add_argument("node")
    p = simple("maintenance", "node maintenance on/off")
    p.add_argument("node")
    p.add_argument("state", choices=("on", "off"))
    simple("cluster-maintenance", "cluster-wide maintenance-mode on/off").add_argument("state", choices=("on", "off"))
    p = simple("cleanup", "clear failures (of one resource, on one node)")
    p.add_argument("--resource", default=None)
    p.add_argument("--node", default=None)
    _resource_actions(simple)
    from tui.headless.nodes import add_wizard_arguments  # add-remote, add-guest, remove-remote, remove-guest

    add_wizard_arguments(action, json_option=not confirm)


def _resource_actions(simple: Callable[[str, str], argparse.ArgumentParser]) -> None:
    def rsc(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("resource", metavar="RSC", help="the resource (primitive, group, clone or bundle)")
        return p

    for name, text in (("move", "move a resource to a node (a cli-prefer constraint)"),
                       ("ban", "keep a resource off a node (a cli-ban constraint)")):
        p = rsc(simple(name, text))
        p.add_argument("node", metavar="NODE")
        p.add_argument("--promoted", action="store_true", help="only the promoted role (promotable clones)")
        p.add_argument("--lifetime", default=None, metavar="L", help="how long the constraint holds (ISO 8601: PT1H)")
    p = rsc(simple("clear", "remove a resource's move and ban constraints"))
    p.add_argument("node", metavar="NODE", nargs="?", default=None, help="only the ones for this node")
    p.add_argument("--promoted", action="store_true", help="only the ones for the promoted role")
    p = rsc(simple("restart", "restart a resource (stop, wait, start)"))
    p.add_argument("--node", default=None, metavar="N", help="only its instance on N (clones)")
    for name, text in (("enable", "let a resource run (target-role removed)"),
                       ("disable", "stop a resource (target-role=Stopped)"),
                       ("manage", "let the cluster manage a resource again (is-managed removed)"),
                       ("unmanage", "leave a resource alone (is-managed=false)")):
        rsc(simple(name, text))
    p = simple("refresh", "forget resource history and re-detect the state")
    p.add_argument("--resource", default=None, metavar="R")
    p.add_argument("--node", default=None, metavar="N")
    p = rsc(simple("meta-set", "set a resource meta attribute"))
    p.add_argument("meta_name", metavar="NAME")
    p.add_argument("value", metavar="VALUE")
    p = rsc(simple("meta-delete", "delete a resource meta attribute"))
    p.add_argument("meta_name", metavar="NAME")
    p = simple("fence", "fence (reboot) a node through the cluster's fence devices")
    p.add_argument("node", metavar="NODE")
    p.add_argument("--off", action="store_true", help="power it off and leave it off")
    simple("clear-failcounts", "delete every fail count on a node").add_argument("node", metavar="NODE")
    for name, text in (("promote", "promote a promotable clone on a node (move --promoted)"),
                       ("demote", "keep the promoted role off a node (ban --promoted)")):
        p = rsc(simple(name, text))
        p.add_argument("node", metavar="NODE")


# what crm_resource --lifetime takes (an ISO 8601 duration): checked before anything is contacted
LIFETIME = re.compile(r"P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?")


@dataclass(frozen=True)
class Facts:
    """What the plan of a resource action needs from the cluster (one status read, one CIB read)."""

    version: str | None = None
    constraint_ids: tuple[str, ...] = ()
    devices: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()  # resources with a fail count on the node
    via: str | None = None  # fence: the node to ask (not the victim)


def plan_from_args(args: argparse.Namespace, facts: Facts | None = None) -> Plan:
    facts = facts or Facts()
    a = args.action
    if a in ("standby", "unstandby"):
        return actions.standby(args.node, on=(a == "standby"))
    if a == "maintenance":
        return actions.node_maintenance(args.node, on=(args.state == "on"))
    if a == "cluster-maintenance":
        return actions.cluster_maintenance(on=(args.state == "on"))
    if a in ("move", "ban"):
        build = actions.move if a == "move" else actions.ban
        return build(args.resource, args.node, promoted=args.promoted, lifetime=args.lifetime, version=facts.version)
    if a == "clear":
        return actions.clear(args.resource, args.node, promoted=args.promoted, constraint_ids=facts.constraint_ids,
                             version=facts.version)
    if a == "restart":
        return actions.restart(args.resource, args.node)
    if a in ("enable", "disable", "manage", "unmanage"):
        return getattr(actions, a)(args.resource)
    if a == "refresh":
        return actions.refresh(args.resource, args.node)
    if a == "meta-set":
        return actions.meta_set(args.resource, args.meta_name, args.value)
    if a == "meta-delete":
        return actions.meta_delete(args.resource, args.meta_name)
    if a == "fence":
        return actions.fence(args.node, facts.devices, off=args.off, via=facts.via)
    if a == "clear-failcounts":
        return actions.clear_failcounts(args.node, facts.failed)
    if a in ("promote", "demote"):
        return getattr(actions, a)(args.resource, args.node, version=facts.version)
    return actions.cleanup(args.resource, args.node)


def _listed(names) -> str:
    names = sorted(set(names))
    shown = ", ".join(one_line(n, 80) for n in names[:20])
    return (shown + f", ... ({len(names)} in all)" if len(names) > 20 else shown) or "none"


def _promotable(snapshot: Snapshot) -> set[str]:
    """Promotable clones and the primitives inside them (crm_resource takes either)."""
    ids = set()
    for top in snapshot.all_resources():
        if top.promotable:
            ids |= {r.id.split(":", 1)[0] for r in top.walk()}
    return ids


def unknown_names(args: argparse.Namespace, snapshot: Snapshot) -> str | None:
    """Why the action names something the cluster does not have, or None."""
    node = getattr(args, "node", None)
    if node is not None:
        known = [n.name for n in snapshot.nodes]
        if node not in known:
            return f"no node named '{one_line(node)}' in the cluster (nodes: {_listed(known)})"
    resource = getattr(args, "resource", None)
    if resource is not None:
        ids = {r.id for r in snapshot.all_resources() if r.kind is not ResourceKind.REPLICA}  # "0": no name
        ids |= {i.split(":", 1)[0] for i in ids}  # clone instances ("web:0") by their primitive
        ids |= {f.resource for f in snapshot.failures if f.resource}  # failed ops of orphans
        if resource not in ids:
            return f"no resource named '{one_line(resource)}' in the cluster (resources: {_listed(ids)})"
        wants_role = getattr(args, "action", None) in ("promote", "demote") or getattr(args, "promoted", False)
        if wants_role and resource not in _promotable(snapshot):
            return (f"'{one_line(resource)}' is not a promotable clone, it has no promoted role "
                    f"(promotable: {_listed(_promotable(snapshot))})")
    return None


async def gather_facts(args: argparse.Namespace, session, snapshot: Snapshot, host: str) -> Facts:
    """The status read's facts, and for clear/fence one CIB read (nothing changes)."""
    config = b""
    if args.action in _NEEDS_CIB:
        from tui.pacemaker import commands

        try:
            result = await session.pool.run(host, commands.cib_configuration(), purpose="read the constraints",
                                            read=True)
            config = result.stdout if result.ok else b""
        except Exception:  # noqa: BLE001 - a plan without the ids still names the command
            config = b""
    constraint_ids: tuple[str, ...] = ()
    if args.action == "clear":
        found = actions.cli_constraints(config, args.resource, args.node, args.promoted) if config else []
        if not config:  # no CIB: the bans crm_mon showed
            found = actions.bans_of(snapshot, args.resource, args.node, args.promoted)
        constraint_ids = tuple(found)
    devices = tuple(actions.fence_devices_in(config, args.node)) if args.action == "fence" and config else ()
    failed = tuple(actions.failed_resources(snapshot, args.node)) if args.action == "clear-failcounts" else ()
    via = None
    if args.action == "fence" and host == args.node:  # not the node that is to be fenced
        from tui.pacemaker.model import NodeKind

        via = next((n.name for n in snapshot.nodes_of(NodeKind.CLUSTER) if n.online and n.name != args.node), None)
    return Facts(snapshot.pacemaker_version, constraint_ids, devices, failed, via)


def main(args: argparse.Namespace, target: Target, *, apply: bool) -> int:
    from tui.headless import nodes

    if args.action in nodes.WIZARD_ACTIONS:  # the node wizards: checks first, then their plan
        return nodes.main(args, target, apply=apply)
    verb = "apply" if apply else "plan"
    for what in ("meta_name", "value", "lifetime", "confirm_name"):
        value = getattr(args, what, None)
        if isinstance(value, str) and not is_utf8_text(value):
            print(f"pcmk-console {verb}: {what.replace('_', '-')} '{one_line(value)}' is not UTF-8 text; nothing ran",
                  file=sys.stderr)
            return ExitCode.USAGE
    lifetime = getattr(args, "lifetime", None)
    if lifetime is not None and not LIFETIME.fullmatch(lifetime):
        print(f"pcmk-console {verb}: --lifetime '{one_line(lifetime)}' is not an ISO 8601 duration "
              "(PT1H, PT30M, P1D, P1DT12H); nothing ran", file=sys.stderr)
        return ExitCode.USAGE
    plan = plan_from_args(args)
    if apply and target.read_only:
        print(plan.describe())
        why = "a saved CIB is read-only" if target.kind == CIB_FILE else "read-only mode"
        print(f"pcmk-console apply: refused ({why}: {one_line(target.describe())}); nothing ran", file=sys.stderr)
        return ExitCode.READ_ONLY
    consent = args.yes or getattr(args, "confirm_name", None) is not None
    if apply and not consent and not sys.stdin.isatty():
        print(plan.describe())
        print("pcmk-console apply: refused: not a terminal to confirm on; pass --yes to run it", file=sys.stderr)
        return ExitCode.USAGE
    return asyncio.run(_plan_or_apply(verb, args, target, plan, apply))


async def _plan_or_apply(verb: str, args: argparse.Namespace, target: Target, plan: Plan, apply: bool) -> int:
    session = target.session(demo_life=False)
    as_json = bool(getattr(args, "json", False)) and not apply
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
        host = None if target.kind == CIB_FILE else session.action_host
        if args.action in _NEEDS_FACTS:
            plan = plan_from_args(args, await gather_facts(args, session, looked.snapshot, session.action_host))
        if not plan.steps:  # clear-failcounts on a node without any
            print(plan.describe(default_host=host))
            print(f"pcmk-console {verb}: nothing to do; nothing ran")
            return ExitCode.OK
        impact = await preview(plan, session, looked.snapshot)
        typed = target.kind != CIB_FILE and _typed_needed(session, plan, impact)
        if as_json:
            from tui.headless.nodes import plan_json

            json.dump({"action": args.action, "plan": plan_json(plan, host),
                       "impact": impact.to_json() if impact is not None else None,
                       "cluster_wide": bool(getattr(plan, "cluster_wide", False)),
                       "confirmation": "cluster-name" if typed else "one-key"},
                      sys.stdout, indent=2, ensure_ascii=True)
            print()
        else:
            print(plan.describe(default_host=host), flush=True)
            print_impact(impact)
            if typed and not apply:
                print(f"apply asks for the cluster's name ({one_line(session.cluster.name)}): a production cluster, "
                      + ("a cluster-wide action" if getattr(plan, "cluster_wide", False) else
                         "something would stop" if impact is not None and impact.stops else "no preview"))
        if not apply:
            return ExitCode.OK
        return await confirm_and_run("pcmk-console apply", session, plan, yes=args.yes, impact=impact,
                                     confirm_name=getattr(args, "confirm_name", None))
    finally:
        await session.close()


async def preview(plan: Plan, session, snapshot: Snapshot):
    """The plan's impact (crm_simulate on a copy of the CIB, run where the status came from;
    a saved CIB: here). None when the plan changes no placement."""
    spec = getattr(plan, "preview", None)
    if spec is None:
        return None
    from tui.ops.preview import compute_impact

    return await compute_impact(spec, session.pool, session.action_host, version=snapshot.pacemaker_version)


def print_impact(impact) -> None:
    if impact is None:
        return
    print("preview (crm_simulate on a copy of the CIB; nothing changed):")
    for line in impact.lines():
        print(f"  {one_line(line, None)}")


def _typed_needed(session, plan: Plan, impact) -> bool:
    from tui.ops.risk import needs_typed_confirmation

    return needs_typed_confirmation(plan, impact, production=bool(getattr(session.cluster, "production", False)))


def confirmed(prefix: str, session, plan: Plan, *, yes: bool, impact, confirm_name: str | None,
              question: str = "Run these commands?") -> int | None:
    """Consent to run `plan`, as its risk needs it (tui.ops.risk): None to go on, else the
    exit code of a refusal or a no. Every apply asks here: actions, wizards, certs, resume."""
    from tui.ops.risk import typed_ok

    name = session.cluster.name
    typed = _typed_needed(session, plan, impact)
    # --confirm-name decides where the name is needed, and where --yes does not already consent
    if confirm_name is not None and (typed or not yes):
        if typed_ok(confirm_name, name):
            return None
        print(f"{prefix}: refused: --confirm-name '{one_line(confirm_name)}' is not this cluster's name; "
              "nothing ran", file=sys.stderr)
        return ExitCode.USAGE
    if typed:
        if yes or not sys.stdin.isatty():
            print(f"{prefix}: refused: {one_line(name)} is a production cluster and this action needs its name "
                  f"typed; pass --confirm-name {one_line(name)} with --yes; nothing ran", file=sys.stderr)
            return ExitCode.USAGE
        if not typed_ok(input(f"Type the cluster name ({one_line(name)}) to run: "), name):
            print("the name did not match: nothing ran")
            return ExitCode.OK
        return None
    if yes:
        return None
    if input(f"{question} [y/N] ").strip().lower() not in ("y", "yes"):
        print("nothing ran")
        return ExitCode.OK
    return None


async def confirm_and_run(prefix: str, session, plan: Plan, *, yes: bool, after=None, impact=None,
                          confirm_name: str | None = None) -> int:
    """Ask (unless yes; on a production cluster, when tui.ops.risk says so, the cluster's name
    typed, or --confirm-name NAME), run the plan journalled with its progress on stdout, say
    what was and was not done, call `after(result)` (a wizard's diagnosis), then offer the undo
    of the done steps, at a terminal only (--yes never undoes on its own). The exit code."""
    refused = confirmed(prefix, session, plan, yes=yes, impact=impact, confirm_name=confirm_name)
    if refused is not None:
        return refused
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
