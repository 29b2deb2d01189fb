"""The checks before a certificate plan: a read-only Plan of CheckSteps, run with
tui.ops.nodes.preflight.run_checks (every check runs; a failing one does not stop the others).

    plan = convert_checks(inp, nodes, context)      # plan.mutates is False
    outcomes = await run_checks(plan, pool, default_host="n1")

Check ids (stable): inputs, ca-source, versions, openssl (create/given), env-files,
online, auth-mode, bundles (a warning: replicas get only the authkey), files-valid ("files" mode: the operator's files, fully validated before
anything changes), authkeys (rollback). What a check learnt goes into its CheckOutcome
`found` (the env-files check: `env:NODE` = JSON of path, text, whether it existed, owner,
group, mode, authkey location), which the wizard turns into the plan's kwargs.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Mapping, Sequence

from tui.ops import files
from tui.ops.certs import authview, readback
from tui.ops.certs import ca as calib
from tui.ops.certs.inputs import CertsConvert, CertsRenew
from tui.ops.nodes.preflight import Reads, _found, read
from tui.ops.plan import CheckStep, Plan, Verdict
from tui.pacemaker import commands, features, nodecmds
from tui.pacemaker.crm_mon import parse_status
from tui.pacemaker.model import Snapshot
from tui.plaintext import one_line
from tui.remote.transport import ReadOnlyError, TransportError

MINIMUM = features.parse_version("3.0.0")
DEBIAN_MARK = "/etc/debian_version"
UNREACHABLE = (TransportError, ReadOnlyError)


def _names(nodes: Sequence[Mapping]) -> str:
    return ", ".join(n["name"] for n in nodes)


async def _each(nodes: Sequence[Mapping], fn):
    """fn(node) for every node concurrently; an unreachable node gives its exception."""
    async def one(node):
        try:
            return node, await fn(node)
        except UNREACHABLE as exc:
            return node, exc
    return await asyncio.gather(*(one(n) for n in nodes))


# --- inputs and the CA ------------------------------------------------------------------------

def check_inputs(inp) -> CheckStep:
    errors = inp.errors()

    def inputs_are_valid(ctx: dict) -> Verdict:
        if errors:
            return Verdict("fail", "; ".join(f"{f}: {m}" for f, m in errors), fix="correct the fields named")
        return Verdict("ok", "every field is valid")
    return CheckStep("The inputs are valid", inputs_are_valid, id="inputs")


def check_ca_source(ca: str, *, ca_dir: str | None, ca_cert: str | None, ca_key: str | None,
                    must_exist: bool = False) -> CheckStep:
    def ca_is_usable(ctx: dict) -> Verdict:
        try:
            if ca == "given":
                loaded = calib.load_given(ca_cert, ca_key)
                return Verdict("ok", f"the CA {loaded.describe()} and its key belong together")
            folder = Path(ca_dir).expanduser()
            if (folder / calib.CA_CERT).exists() or (folder / calib.CA_KEY).exists() or must_exist:
                loaded = calib.load(folder)
                return Verdict("ok", f"the console's CA in {folder} is used: {loaded.describe()}")
        except calib.CAError as exc:
            return Verdict("fail", str(exc), fix="fix or move away the file named; the console never overwrites it")
        return Verdict("ok", f"a new CA is created in {folder} (directory 0700, ca.key 0600)")
    ca_is_usable.__name__ = "read the CA files on this console"
    return CheckStep("The CA can be used", ca_is_usable, id="ca-source")


# --- on the nodes -----------------------------------------------------------------------------

def version_of(stdout: bytes) -> str | None:
    """`Pacemaker 3.0.0` (first line) -> "3.0.0"."""
    first = stdout.decode("utf-8", "replace").strip().splitlines()[:1]
    words = first[0].split() if first else []
    if len(words) >= 2 and words[0] == "Pacemaker" and features.parse_version(words[1]):
        return words[1]
    return None


def check_versions(nodes: Sequence[Mapping]) -> CheckStep:
    async def every_node_runs_3(ctx: dict) -> Verdict:
        async def one(node):
            result = await read(ctx, node["host"], nodecmds.pacemaker_version(node["kind"]), "Pacemaker version")
            return result, version_of(result.stdout) if result.ok else None
        seen = await _each(nodes, one)
        old, unknown, ok = [], [], []
        for node, got in seen:
            if isinstance(got, Exception):
                unknown.append(f"{node['name']} (cannot reach: {one_line(got, 80)})")
                continue
            result, version = got
            if version is None:
                unknown.append(f"{node['name']} ({nodecmds.VERSION_PROGRAMS[node['kind']]} --version: "
                               f"{'exit ' + str(result.exit_status) if not result.ok else 'no version'})")
                continue
            _found(ctx, "versions", **{node["name"]: version})
            (ok if features.parse_version(version) >= MINIMUM else old).append(f"{node['name']} {version}")
        if old or unknown:
            parts = ([f"Pacemaker below 3.0.0 on {', '.join(old)}"] if old else []) + \
                    ([f"version unknown on {', '.join(unknown)}"] if unknown else [])
            return Verdict("fail", "; ".join(parts) + ": X.509 remote connections need 3.0.0 on every node",
                           fix="upgrade Pacemaker on the nodes named (this is never forced)")
        return Verdict("ok", f"Pacemaker >= 3.0.0 everywhere: {', '.join(ok)}")
    return CheckStep("Every node runs Pacemaker 3.0.0 or later",
                     Reads(f"on {_names(nodes)}: pacemakerd --version | pacemaker-remoted --version", every_node_runs_3),
                     id="versions")


def check_openssl(nodes: Sequence[Mapping]) -> CheckStep:
    async def openssl_everywhere(ctx: dict) -> Verdict:
        seen = await _each(nodes, lambda n: read(ctx, n["host"], nodecmds.openssl_present(), "openssl"))
        missing = []
        for node, got in seen:
            if isinstance(got, Exception):
                missing.append(f"{node['name']} (cannot reach)")
            elif not got.ok:
                missing.append(f"{node['name']} ({'not installed' if got.exit_status == 127 else 'exit ' + str(got.exit_status)})")
        if missing:
            return Verdict("fail", f"openssl is needed to make the key on the node: missing on {', '.join(missing)}",
                           fix="install openssl there (dnf/apt-get/zypper install openssl)")
        return Verdict("ok", f"openssl on {_names(nodes)}")
    return CheckStep("openssl is on every node (keys are made there)",
                     Reads(f"on {_names(nodes)}: openssl version", openssl_everywhere), id="openssl")


async def env_file(ctx: dict, node: Mapping) -> dict:
    """Which environment file the node's Pacemaker reads, its text and owner/mode; cached
    in ctx so two checks read it once."""
    cache = ctx.setdefault("certs-env", {})
    if node["name"] not in cache:
        cache[node["name"]] = asyncio.ensure_future(_env_file(ctx, node))
    return await cache[node["name"]]


async def _env_file(ctx: dict, node: Mapping) -> dict:
    host = node["host"]
    there = {}
    for path in nodecmds.ENV_FILES:
        result = await read(ctx, host, files.exists(path), "environment file")
        if result.exit_status not in (0, 1):
            raise ValueError(f"cannot tell whether {path} exists on {node['name']}: exit {result.exit_status}")
        there[path] = result.exit_status == 0
    existing = [p for p in nodecmds.ENV_FILES if there[p]]
    if existing:
        path = existing[0]  # /etc/sysconfig/pacemaker wins when both exist
        text = await read(ctx, host, files.cat(path), "environment file")
        if not text.ok:
            raise ValueError(f"cannot read {path} on {node['name']}: exit {text.exit_status}")
        stat = await read(ctx, host, files.stat_owner_mode(path), "environment file mode")
        owner, group, mode = files.parse_stat(stat.stdout) or ("root", "root", 0o644)
        before = text.stdout.decode("utf-8", "surrogateescape")
        record = {"path": path, "before": before, "existed": True, "owner": owner, "group": group, "mode": mode,
                  "both": len(existing) > 1}
    else:
        debian = await read(ctx, host, nodecmds.path_exists(DEBIAN_MARK), "distribution")
        path = "/etc/default/pacemaker" if debian.ok else "/etc/sysconfig/pacemaker"
        record = {"path": path, "before": "", "existed": False, "owner": "root", "group": "root", "mode": 0o644,
                  "both": False}
    record["authkey"] = authview.auth_settings(record["before"]).authkey_path
    return record


def check_env_files(nodes: Sequence[Mapping]) -> CheckStep:
    async def env_file_of_every_node(ctx: dict) -> Verdict:
        seen = await _each(nodes, lambda n: env_file(ctx, n))
        problems, shown, notes = [], [], []
        for node, got in seen:
            if isinstance(got, Exception):
                problems.append(f"{node['name']}: {one_line(got, 160)}")
                continue
            _found(ctx, "env-files", **{f"env:{node['name']}": json.dumps(got, sort_keys=True)})
            shown.append(f"{node['name']} {got['path']}" + ("" if got["existed"] else " (new)"))
            if got["both"]:
                notes.append(f"{node['name']} has both {' and '.join(nodecmds.ENV_FILES)}: {got['path']} is edited")
        if problems:
            return Verdict("fail", "; ".join(problems))
        if notes:
            return Verdict("warn", f"{'; '.join(shown)}; {'; '.join(notes)}")
        return Verdict("ok", "; ".join(shown))
    return CheckStep("The environment file of every node is read",
                     Reads(f"on {_names(nodes)}: test -e {' / '.join(nodecmds.ENV_FILES)}; cat; stat",
                           env_file_of_every_node), id="env-files")


def check_online(nodes: Sequence[Mapping]) -> CheckStep:
    async def every_node_online(ctx: dict) -> Verdict:
        result = await read(ctx, None, commands.crm_mon_status(), "cluster status")
        snap = parse_status(result.stdout, result.exit_status, result.stderr.decode("utf-8", "replace"))
        if not isinstance(snap, Snapshot):
            return Verdict("fail", f"no cluster status: {snap.condition.message}")
        offline = []
        for node in nodes:
            seen = snap.node(node["name"])
            if seen is None or not seen.online:
                offline.append(f"{node['name']} ({'not in crm_mon' if seen is None else 'offline'})")
            elif node["kind"] != "cluster":
                conn = next((r for r in snap.all_resources() if r.id == node["name"]), None)
                if conn is not None and conn.failed:
                    offline.append(f"{node['name']} (its connection has failed)")
        if offline:
            return Verdict("fail", f"not every node is online: {', '.join(offline)}; the switch restarts every "
                                   "daemon and needs a healthy cluster to start from",
                           fix="bring the nodes named back (or remove them) first")
        return Verdict("ok", f"{_names(nodes)} online")
    return CheckStep("Every node is online now", Reads("crm_mon --one-shot --inactive --output-as=xml",
                                                       every_node_online), id="online")


def check_auth_mode(nodes: Sequence[Mapping]) -> CheckStep:
    async def current_auth(ctx: dict) -> Verdict:
        seen = await _each(nodes, lambda n: env_file(ctx, n))
        modes, partial = {}, []
        for node, got in seen:
            if isinstance(got, Exception):
                continue  # env-files says why
            settings = authview.auth_settings(got["before"])
            modes[node["name"]] = settings.mode
            if settings.mode == "partial":
                partial.append(f"{node['name']} lacks {', '.join(settings.missing)}")
        if modes and all(m == "x509" for m in modes.values()) and len(modes) == len(nodes):
            return Verdict("fail", "X.509 is configured on every node already: nothing to convert",
                           fix="use certs-renew to reissue certificates")
        if partial:
            return Verdict("warn", f"X.509 is half configured ({'; '.join(partial)}): the daemons stay on PSK; "
                                   "the switch sets all the variables")
        x509 = [n for n, m in modes.items() if m == "x509"]
        if x509:
            return Verdict("warn", f"X.509 is configured already on {', '.join(x509)}; PSK on the others")
        return Verdict("ok", f"PSK on {', '.join(modes) or 'no node read'}")
    return CheckStep("The current authentication", Reads("the environment files read above", current_auth),
                     id="auth-mode")


def check_files_valid(nodes: Sequence[Mapping], paths: Mapping[str, Mapping], *, force: bool = False) -> CheckStep:
    """force: errors become a warning prefixed FORCED (only to test a rollback), as in the plan."""
    step = readback.validate_step(nodes, paths, force=force, step_id="files-valid")
    return CheckStep("Your certificate files are valid on every node" + (" (FORCED)" if force else ""),
                     step.probe, id="files-valid")


def check_authkeys(nodes: Sequence[Mapping], authkeys: Mapping[str, str]) -> CheckStep:
    async def authkey_everywhere(ctx: dict) -> Verdict:
        async def one(node):
            location = authkeys.get(node["name"], nodecmds.AUTHKEY)
            return location, await read(ctx, node["host"], nodecmds.sha256(location), "authkey")
        seen = await _each(nodes, one)
        gone = []
        for node, got in seen:
            if isinstance(got, Exception):
                gone.append(f"{node['name']} (cannot reach)")
            elif not got[1].ok:
                gone.append(f"{node['name']} (no {got[0]})")
        if gone:
            return Verdict("fail", f"no authkey on {', '.join(gone)}: going back to PSK would leave it offline",
                           fix="copy the cluster's authkey there (hacluster:haclient 0400) first")
        return Verdict("ok", f"the authkey is on {_names(nodes)}")
    return CheckStep("Every node still has its authkey (PSK works again)",
                     Reads(f"on {_names(nodes)}: sha256sum <authkey>", authkey_everywhere), id="authkeys")


# --- the preflights -------------------------------------------------------------------------------

def check_bundles(replicas: Sequence[str]) -> CheckStep:
    """Pacemaker mounts only the authkey into a bundle's containers (REMOTE-FACTS), while a
    cluster node's X.509 setting applies to every remote connection it makes, bundle
    replicas' too: their containers need the certificates and variables in their image."""
    names = tuple(replicas)

    def bundle_replicas(ctx: dict) -> Verdict:
        if not names:
            return Verdict("ok", "no bundle replicas")
        shown = ", ".join(one_line(n, 60) for n in names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
        return Verdict("warn", f"bundle replicas {shown} connect through the cluster's TLS settings too, and "
                               "Pacemaker mounts only the authkey into their containers",
                       fix="put CA, certificate, key and the PCMK_* variables into the bundles' container images "
                           "first, or their replicas go offline after the switch")
    return CheckStep("Bundle replicas can follow", bundle_replicas, id="bundles")


def convert_checks(inp: CertsConvert, nodes: Sequence[Mapping], ca_dir: str | None,
                   bundles: Sequence[str] = ()) -> Plan:
    steps = [check_inputs(inp)]
    if not inp.errors():
        if inp.ca in ("create", "given"):
            steps.append(check_ca_source(inp.ca, ca_dir=ca_dir, ca_cert=inp.ca_cert, ca_key=inp.ca_key))
        steps.append(check_versions(nodes))
        if inp.ca in ("create", "given"):
            steps.append(check_openssl(nodes))
        steps += [check_env_files(nodes), check_online(nodes), check_auth_mode(nodes), check_bundles(bundles)]
        if inp.ca == "files":
            from tui.ops.certs.plans import node_paths
            paths = {n["name"]: node_paths("files", n["name"], ca_file=inp.ca_file, cert_file=inp.cert_file,
                                           key_file=inp.key_file, crl_file=inp.crl_file) for n in nodes}
            steps.append(check_files_valid(nodes, paths, force=inp.force))
    return Plan("Checks before switching to X.509", tuple(steps))


def renew_checks(inp: CertsRenew, nodes: Sequence[Mapping], ca_dir: str | None) -> Plan:
    steps = [check_inputs(inp)]
    if not inp.errors():
        steps += [check_ca_source(inp.ca, ca_dir=ca_dir, ca_cert=inp.ca_cert, ca_key=inp.ca_key, must_exist=True),
                  check_openssl(nodes), check_online(nodes)]
    return Plan("Checks before renewing certificates", tuple(steps))


def rollback_checks(nodes: Sequence[Mapping], authkeys: Mapping[str, str], problem: str | None = None) -> Plan:
    if problem is not None:
        def the_run(ctx: dict) -> Verdict:
            return Verdict("fail", problem)
        return Plan("Checks before rolling back", (CheckStep("The conversion run is known", the_run, id="run"),))
    return Plan("Checks before rolling back", (check_authkeys(nodes, authkeys), check_online_cluster(nodes)))


def check_online_cluster(nodes: Sequence[Mapping]) -> CheckStep:
    """Rollback: the cluster answers (remote nodes may well be offline: that is why)."""
    async def cluster_answers(ctx: dict) -> Verdict:
        result = await read(ctx, None, commands.crm_mon_status(), "cluster status")
        snap = parse_status(result.stdout, result.exit_status, result.stderr.decode("utf-8", "replace"))
        if not isinstance(snap, Snapshot):
            return Verdict("fail", f"no cluster status: {snap.condition.message}")
        offline = [n["name"] for n in nodes if n["kind"] != "cluster" and not (snap.node(n["name"]) and snap.node(n["name"]).online)]
        if offline:
            return Verdict("warn", f"offline now: {', '.join(offline)} (the rollback restarts them onto PSK)")
        return Verdict("ok", "the cluster answers; every remote and guest node is online")
    return CheckStep("The cluster answers", Reads("crm_mon --one-shot --inactive --output-as=xml", cluster_answers),
                     id="cluster")
