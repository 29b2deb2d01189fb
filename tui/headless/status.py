"""`pcmk-console status`: one look at the cluster, as a short summary or as JSON."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from tui.exitcodes import ExitCode
from tui.plaintext import one_line
from tui.pacemaker import cib
from tui.pacemaker.crm_mon import parse_status
from tui.pacemaker.json_view import outcome_to_dict
from tui.pacemaker.model import ConditionKind, NodeKind, Snapshot, StatusOutcome, Unavailable
from tui.pacemaker.vocabulary import NODE_KIND_TITLES, node_state_text
from tui.target import TargetError, check_readable, resolve_target


def main(args: argparse.Namespace) -> int:
    try:
        outcome, source = _outcome(args)
    except (_InputError, TargetError) as exc:
        print(f"pcmk-console status: {one_line(exc)}", file=sys.stderr)
        return ExitCode.USAGE
    if args.json:
        json.dump(outcome_to_dict(outcome), sys.stdout, indent=2, sort_keys=False)  # ensure_ascii: exact and safe
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render_summary(outcome, source))
    return exit_code_for(outcome)


class _InputError(Exception):
    pass


def _read(path: Path, what: str) -> bytes:
    check_readable(path, what)  # names the file and why (no such file, a directory, ...)
    return path.read_bytes()


def _offline_conflicts(args: argparse.Namespace, option: str) -> None:
    """--xml (and --cib alone) read saved files: an option naming a live target is a mistake."""
    for name, given in (("--demo", getattr(args, "demo", False)), ("--cib-file", getattr(args, "cib_file", None) is not None),
                        ("--cluster", getattr(args, "cluster", None) is not None)):
        if given:
            raise TargetError(f"{option} reads a saved file; it excludes {name}")


def _outcome(args: argparse.Namespace) -> tuple[StatusOutcome, str | None]:
    """The status and, for a saved file, where it came from (named in the summary)."""
    if args.xml is not None:
        _offline_conflicts(args, "--xml")
        if args.cib is not None:
            check_readable(args.cib, "--cib")  # named even when --xml turns out unreadable
        # a saved file has no exit status: None, so nothing says "(exit 0)"
        outcome = parse_status(_read(args.xml, "--xml"), None)
        if args.cib is not None and isinstance(outcome, Snapshot):
            try:
                outcome = cib.join(outcome, cib.parse_configuration(_read(args.cib, "--cib")))
            except cib.CibParseError as exc:
                raise _InputError(f"--cib {args.cib}: {exc}") from exc
        return outcome, f"--xml {args.xml}"
    if args.cib is not None:
        _offline_conflicts(args, "--cib")
        args = argparse.Namespace(**{**vars(args), "cib_file": args.cib})
        check_readable(args.cib, "--cib")
    session = resolve_target(args).session(demo_life=False)

    async def look():
        try:
            return await session.refresh()
        finally:
            await session.close()

    result = asyncio.run(look())
    if getattr(session, "host_keys_note", None):  # stderr: --json stays exact
        print(f"pcmk-console status: {one_line(session.host_keys_note)}", file=sys.stderr)
    return result.outcome, None


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
    """crm_mon's words for the node ("UNCLEAN (offline)"), as every view says them; then DC."""
    return node_state_text(node) + (" DC" if node.is_dc else "")


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


def render_summary(outcome: StatusOutcome, source: str | None = None) -> str:
    """The short text form. Every string from the cluster (or a saved file) goes through
    one_line(): no control character reaches the terminal raw."""
    if isinstance(outcome, Unavailable):
        cond = outcome.condition
        code = f" (exit {cond.exit_code})" if cond.exit_code is not None else ""
        head = f"{one_line(source)}: not understood" if source else "Cluster not available"
        lines = [f"{head}: {cond.kind.value}{code}: {one_line(cond.message)}"]
        lines += [f"  {one_line(detail)}" for detail in cond.details]
        return "\n".join(lines) + "\n"
    s = outcome.summary
    name = one_line(s.cluster_name or "cluster")
    lines = [
        f"{name} ({one_line(s.stack or 'unknown stack')}) - DC {one_line(s.dc or 'NONE')}, quorum {_yes(s.with_quorum)}, "
        f"Pacemaker {one_line(outcome.pacemaker_version or 'unknown')}"
    ]
    if not s.stonith_enabled:
        lines.append("WARNING: fencing (stonith-enabled) is disabled")
    if s.maintenance_mode:
        lines.append("WARNING: cluster is in maintenance mode")
    for kind, title in NODE_KIND_TITLES.items():  # the titles the TUI's panes use too
        nodes = outcome.nodes_of(kind)
        if not nodes:
            continue
        lines.append(f"{title} ({len(nodes)}):")
        lines += [f"  {one_line(n.name)}: {_node_state(n)}{one_line(_where(n))}" for n in nodes]
    primitives = [r for r in outcome.all_resources() if r.kind.value == "primitive" and not r.implicit]  # as crm_mon lists them
    active = sum(1 for r in primitives if r.active)
    failed = sum(1 for r in primitives if r.failed)
    lines.append(f"Resources: {len(primitives)} primitives, {active} active, {failed} failed")
    if outcome.failures:
        lines.append(f"Failed actions ({len(outcome.failures)}):")
        for f in outcome.failures:
            reason = f" - {one_line(f.exit_reason)}" if f.exit_reason else ""
            lines.append(f"  {one_line(f.op_key)} on {one_line(f.node)}: {one_line(f.exit_status or f.exit_code)}{reason}")
    for cond in outcome.conditions:
        lines.append(f"NOTE: {one_line(cond.message)}")
    return "\n".join(lines) + "\n"
