"""`pcmk-console status`: one look at the cluster, as a short summary or as JSON.

Besides crm_mon's view, every cluster, remote and guest node's authentication can be read
(tui.ops.certs.authview: env files, authkey hash, certificate and CA files; reads only, all
nodes at once, each read bounded by its timeout): `--json` carries it as "auth" unless
--no-auth (or `"auth": null` and "auth_error" saying why, e.g. a saved file has no hosts);
the text summary prints its findings under "Authentication" only with --auth, so plain
`status` costs what crm_mon costs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from tui.exitcodes import ExitCode
from tui.plaintext import one_line
from tui.pacemaker import cib
from tui.pacemaker.crm_mon import parse_status
from tui.pacemaker.json_view import outcome_to_dict
from tui.pacemaker.model import ConditionKind, NodeKind, Snapshot, StatusOutcome, Unavailable
from tui.pacemaker.vocabulary import NODE_KIND_TITLES, node_state_text
from tui.target import CIB_FILE, TargetError, check_readable, resolve_target


def main(args: argparse.Namespace) -> int:
    try:
        outcome, source, auth = _outcome(args)
    except (_InputError, TargetError) as exc:
        print(f"pcmk-console status: {one_line(exc)}", file=sys.stderr)
        return ExitCode.USAGE
    if args.json:
        doc = outcome_to_dict(outcome)
        doc.update(auth_json(auth))
        json.dump(doc, sys.stdout, indent=2, sort_keys=False)  # ensure_ascii: exact and safe
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render_summary(outcome, source))
        if isinstance(outcome, Snapshot) and wants_auth(args):
            sys.stdout.write(render_auth(auth))
    return exit_code_for(outcome)


@dataclass(frozen=True)
class Auth:
    """The auth view's nodes, or why there are none."""

    nodes: tuple | None = None
    error: str | None = None


SAVED_FILE = "a saved file has no hosts to read the nodes' authentication from"
NOT_ASKED = "not read (--no-auth)"


def wants_auth(args: argparse.Namespace) -> bool:
    """`status --json` reads it unless --no-auth; the text summary only with --auth."""
    if getattr(args, "json", False):
        return not getattr(args, "no_auth", False)
    return bool(getattr(args, "auth", False))


def auth_json(auth: Auth) -> dict:
    """{"auth": {...}} or {"auth": None, "auth_error": "why"}."""
    if auth.nodes is None:
        return {"auth": None, "auth_error": auth.error or "not read"}
    from tui.ops.certs.authview import to_json

    return {"auth": to_json(auth.nodes)}


def render_auth(auth: Auth) -> str:
    """The findings under one heading: the modes in use, then each finding on its line."""
    if auth.nodes is None:
        return f"Authentication: not read ({one_line(auth.error or 'unknown')})\n"
    from tui.ops.certs.authview import summarize

    modes: dict[str, int] = {}
    for node in auth.nodes:
        if node.reachable:
            modes[node.mode] = modes.get(node.mode, 0) + 1
    words = {"x509": "X.509", "psk": "PSK", "partial": "partial"}
    shown = ", ".join(f"{words.get(m, one_line(m))} on {n} node(s)" for m, n in modes.items()) or "no node read"
    lines = [f"Authentication: {shown}"]
    lines += [f"  {one_line(text)}" for text in summarize(auth.nodes)]
    return "\n".join(lines) + "\n"


async def read_auth(session, snapshot: Snapshot) -> Auth:
    """The auth view of every node, read concurrently; never raises (the status is shown
    whatever happened here)."""
    try:
        from tui.ops.certs.authview import collect_auth

        return Auth(tuple(await collect_auth(session.pool, snapshot, default_host=session.action_host)))
    except Exception as exc:  # the status itself must not be lost to the auth view
        return Auth(None, f"cannot read: {type(exc).__name__}: {exc}")


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


def _outcome(args: argparse.Namespace) -> tuple[StatusOutcome, str | None, Auth]:
    """The status, for a saved file where it came from (named in the summary), and the
    nodes' authentication."""
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
        return outcome, f"--xml {args.xml}", Auth(None, SAVED_FILE if wants_auth(args) else NOT_ASKED)
    if args.cib is not None:
        _offline_conflicts(args, "--cib")
        args = argparse.Namespace(**{**vars(args), "cib_file": args.cib})
        check_readable(args.cib, "--cib")
    target = resolve_target(args)
    session = target.session(demo_life=False)
    saved = target.kind == CIB_FILE or bool(os.environ.get("CIB_file"))  # crm_mon reads a file
    wanted = wants_auth(args)

    async def look():
        try:
            result = await session.refresh()
            if not wanted:
                auth = Auth(None, NOT_ASKED)
            elif saved:
                auth = Auth(None, SAVED_FILE)
            elif result.snapshot is None:
                auth = Auth(None, "no cluster status to find the nodes in")
            else:
                auth = await read_auth(session, result.snapshot)
            return result, auth
        finally:
            await session.close()

    result, auth = asyncio.run(look())
    if getattr(session, "host_keys_note", None):  # stderr: --json stays exact
        print(f"pcmk-console status: {one_line(session.host_keys_note)}", file=sys.stderr)
    return result.outcome, None, auth


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
