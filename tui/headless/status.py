"""`pcmk-console status`: one look at the cluster, as a short summary or as JSON."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from tui.exitcodes import ExitCode
from tui.pacemaker import cib
from tui.pacemaker.crm_mon import parse_status
from tui.pacemaker.json_view import outcome_to_dict
from tui.pacemaker.model import ConditionKind, NodeKind, Snapshot, StatusOutcome, Unavailable


def main(args: argparse.Namespace) -> int:
    try:
        outcome = _outcome(args)
    except _InputError as exc:
        print(f"pcmk-console status: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    if args.json:
        json.dump(outcome_to_dict(outcome), sys.stdout, indent=2, sort_keys=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render_summary(outcome))
    return exit_code_for(outcome)


class _InputError(Exception):
    pass


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise _InputError(f"cannot read {what} {path}: {exc.strerror or exc}") from exc


def _outcome(args: argparse.Namespace) -> StatusOutcome:
    if args.xml is not None:
        outcome = parse_status(_read(args.xml, "--xml file"), 0)
        if args.cib is not None and isinstance(outcome, Snapshot):
            try:
                outcome = cib.join(outcome, cib.parse_configuration(_read(args.cib, "--cib file")))
            except cib.CibParseError as exc:
                raise _InputError(f"--cib file {args.cib}: {exc}") from exc
        return outcome
    from tui.config import effective_config
    from tui.session import build_session

    if args.cib is not None and not args.cib.is_file():
        raise _InputError(f"--cib file {args.cib}: no such file")
    config = effective_config(args.config, read_only=args.read_only)
    session = build_session(config, args.cluster, cib_file=args.cib, demo=args.demo, demo_life=False)

    async def look():
        try:
            return await session.refresh()
        finally:
            await session.close()

    result = asyncio.run(look())
    return result.outcome


def exit_code_for(outcome: StatusOutcome) -> int:
    if isinstance(outcome, Snapshot):
        return ExitCode.OK
    kind = outcome.condition.kind
    if kind is ConditionKind.INSUFFICIENT_PRIVILEGES:
        return ExitCode.PRIVILEGES
    if kind is ConditionKind.MALFORMED:
        return ExitCode.MALFORMED
    return ExitCode.UNREACHABLE


def _yes(flag: bool | None) -> str:
    return "unknown" if flag is None else ("yes" if flag else "NO")


def _node_state(node) -> str:
    words = []
    if node.unclean:
        words.append("UNCLEAN")
    words.append("online" if node.online else "OFFLINE")
    if node.standby:
        words.append("standby")
    if node.maintenance:
        words.append("maintenance")
    if node.is_dc:
        words.append("DC")
    return " ".join(words)


def _where(node) -> str:
    address = f"{node.address}:{node.port}" if node.address else None
    if node.kind is NodeKind.REMOTE:
        parts = [f"connection {node.connection_resource}" if node.connection_resource else None, f"on {node.host}" if node.host else None, address]
    elif node.kind in (NodeKind.GUEST, NodeKind.BUNDLE):
        parts = [f"container {node.container_resource}" if node.container_resource else None, f"on {node.host}" if node.host else None, address]
    else:
        parts = []
    text = ", ".join(p for p in parts if p)
    return f" ({text})" if text else ""


def render_summary(outcome: StatusOutcome) -> str:
    if isinstance(outcome, Unavailable):
        cond = outcome.condition
        code = f" (exit {cond.exit_code})" if cond.exit_code is not None else ""
        lines = [f"Cluster not available: {cond.kind.value}{code}: {cond.message}"]
        lines += [f"  {detail}" for detail in cond.details]
        return "\n".join(lines) + "\n"
    s = outcome.summary
    name = s.cluster_name or "cluster"
    lines = [
        f"{name} ({s.stack or 'unknown stack'}) - DC {s.dc or 'NONE'}, quorum {_yes(s.with_quorum)}, "
        f"Pacemaker {outcome.pacemaker_version or 'unknown'}"
    ]
    if not s.stonith_enabled:
        lines.append("WARNING: fencing (stonith-enabled) is disabled")
    if s.maintenance_mode:
        lines.append("WARNING: cluster is in maintenance mode")
    titles = {NodeKind.CLUSTER: "Cluster nodes", NodeKind.REMOTE: "Remote nodes", NodeKind.GUEST: "Guest nodes", NodeKind.BUNDLE: "Bundle nodes", NodeKind.PING: "Ping nodes"}
    for kind, title in titles.items():
        nodes = outcome.nodes_of(kind)
        if not nodes:
            continue
        lines.append(f"{title} ({len(nodes)}):")
        lines += [f"  {n.name}: {_node_state(n)}{_where(n)}" for n in nodes]
    primitives = [r for r in outcome.all_resources() if r.kind.value == "primitive"]
    active = sum(1 for r in primitives if r.active)
    failed = sum(1 for r in primitives if r.failed)
    lines.append(f"Resources: {len(primitives)} primitives, {active} active, {failed} failed")
    if outcome.failures:
        lines.append(f"Failed actions ({len(outcome.failures)}):")
        lines += [f"  {f.op_key} on {f.node}: {f.exit_status or f.exit_code} {('- ' + f.exit_reason) if f.exit_reason else ''}".rstrip() for f in outcome.failures]
    for cond in outcome.conditions:
        lines.append(f"NOTE: {cond.message}")
    return "\n".join(lines) + "\n"
