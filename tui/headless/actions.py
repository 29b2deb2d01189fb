"""`pcmk-console plan ACTION` and `pcmk-console apply ACTION`: the same Plan, shown or run."""

from __future__ import annotations

import argparse
import asyncio
import sys

from tui.config import Config
from tui.exitcodes import ExitCode
from tui.ops import actions
from tui.ops.plan import Plan
from tui.remote.transport import ReadOnlyError


def add_action_arguments(parser: argparse.ArgumentParser, *, confirm: bool) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    parser.set_defaults(yes=False)

    def action(name: str, text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=text)
        if confirm:  # on each action, so `apply standby rn1 --yes` parses
            p.add_argument("--yes", action="store_true", help="do not ask before running")
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


def plan_from_args(args: argparse.Namespace) -> Plan:
    if args.action in ("standby", "unstandby"):
        return actions.standby(args.node, on=(args.action == "standby"))
    if args.action == "maintenance":
        return actions.node_maintenance(args.node, on=(args.state == "on"))
    if args.action == "cluster-maintenance":
        return actions.cluster_maintenance(on=(args.state == "on"))
    return actions.cleanup(args.resource, args.node)


def main(args: argparse.Namespace, config: Config, *, apply: bool) -> int:
    plan = plan_from_args(args)
    print(plan.describe())
    if not apply:
        return ExitCode.OK
    from tui.session import build_session

    session = build_session(config, args.cluster)
    if session.read_only:
        print("refused: read-only mode; nothing ran", file=sys.stderr)
        return ExitCode.READ_ONLY
    if not args.yes:
        if not sys.stdin.isatty():
            print("refused: not a terminal to confirm on; pass --yes to run it", file=sys.stderr)
            return ExitCode.USAGE
        if input("Run these commands? [y/N] ").strip().lower() not in ("y", "yes"):
            print("nothing ran")
            return ExitCode.OK

    async def go():
        try:
            # a refresh first, so commands go to a node that answers
            await session.refresh()
            return await session.apply(plan)
        finally:
            await session.close()

    try:
        result = asyncio.run(go())
    except ReadOnlyError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return ExitCode.READ_ONLY
    for outcome in result.outcomes:
        status = "ok" if outcome.ok else "FAILED"
        print(f"[{status}] {outcome.host}: {outcome.step.title}")
        if outcome.result is not None and not outcome.ok:
            text = (outcome.result.stderr or outcome.result.stdout).decode(errors="replace").strip()
            if text:
                print("  " + text.replace("\n", "\n  "))
    print(result.summary())
    return ExitCode.OK if result.ok else ExitCode.FAILED
