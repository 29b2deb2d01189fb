"""`pcmk-console run [--cluster C] [--nodes SEL] [--timeout S] -- COMMAND...`: ad-hoc fan-out.

Runs one argv on many nodes at once through the worker pool (so every execution is in the
action log) and prints each host's result as it arrives, pssh-style. The console cannot tell
what an ad-hoc command does, so it counts as a change: read-only mode refuses it.
"""

from __future__ import annotations

import argparse
import asyncio
import shlex
import sys
import time
from dataclasses import replace
from typing import Any, Iterable, TextIO

from tui.config import ConfigError
from tui.exitcodes import ExitCode
from tui.plaintext import multi_line, one_line
from tui.remote.actionlog import ActionLog
from tui.remote.hosts import transports_for
from tui.pacemaker.sensitive import redact_text
from tui.remote.pool import WorkerPool
from tui.remote.transport import CommandResult, ReadOnlyError
from tui.target import CIB_FILE, Target

KIND_SELECTORS = ("cluster", "remote", "guest")
# snapshot node kinds (tui.pacemaker.model.NodeKind values) -> selector
_SNAPSHOT_KINDS = {"cluster": "cluster", "remote": "remote", "guest": "guest", "bundle": "guest"}


class TargetError(ValueError):
    pass


def resolve_targets(cluster: Any, selector: str | Iterable[str] = "all", snapshot: Any = None):
    """The nodes (tui.config.NodeConfig) that `selector` names, in config order.

    selector: "all", "cluster", "remote", "guest", or node names (a list, or one string
    with commas). Nodes the cluster reports (snapshot) but the config does not list are
    reached at their CIB address with the cluster's ssh defaults.
    """
    nodes = {n.name: n for n in cluster.nodes}
    kinds = {n.name: n.kind for n in cluster.nodes}
    if snapshot is not None:
        for node in snapshot.nodes:
            kind = _SNAPSHOT_KINDS.get(str(node.kind))
            if kind is None or node.name in nodes:
                continue  # ping nodes run nothing; configured nodes keep their own settings
            nodes[node.name] = replace(cluster.node_for_address(node.name, node.address), kind=kind)
            kinds[node.name] = kind

    words = [selector] if isinstance(selector, str) else list(selector)
    names = [w.strip() for word in words for w in word.split(",") if w.strip()]
    if not names:
        raise TargetError("--nodes: empty node selection")
    chosen: list[str] = []
    for name in names:
        if name == "all":
            matches = list(nodes)
        elif name in KIND_SELECTORS:
            matches = [n for n in nodes if kinds[n] == name]
        elif name in nodes:
            matches = [name]
        else:
            known = ", ".join(nodes) or "none"
            raise TargetError(
                f"--nodes: no node named {name!r} in cluster {cluster.name!r} "
                f"(known: {known}; or all, cluster, remote, guest)"
            )
        chosen += [m for m in matches if m not in chosen]
    if not chosen:
        raise TargetError(f"--nodes {','.join(names)}: no such nodes in cluster {cluster.name!r}")
    return tuple(nodes[n] for n in chosen)


def format_result(number: int, result: CommandResult) -> str:
    """pssh's layout: `[1] 12:00:01 [SUCCESS] host`, then the output (terminal-safe: the
    output is the host's, and may carry any bytes)."""
    stamp = time.strftime("%H:%M:%S", time.localtime(result.ended))  # pssh's short stamp
    host = one_line(result.host)
    if result.ok:
        head = f"[{number}] {stamp} [SUCCESS] {host}"
    elif result.exit_status is not None:
        head = f"[{number}] {stamp} [FAILURE] {host} exit {result.exit_status}"
        if result.error:
            head += f": {one_line(result.error)}"
    else:
        head = f"[{number}] {stamp} [FAILURE] {host}: {one_line(result.error or 'no exit status')}"
    lines = [head]
    if result.stdout:
        lines.append(_text(result.stdout, result.stdout_spill))
    if result.stderr:
        lines.append("Stderr: " + _text(result.stderr, result.stderr_spill))
    return "\n".join(lines)


def _text(data: bytes, spill: str | None) -> str:
    # sensitive parameters (a fence password in `run -- cibadmin --query`) are redacted here too
    text = multi_line(redact_text(data.decode("utf-8", "replace").rstrip("\n")))
    if spill:
        text += f"\n[output cut at {len(data)} bytes; all of it is in {one_line(spill)}]"
    return text


def run_on_target(args: argparse.Namespace, target: Target) -> int:
    """The verb from the command line: discover the target cluster's nodes (a status read),
    then fan the command out through the same session's pool."""
    if target.kind == CIB_FILE:
        print(f"pcmk-console run: refused: {one_line(target.describe())} is read-only; nothing ran",
              file=sys.stderr)
        return ExitCode.READ_ONLY

    async def go() -> int:
        session = target.session(demo_life=False)
        try:
            looked = await session.refresh()
            if looked.snapshot is None:
                print(f"pcmk-console run: no cluster status ({one_line(looked.error)}); using the configured nodes only",
                      file=sys.stderr)
            args.snapshot = looked.snapshot
            return await main(args, target.config, session=session)
        finally:
            await session.close()

    return asyncio.run(go())


async def main(args: argparse.Namespace, config: Any, *, out: TextIO | None = None,
               log: ActionLog | None = None, session: Any = None) -> int:
    """args: cluster (str|None), nodes (str, default "all"), timeout (float|None),
    command (list[str], a leading "--" is dropped), read_only (bool, optional).
    session: a ClusterSession whose pool runs the command (the target's: demo, config,
    local); without one, the configured cluster's nodes are reached directly."""
    out = out or sys.stdout
    command = list(getattr(args, "command", None) or [])
    if command[:1] == ["--"]:
        command = command[1:]
    if not command:
        print("pcmk-console run: no command given (pcmk-console run -- COMMAND ...)", file=sys.stderr)
        return ExitCode.USAGE
    try:
        cluster = session.cluster if session is not None else config.cluster(getattr(args, "cluster", None))
        targets = resolve_targets(cluster, getattr(args, "nodes", None) or "all",
                                  getattr(args, "snapshot", None))
    except (ConfigError, ValueError, LookupError) as exc:
        print(f"pcmk-console run: {one_line(exc)}", file=sys.stderr)
        return ExitCode.USAGE

    read_only = bool(config.read_only or cluster.read_only or getattr(args, "read_only", False))
    if session is not None:
        pool, own_pool = session.pool, False
        pool.read_only = pool.read_only or read_only
    else:
        pool = WorkerPool(transports_for(targets, cluster.ssh), log or ActionLog(), read_only=read_only,
                          cluster=cluster.name)
        own_pool = True
    failed = 0
    try:
        number = 0
        async for result in pool.fan_out(
            [t.name for t in targets],
            command,
            purpose=f"pcmk-console run: {shlex.join(command)}",
            mutates=True,
            timeout=getattr(args, "timeout", None),
        ):
            number += 1
            failed += not result.ok
            print(format_result(number, result), file=out, flush=True)
    except ReadOnlyError as exc:
        print(f"pcmk-console run: {one_line(exc)}", file=sys.stderr)
        return ExitCode.READ_ONLY
    finally:
        if own_pool:
            await pool.close()
    return ExitCode.FAILED if failed else ExitCode.OK
