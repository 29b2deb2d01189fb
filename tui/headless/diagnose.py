"""`pcmk-console diagnose NODE [--json]`: why a remote or guest node is offline.

One status read, then the read-only probes of tui.ops.nodes.diagnose; prints the verdict,
the evidence and the fix (terminal-safe text), or the Diagnosis as JSON (exact,
ensure_ascii). Exit 0 when a verdict was reached (whatever it says); 2 for a name that is
not a remote or guest node of the cluster; 3 when the cluster gave no status. A saved CIB
(--cib-file) has no hosts to ask: its diagnosis comes from the status alone.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from tui.exitcodes import ExitCode
from tui.ops.nodes.diagnose import NotDiagnosable, diagnose, render_diagnosis
from tui.plaintext import one_line
from tui.target import CIB_FILE, Target

PREFIX = "pcmk-console diagnose"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("node", metavar="NODE", help="a remote or guest node")
    parser.add_argument("--json", action="store_true", help="the diagnosis as JSON")


def main(args: argparse.Namespace, target: Target) -> int:
    return asyncio.run(_diagnose(args, target))


async def _diagnose(args: argparse.Namespace, target: Target) -> int:
    session = target.session(demo_life=False)
    try:
        looked = await session.refresh()  # a read
        if looked.snapshot is None:
            print(f"{PREFIX}: no status from {one_line(target.describe())}: "
                  f"{one_line(looked.error or 'no status')}", file=sys.stderr)
            return ExitCode.UNREACHABLE
        try:
            found = await diagnose(session.pool, looked.snapshot, args.node,
                                   default_host=session.action_host, probe=target.kind != CIB_FILE)
        except NotDiagnosable as exc:
            print(f"{PREFIX}: {one_line(exc)}", file=sys.stderr)
            return ExitCode.USAGE
    finally:
        await session.close()
    if args.json:
        json.dump(found.to_json(), sys.stdout, indent=2, ensure_ascii=True)
        print()
    else:
        print(render_diagnosis(found))
    return ExitCode.OK
