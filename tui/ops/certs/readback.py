"""Read every node's X.509 files back and validate them as one cluster: the `validate` check.

Per node (as reads, concurrently): the CA file, the certificate and the CRL (public: `cat`),
the key's PUBLIC half (`openssl pkey -pubout` on the node: the key never leaves it) and
`stat` of each file; then validate.validate_cluster. Used by the conversion plan after the
files are written (nothing restarted yet) and by the preflight in "files" mode.

The reads go through the engine's READ function in a plan's run context, or through the
preflight's pool in run_checks' context.
"""

from __future__ import annotations

import asyncio
from typing import Mapping, Sequence

from tui.ops import engine
from tui.ops.certs import validate
from tui.ops.certs.validate import CA_FILE, CERTIFICATE, CRL, KEY, FileMode, NodeFiles, Problem
from tui.ops.plan import CheckStep, Verdict
from tui.pacemaker import nodecmds
from tui.plaintext import one_line
from tui.remote.transport import CommandResult, ReadOnlyError, TransportError

READ_TIMEOUT = 20.0


def reader(ctx: dict):
    """(host, argv) -> CommandResult, whichever context this check runs in."""
    if engine.READ in ctx:
        read = ctx[engine.READ]
        return lambda host, argv: read(host, argv, READ_TIMEOUT)

    async def preflight_read(host, argv):
        return await ctx["pool"].run(host or ctx["default_host"], tuple(argv), purpose="preflight: certificate files",
                                     read=True, timeout=READ_TIMEOUT)
    return preflight_read


def _why(result: CommandResult) -> str:
    if result.error:
        return one_line(result.error, 160)
    lines = (result.stderr or result.stdout).decode("utf-8", "replace").strip().splitlines()
    return one_line(lines[-1], 160) if lines else f"exit {result.exit_status}"


def parse_stats(stdout: bytes) -> dict[str, FileMode]:
    """`OWNER:GROUP:MODE PATH` lines (nodecmds.stat_files) -> path -> FileMode."""
    modes = {}
    for line in stdout.decode("utf-8", "replace").splitlines():
        head, _, path = line.partition(" ")
        parts = head.split(":")
        if len(parts) == 3 and path:
            modes[path] = FileMode(parts[0], parts[1], parts[2])
    return modes


async def read_node(read, node: Mapping, paths: Mapping[str, str | None]) -> tuple[NodeFiles, list[Problem]]:
    """One node's files as NodeFiles (key_pem: the public half), and the reads that failed."""
    name, host = node["name"], node["host"]
    problems: list[Problem] = []
    roles = {CA_FILE: paths.get("ca"), CERTIFICATE: paths.get("cert"), CRL: paths.get("crl")}

    async def cat(role: str, path: str | None) -> bytes | None:
        if not path:
            return None
        result = await read(host, ("cat", path))
        if not result.ok:
            problems.append(Problem(name, role, f"{one_line(path, 120)} cannot be read: {_why(result)}"))
            return None
        return result.stdout

    async def public() -> bytes | None:
        if not paths.get("key"):
            return None
        result = await read(host, nodecmds.public_key(paths["key"]))
        if not result.ok:
            problems.append(Problem(name, KEY, f"{one_line(paths['key'], 120)}: its public half cannot be read "
                                               f"(openssl pkey): {_why(result)}"))
            return None
        return result.stdout

    wanted = [p for p in (paths.get("ca"), paths.get("cert"), paths.get("key"), paths.get("crl")) if p]

    async def stats() -> dict[str, FileMode]:
        result = await read(host, nodecmds.stat_files(*wanted))
        return parse_stats(result.stdout)  # a missing file is reported by its read

    ca_pem, cert_pem, crl_pem, key_pub, modes = await asyncio.gather(
        cat(CA_FILE, roles[CA_FILE]), cat(CERTIFICATE, roles[CERTIFICATE]), cat(CRL, roles[CRL]), public(), stats())
    key_mode = modes.get(paths.get("key") or "")
    daemon = "hacluster" if node["kind"] == "cluster" else "root"
    files = NodeFiles(
        ca_pem=ca_pem, cert_pem=cert_pem, key_pem=key_pub, crl_pem=crl_pem,
        key_owner=key_mode.owner if key_mode else None, key_group=key_mode.group if key_mode else None,
        key_mode=key_mode.mode if key_mode else None, daemon=daemon,
        file_modes={role: modes[p] for role, p in roles.items() if p and p in modes})
    return files, problems


async def validate_nodes(read, nodes: Sequence[Mapping], paths: Mapping[str, Mapping[str, str | None]],
                         *, now=None) -> list[Problem]:
    async def one(node):
        try:
            return node["name"], await read_node(read, node, paths[node["name"]])
        except (TransportError, ReadOnlyError) as exc:
            return node["name"], (None, [Problem(node["name"], CERTIFICATE, f"the node cannot be reached: {one_line(exc, 160)}")])
    got = await asyncio.gather(*(one(n) for n in nodes))
    read_problems: list[Problem] = []
    found: dict[str, NodeFiles] = {}
    for name, (files, problems) in got:
        read_problems += problems
        if files is not None:
            found[name] = files
    unreadable = {(p.node, p.file) for p in read_problems}
    checked = [p for p in validate.validate_cluster(found, now=now)
               if not (p.message == "is missing" and (p.node, p.file) in unreadable)]
    return read_problems + [_with_path(p, paths.get(p.node) or {}) for p in checked]


ROLE_KEYS = {CA_FILE: "ca", CERTIFICATE: "cert", KEY: "key", CRL: "crl"}


def _with_path(problem: Problem, node_paths: Mapping[str, str | None]) -> Problem:
    """The file named by its path too ("certificate /etc/pacemaker/tls/node.crt"): the
    operator fixes a file, not a role."""
    path = node_paths.get(ROLE_KEYS.get(problem.file, ""))
    if not path:
        return problem
    return problem._replace(file=f"{problem.file} {one_line(path, 120)}")


def verdict(problems: Sequence[Problem], *, force: bool, count: int) -> Verdict:
    errors = [p for p in problems if p.level == "error"]
    warnings = [p for p in problems if p.level != "error"]
    lines = "\n".join(p.render() for p in errors + warnings)
    if errors and force:
        return Verdict("warn", f"FORCED: {len(errors)} error(s) ignored (--force):\n{lines}")
    if errors:
        return Verdict("fail", f"{len(errors)} problem(s) with the certificate files:\n{lines}",
                       fix="fix the files named; nothing has been restarted and no environment file changed")
    if warnings:
        return Verdict("warn", f"the files of {count} node(s) are valid, with warnings:\n{lines}")
    return Verdict("ok", f"the files of {count} node(s) are valid: PEM, key matches, chain to the same CA, "
                         "in their validity window, readable by the daemon")


def validate_step(nodes: Sequence[Mapping], paths: Mapping[str, Mapping[str, str | None]], *,
                  force: bool = False, step_id: str = "validate") -> CheckStep:
    nodes = [dict(n) for n in nodes]

    async def check(ctx: dict) -> Verdict:
        problems = await validate_nodes(reader(ctx), nodes, paths)
        return verdict(problems, force=force, count=len(nodes))
    check.__name__ = (f"on {', '.join(n['name'] for n in nodes)}: cat the CA, certificate and CRL; "
                      "openssl pkey -pubout (the key's public half); stat; validate them together")
    return CheckStep("Every node's certificate files are valid" + (" (FORCED)" if force else ""),
                     check, id=step_id)
