"""The checks before a node is added or removed: a read-only Plan of CheckSteps, and the
runner that runs EVERY one of them (a failing check does not stop the others).

    plan = preflight(inp, facts)                       # plan.mutates is False
    outcomes = await run_checks(plan, pool, default_host="node1")
    [o for o in outcomes if o.level == "fail"]          # what blocks, each with its fix

What is checked (REMOTE-FACTS: all pcs checks, and the gaps it leaves): the inputs and their
collisions; SSH to the target; pacemaker-remote installed there; pacemakerd and corosync not
running there (pacemaker-remoted running is a warning, not a blocker, for the direct
method); no corosync.conf and no CIB there; the name free as a CIB id and a <node> uname;
the TCP port from every cluster node that may host the connection; the target's firewall;
the authkey at PCMK_authkey_location on every cluster node, identical (sha256), and the
target's key, if any, the same; for pcs: pcs present and the target known to pcsd. Removal:
what runs on the node, the constraints naming it, a crm_simulate preview of the change.

A check made of several reads is a `Reads`: its __name__ lists the commands, so the plan's
rendering still says what runs. Reads see the pool through the run context ("pool").
Hashes only: no key byte is read into this process by a check.
"""

from __future__ import annotations

import asyncio
import inspect
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Iterable, Sequence

from tui.ops import files
from tui.ops.events import PlanFinished, PlanStarted, PlanState, StepFinished, StepStarted, StepState, new_run_id
from tui.ops.nodes.facts import ClusterFacts
from tui.ops.nodes.inputs import AddGuest, AddRemote, Input, RemoveNode
from tui.ops.nodes.validate import duration_ms
from tui.ops.plan import CheckStep, Plan, Verdict
from tui.ops.preview import impact_of
from tui.pacemaker import nodecmds
from tui.pacemaker.features import SIMULATE_XML, supports
from tui.pacemaker.xmlsafe import parse_xml
from tui.remote.transport import CommandResult, ReadOnlyError, TransportError

NOT_FOUND = frozenset({105, 6})
INSTALL_FIX = ("install pacemaker-remote there: dnf install pacemaker-remote | apt-get install pacemaker-remote | "
               "zypper install pacemaker-remote")


@dataclass(frozen=True)
class CheckOutcome:
    step_id: str
    title: str
    host: str | None
    level: str  # "ok" | "warn" | "fail"
    observed: str
    fix: str | None = None
    found: tuple[tuple[str, str], ...] = ()  # what the check learnt (key locations, hashes)

    def to_json(self) -> dict:
        return {"step_id": self.step_id, "title": self.title, "host": self.host, "level": self.level,
                "observed": self.observed, "fix": self.fix, "found": dict(self.found)}


class Reads:
    """A check of several reads. Called with the run context; __name__ is what runs, in words."""

    def __init__(self, describe: str, fn: Callable[[dict], Awaitable[Verdict]]) -> None:
        self.__name__ = describe
        self.fn = fn

    def __call__(self, ctx: dict):
        return self.fn(ctx)


async def read(ctx: dict, host: str | None, argv, purpose: str) -> CommandResult:
    """A read through the run context's pool; TransportError when the host cannot be reached."""
    return await ctx["pool"].run(host or ctx["default_host"], tuple(argv), purpose=f"preflight: {purpose}",
                                 read=True, timeout=nodecmds.PROBE_SECONDS * 3)


def _text(result: CommandResult) -> str:
    """The last line the command printed (stderr first), or its exit status."""
    if result.error:
        return result.error
    lines = (result.stderr or result.stdout).decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else f"exit {result.exit_status}"


def _cannot(result: CommandResult, what: str) -> Verdict:
    if result.exit_status == 127:
        return Verdict("fail", f"cannot tell {what}: the command is not installed there ({_text(result)})")
    return Verdict("fail", f"cannot tell {what}: {_text(result)}")


def _found(ctx: dict, step_id: str, **values: str) -> None:
    ctx.setdefault("found", {}).setdefault(step_id, {}).update(values)


# --- the checks -----------------------------------------------------------------------------

def check_inputs(inp: Input, facts: ClusterFacts) -> CheckStep:
    errors = inp.errors(facts)

    def inputs_are_valid(ctx: dict) -> Verdict:
        if errors:
            return Verdict("fail", "; ".join(str(e) for e in errors), fix="correct the fields named")
        return Verdict("ok", "every field is valid and collides with nothing the cluster shows")
    return CheckStep("The inputs are valid and free", inputs_are_valid, id="inputs")


def check_ssh(target: str, *, level: str = "fail") -> CheckStep:
    def judge(result: CommandResult) -> Verdict:
        return Verdict("ok", f"commands run on {target}") if result.ok else Verdict(level, _text(result))
    return CheckStep(f"SSH to {target} works", nodecmds.reachable(), judge=judge, host=target, id="ssh",
                     fix=f"let the console's SSH key log in as root: ssh-copy-id root@{target}")


def check_installed(target: str) -> CheckStep:
    def judge(result: CommandResult) -> Verdict:
        if result.ok:
            return Verdict("ok", f"{nodecmds.REMOTED} is there")
        if result.exit_status == 1:
            return Verdict("fail", f"{nodecmds.REMOTED} is missing", fix=INSTALL_FIX)
        return _cannot(result, "whether pacemaker-remote is installed")
    return CheckStep(f"pacemaker-remote is installed on {target}", nodecmds.executable(nodecmds.REMOTED),
                     judge=judge, host=target, id="remote-installed")


def check_not_running(target: str, unit: str, *, level: str, fix: str, step_id: str, title: str | None = None) -> CheckStep:
    process = nodecmds.DAEMONS[unit]

    def judge(result: CommandResult) -> Verdict:
        if result.exit_status == 1:
            return Verdict("ok", f"{process} does not run there")
        if result.ok:
            pids = " ".join(result.stdout.decode("ascii", "replace").split())
            return Verdict(level, f"{process} runs there (PID {pids})", fix=fix)
        return _cannot(result, f"whether {process} runs")
    return CheckStep(title or f"{process} does not run on {target}", nodecmds.process_running(process),
                     judge=judge, host=target, id=step_id)


def check_absent(target: str, path: str, *, fix: str, step_id: str) -> CheckStep:
    def judge(result: CommandResult) -> Verdict:
        if result.exit_status == 1:
            return Verdict("ok", f"no {path}")
        if result.ok:
            return Verdict("fail", f"{path} is there: this machine is or was a cluster node", fix=fix)
        return _cannot(result, f"whether {path} exists")
    return CheckStep(f"No {path} on {target}", nodecmds.path_exists(path), judge=judge, host=target, id=step_id)


def check_cib_free(argv, title: str, taken: str, step_id: str, fix: str | None = None) -> CheckStep:
    def judge(result: CommandResult) -> Verdict:
        if result.exit_status in NOT_FOUND:
            return Verdict("ok", "not taken")
        if result.ok:
            return Verdict("fail", taken, fix=fix)
        return _cannot(result, "what the CIB holds")
    return CheckStep(title, argv, judge=judge, id=step_id)


def check_tcp(node: str, target: str, port: int, *, listening_expected: bool) -> CheckStep:
    def judge(result: CommandResult) -> Verdict:
        text = result.stderr.decode("utf-8", "replace")
        if result.ok:
            return Verdict("ok", f"{target}:{port} accepts connections from {node}")
        if "refused" in text.lower():
            if listening_expected:
                return Verdict("fail", f"{target}:{port} refuses connections from {node}: nothing listens",
                               fix=f"start pacemaker_remote on {target} (systemctl start pacemaker_remote)")
            return Verdict("ok", f"{target} answers {node}; nothing listens on {port} yet "
                                 "(pacemaker_remote starts in the plan)")
        if result.exit_status == 124:
            return Verdict("fail", f"no answer from {target}:{port} within {nodecmds.PROBE_SECONDS}s: "
                                   "a firewall drops it", fix=f"open TCP {port} on {target} and on the way from {node}")
        if "no route" in text.lower():
            return Verdict("fail", f"no route from {node} to {target}:{port} (a firewall rejects it?)",
                           fix=f"open TCP {port} on {target} (firewall-cmd --add-service=high-availability)")
        return _cannot(result, f"whether {node} reaches {target}:{port}")
    return CheckStep(f"{node} reaches {target}:{port}", nodecmds.tcp_connect(target, port), judge=judge,
                     host=node, id=f"tcp-from-{node}")


def check_firewall(target: str, ports: Sequence[int]) -> CheckStep:
    """firewalld (where it runs) lets the high-availability service or every port in."""
    async def firewall(ctx: dict) -> Verdict:
        state = await read(ctx, target, nodecmds.firewall_state(), "firewalld state")
        if state.exit_status == 127:
            return Verdict("ok", "firewalld is not installed (check any other firewall yourself)")
        if not state.ok:
            return Verdict("ok", "firewalld is not running")
        service = await read(ctx, target, nodecmds.firewall_service(), "firewalld service")
        if service.ok:
            return Verdict("ok", "firewalld allows the high-availability service")
        closed = [p for p in ports if not (await read(ctx, target, nodecmds.firewall_port(p), "firewalld port")).ok]
        if not closed:
            return Verdict("ok", f"firewalld allows {', '.join(f'{p}/tcp' for p in ports)}")
        return Verdict("fail", f"firewalld runs and allows neither high-availability nor "
                               f"{', '.join(f'{p}/tcp' for p in closed)}",
                       fix="firewall-cmd --permanent --add-service=high-availability && firewall-cmd --reload")
    describe = " ; ".join(" ".join(a) for a in (nodecmds.firewall_state(), nodecmds.firewall_service(),
                                                 *(nodecmds.firewall_port(p) for p in ports)))
    return CheckStep(f"The firewall on {target} lets the cluster in", Reads(describe, firewall), host=target,
                     id="firewall")


TLS_VARIABLES = ("PCMK_ca_file", "PCMK_cert_file", "PCMK_key_file")


async def key_of(ctx: dict, host: str | None) -> tuple[str, str | None, CommandResult]:
    """(effective key location, its sha256 or None when missing, the sha256sum result); notes
    in ctx["tls"] the hosts whose environment turns X.509 on (all three PCMK_*_file set)."""
    env = await read(ctx, host, nodecmds.read_env_files(), "key location")
    values = files.read_env(env.stdout.decode("utf-8", "replace"))
    if all(values.get(name) for name in TLS_VARIABLES):
        ctx.setdefault("tls", set()).add(host or ctx["default_host"])
    location = values.get("PCMK_authkey_location") or nodecmds.AUTHKEY
    digest = await read(ctx, host, nodecmds.sha256(location), "key hash")
    return location, (files.parse_sha256(digest.stdout) if digest.ok else None), digest


_KEY_READS = f"{' '.join(nodecmds.read_env_files())} ; sha256sum <PCMK_authkey_location or {nodecmds.AUTHKEY}>"
KEY_FIX = ("create one on a cluster node (dd if=/dev/urandom of=/etc/pacemaker/authkey bs=4096 count=1; "
           "chown hacluster:haclient; chmod 0400), then copy it to every cluster node")


def check_authkey_cluster(nodes: Sequence[str]) -> CheckStep:
    async def authkey_on_every_node(ctx: dict) -> Verdict:
        async def one(node):
            try:
                return node, await key_of(ctx, node)
            except (TransportError, ReadOnlyError) as exc:
                return node, exc
        seen = await asyncio.gather(*(one(n) for n in nodes))
        hashes, problems = {}, []
        for node, got in seen:
            if isinstance(got, Exception):
                problems.append(f"{node}: cannot read ({got})")
                continue
            location, digest, result = got
            _found(ctx, "authkey-cluster", **{f"location:{node}": location})
            if digest is None:
                problems.append(f"{node}: no key at {location}")
            else:
                hashes[node] = digest
        tls = sorted(set(ctx.get("tls", ())) & set(nodes))
        if tls:  # Pacemaker >= 3.0 with certificates: the key is not used at all
            return Verdict("warn", f"X.509 is set up on {', '.join(tls)} ({', '.join(TLS_VARIABLES)}): the key is not "
                                   "used; the new node needs its own certificate, key and the CA file, which this "
                                   "wizard does not install" + (f"; {'; '.join(problems)}" if problems else ""),
                           fix="install the certificate files on the new node and set the same PCMK_* variables "
                               "in its environment file before it joins")
        missing = [node for node, got in seen if not isinstance(got, Exception) and got[1] is None]
        if missing and len(missing) == len(nodes) and not hashes:  # none anywhere: made, as pcs does
            _found(ctx, "authkey-cluster", new_key="1")
            return Verdict("warn", f"no cluster node has an authkey ({', '.join(missing)}): the plan makes one "
                                   "(256 random bytes) and writes it to each of them and the new node",
                           fix="nothing to do, unless you would rather create and distribute one yourself")
        if problems:
            return Verdict("fail", "; ".join(problems), fix=KEY_FIX)
        if len(set(hashes.values())) > 1:
            shown = ", ".join(f"{n} {h[:12]}…" for n, h in hashes.items())
            return Verdict("fail", f"the cluster nodes hold different keys: {shown}",
                           fix="copy one key to every cluster node (hacluster:haclient 0400) and restart pacemaker there")
        if not hashes:
            return Verdict("fail", "no cluster node to read the key on")
        key_host = ctx["default_host"] if ctx["default_host"] in hashes else next(iter(hashes))
        digest = next(iter(hashes.values()))
        _found(ctx, "authkey-cluster", sha256=digest, key_host=key_host)
        return Verdict("ok", f"the same key on {', '.join(hashes)} (sha256 {digest[:12]}…)")
    return CheckStep("The authkey is on every cluster node, identical",
                     Reads(f"on {', '.join(nodes)}: {_KEY_READS}", authkey_on_every_node), id="authkey-cluster")


def check_authkey_target(target: str) -> CheckStep:
    async def target_key(ctx: dict) -> Verdict:
        location, digest, result = await key_of(ctx, target)
        _found(ctx, "authkey-target", target_location=location)
        if digest is None:
            text = result.stderr.decode("utf-8", "replace")
            if result.exit_status == 1 and "No such file" in text:
                return Verdict("ok", f"no key at {location} yet: the plan copies the cluster's")
            return _cannot(result, f"whether {location} holds a key")
        _, cluster, _ = await key_of(ctx, None)
        if digest == cluster:
            return Verdict("ok", f"the cluster's key is at {location} already (sha256 {digest[:12]}…)")
        return Verdict("fail", f"a different key is at {location} (sha256 {digest[:12]}…, the cluster's "
                               f"{(cluster or '?')[:12]}…): the console never overwrites it",
                       fix=f"if nothing else uses it, move it away on {target} (mv {location} {location}.old)")
    return CheckStep(f"{target} holds no other authkey", Reads(f"on {target} and here: {_KEY_READS}", target_key),
                     host=target, id="authkey-target")


def check_pcs(level: str) -> CheckStep:
    def judge(result: CommandResult) -> Verdict:
        if result.ok:
            return Verdict("ok", f"pcs {result.stdout.decode('utf-8', 'replace').strip()}")
        return Verdict(level, "pcs is not here" if result.exit_status == 127 else _text(result),
                       fix="use the direct method (--method direct), or install pcs and start pcsd")
    return CheckStep("pcs is installed on the cluster node", nodecmds.pcs_version(), judge=judge, id="pcs-present")


def check_pcs_known(name: str, target: str, level: str) -> CheckStep:
    def judge(result: CommandResult) -> Verdict:
        if result.ok:
            return Verdict("ok", f"pcsd knows {name}")
        return Verdict(level, _text(result),
                       fix=f"pcs host auth {name} addr={target} (it asks for the hacluster password; "
                           "the console never handles it), or use the direct method")
    return CheckStep(f"pcsd is authenticated to {name}", nodecmds.pcs_host_known(name), judge=judge,
                     id="pcs-host-known")


def check_pcs_knows_the_cluster(nodes: tuple[str, ...], level: str) -> CheckStep:
    """pcs sends the new node's settings to every cluster node's pcsd: each must know it
    (pcs itself checks only when it runs, half-way through)."""
    def judge(result: CommandResult) -> Verdict:
        text = result.stdout.decode("utf-8", "replace")
        missing = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().endswith(": Online")]
        if result.ok and not missing:
            return Verdict("ok", f"pcsd knows {', '.join(nodes)}")
        return Verdict(level, "; ".join(missing) or _text(result),
                       fix=f"pcs host auth {' '.join(nodes)} (it asks for the hacluster password; "
                           "the console never handles it), or use the direct method")
    return CheckStep("pcsd is authenticated to every cluster node", nodecmds.pcs_host_known(*nodes),
                     judge=judge, id="pcs-cluster-known")


def check_pcs_duration(value: str, level: str) -> CheckStep:
    def pcs_reads_the_timeout(ctx: dict) -> Verdict:
        ok = value.isdigit() or any(value.endswith(u) and value[:-len(u)].isdigit()
                                    for u in ("s", "sec", "m", "min", "h", "hr"))
        if ok and not value.endswith(("ms", "us")):
            return Verdict("ok", f"pcs reads {value}")
        return Verdict(level, f"pcs refuses {value} (it takes N, Ns, Nm or Nh)",
                       fix=f"write it as {max(1, (duration_ms(value) or 0) // 1000)}s, or use the direct method")
    return CheckStep("pcs accepts the connect timeout", pcs_reads_the_timeout, id="pcs-duration")


def check_running_on(name: str, facts: ClusterFacts) -> CheckStep:
    def what_runs_there(ctx: dict) -> Verdict:
        running = facts.running_on(name)
        if running:
            return Verdict("warn", f"{len(running)} resource(s) run on {name}: {', '.join(running)}; "
                                   "they stop or move when it goes",
                           fix=f"move them first: crm_attribute --node {name} --name standby --update on")
        return Verdict("ok", f"nothing runs on {name}")
    return CheckStep(f"What runs on {name}", what_runs_there, id="running-on")


def check_constraints(name: str) -> CheckStep:
    def judge(result: CommandResult) -> Verdict:
        if result.exit_status in NOT_FOUND:
            return Verdict("ok", f"no location constraint names {name}")
        if not result.ok:
            return Verdict("warn", f"could not read the constraints: {_text(result)}")
        try:
            root = parse_xml(result.stdout)
            ids = [el.get("id") for el in root.iter("rsc_location") if el.get("id")]
        except Exception:  # noqa: BLE001 - unreadable: say so, it is a warning only
            ids = []
        return Verdict("warn", f"location constraints name {name}: {', '.join(ids) or '(unreadable)'}; they are kept",
                       fix="delete them if they are no longer wanted (cibadmin --delete --xml-text '<rsc_location id=\"ID\"/>')")
    return CheckStep(f"Constraints that name {name}", nodecmds.cib_location_constraints(name), judge=judge,
                     id="constraints")


def check_simulate(change, what: str, *, version: str | None = None) -> CheckStep:
    """What the cluster would do after `change`, by crm_simulate on a copy of the CIB (the
    impact preview: XML where the cluster's Pacemaker has it, text before); a warning, never
    a failure, when no preview can be had."""
    xml = supports(SIMULATE_XML, version)

    def judge(result: CommandResult) -> Verdict:
        impact = impact_of(result.exit_status, result.stdout, result.stderr, xml=xml)
        if not impact.computed:
            return Verdict("warn", f"no preview: {impact.error}")
        lines = impact.lines() if impact.actions else ["no resource moves"]
        shown = lines[:12] + ([f"… and {len(lines) - 12} more"] if len(lines) > 12 else [])
        return Verdict("ok", f"{what}: " + "; ".join(shown))
    return CheckStep(f"Preview: {what} (crm_simulate on a copy of the CIB)",
                     nodecmds.simulate_changes((tuple(change),), xml=xml), judge=judge, id="simulate")


# --- the preflight plans ----------------------------------------------------------------------

def _target_checks(target: str, method: str) -> list[CheckStep]:
    remoted_level = "fail" if method == "pcs" else "warn"
    return [
        check_ssh(target),
        check_installed(target),
        check_not_running(target, "pacemaker", level="fail", step_id="no-pacemaker",
                          fix="this is a cluster node: choose another machine, or take it out of the cluster first"),
        check_not_running(target, "corosync", level="fail", step_id="no-corosync",
                          fix="this is a cluster node: choose another machine, or take it out of the cluster first"),
        check_not_running(target, "pacemaker_remote", level=remoted_level, step_id="remoted-not-running",
                          title=f"pacemaker-remoted is not running on {target} yet",
                          fix=("pcs refuses it: stop it (systemctl stop pacemaker_remote) or use the direct method"
                               if method == "pcs" else "nothing to do: it keeps running and reads the key when the "
                               "cluster connects (pcs would refuse it)")),
        check_absent(target, nodecmds.COROSYNC_CONF, step_id="no-corosync-conf",
                     fix=f"if it is no cluster node any more, remove {nodecmds.COROSYNC_CONF} there (pcs cluster destroy)"),
        check_absent(target, nodecmds.CIB_XML, step_id="no-cib",
                     fix=f"if it is no cluster node any more, remove {nodecmds.CIB_XML} there (pcs cluster destroy)"),
    ]


def _add_checks(inp: AddRemote | AddGuest, facts: ClusterFacts) -> list[CheckStep]:
    method = inp.method
    target = inp.target
    port = inp.port or nodecmds.REMOTE_PORT
    steps: list[CheckStep] = [check_inputs(inp, facts)]
    if inp.syntax_errors():
        return steps  # nothing to probe with: the names cannot reach a command
    steps += _target_checks(target, method)
    steps.append(check_cib_free(nodecmds.cib_id_taken(inp.name), f"No CIB element has the id {inp.name}",
                                f"the CIB has an element with id {inp.name}", "cib-id-free",
                                fix="choose another name"))
    steps.append(check_cib_free(nodecmds.cib_node_named(inp.name), f"No node in the CIB is named {inp.name}",
                                f"the CIB's <nodes> has a node named {inp.name}", "cib-node-free",
                                fix=f"if that node is gone for good: crm_node --force --remove {inp.name}"))
    steps += [check_tcp(node, target, port, listening_expected=False) for node in facts.may_host()]
    steps.append(check_firewall(target, (port, nodecmds.PCSD_PORT) if method == "pcs" else (port,)))
    steps.append(check_authkey_cluster(facts.may_host()))
    steps.append(check_authkey_target(target))
    if method in ("pcs", "auto"):
        level = "fail" if method == "pcs" else "warn"
        steps.append(check_pcs(level))
        steps.append(check_pcs_known(inp.name, target, level))
        if facts.cluster_nodes:
            steps.append(check_pcs_knows_the_cluster(tuple(facts.cluster_nodes), level))
        if isinstance(inp, AddGuest) and inp.connect_timeout:
            steps.append(check_pcs_duration(inp.connect_timeout, level))
    return steps


def _guest_running(inp: AddGuest, facts: ClusterFacts) -> CheckStep:
    """Asked of the cluster now, not of the snapshot the wizard opened with: a VM started
    meanwhile passes when the check is retried."""
    fix = (f"start it: crm_resource --resource {inp.resource} --meta --set-parameter target-role "
           "--parameter-value Started")

    def judge(result: CommandResult) -> Verdict:
        # crm_resource --locate: "resource R is running on: NODE" per instance (stdout);
        # "resource R is NOT running" goes to stderr, and the exit status is 0 either way
        text = result.stdout.decode("utf-8", "replace")
        where = [line.split("is running on:", 1)[1].split()[0] for line in text.splitlines()
                 if "is running on:" in line and line.split("is running on:", 1)[1].split()]
        if result.ok and where:
            return Verdict("ok", f"{inp.resource} runs on {', '.join(where)}")
        if result.ok or "NOT running" in result.stderr.decode("utf-8", "replace"):
            return Verdict("fail", f"{inp.resource} is not running: the guest must run to receive the key", fix=fix)
        return Verdict("fail", f"cannot tell whether {inp.resource} runs: {_text(result)}", fix=fix)
    return CheckStep(f"{inp.resource} is running", nodecmds.resource_state(inp.resource), judge=judge,
                     id="guest-running")


def _remove_checks(inp: RemoveNode, facts: ClusterFacts) -> list[CheckStep]:
    steps: list[CheckStep] = [check_inputs(inp, facts)]
    if inp.errors(facts):
        return steps
    target = inp.target_of(facts)
    steps.append(check_running_on(inp.name, facts))
    steps.append(check_constraints(inp.name))
    if inp.kind == "remote":
        steps.append(check_simulate(nodecmds.stop_resource(inp.name), f"stopping the connection {inp.name}",
                                    version=facts.version))
    else:
        vm = facts.guest_container(inp.name)
        if vm:
            steps.append(check_simulate(nodecmds.delete_meta(vm, "remote-node"), f"unsetting remote-node on {vm}",
                                        version=facts.version))
    steps.append(check_ssh(target, level="warn"))
    steps.append(check_not_running(target, "pacemaker", level="fail", step_id="target-not-cluster",
                                   title=f"{target} is not a cluster node",
                                   fix="the address reaches a cluster node: its key and daemons must stay; check the address"))
    if inp.method in ("pcs", "auto"):
        level = "fail" if inp.method == "pcs" else "warn"
        steps.append(check_pcs(level))
        steps.append(check_pcs_known(inp.name, target, level))
    return steps


def preflight(inp: Input, facts: ClusterFacts) -> Plan:
    """The read-only checks for this input (CheckSteps only: plan.mutates is False)."""
    if isinstance(inp, AddRemote):
        title, steps = f"Checks before adding remote node {inp.name}", _add_checks(inp, facts)
    elif isinstance(inp, AddGuest):
        steps = _add_checks(inp, facts)
        if len(steps) > 1:
            steps.insert(1, _guest_running(inp, facts))
        title = f"Checks before adding guest node {inp.name}"
    elif isinstance(inp, RemoveNode):
        title, steps = f"Checks before removing {inp.kind} node {inp.name}", _remove_checks(inp, facts)
    else:
        raise TypeError(f"no preflight for {type(inp).__name__}")
    return Plan(title, tuple(steps))


# --- running them -----------------------------------------------------------------------------

async def _call(fn, *args):
    value = fn(*args)
    if inspect.isawaitable(value):
        value = await value
    return value


async def _verdict(step: CheckStep, host: str, ctx: dict) -> Verdict:
    try:
        if callable(step.probe):
            verdict = await _call(step.probe, ctx)
        else:
            result = await ctx["pool"].run(host, tuple(step.probe), purpose=f"preflight: {step.title}",
                                           read=True, timeout=step.timeout)
            if result.timed_out:
                return Verdict("fail", f"timed out after {step.timeout:g}s", step.fix)
            verdict = step.judge(result) if step.judge else Verdict("ok" if result.ok else "fail", _text(result))
    except (TransportError, ReadOnlyError) as exc:
        return Verdict("fail", f"cannot reach {host}: {exc}", step.fix)
    except Exception as exc:  # noqa: BLE001 - a check's own error is its outcome, one line
        return Verdict("fail", f"the check failed: {type(exc).__name__}: {exc}", step.fix)
    if not isinstance(verdict, Verdict):
        return Verdict("fail", f"the check gave {type(verdict).__name__}, not a verdict")
    return verdict


async def run_checks(plan: Plan, pool, *, default_host: str,
                     listeners: Iterable[Callable] = ()) -> tuple[CheckOutcome, ...]:
    """Every CheckStep of `plan`, concurrently (the pool bounds it), each to its outcome; the
    events of tui.ops.events go to `listeners` as they happen (one run id)."""
    listeners = tuple(listeners)
    if plan.mutates or not all(isinstance(s, CheckStep) for s in plan.steps):
        raise ValueError(f"{plan.title!r} is not a preflight: only checks may run here")

    async def emit(event) -> None:
        for listener in listeners:
            await _call(listener, event)

    run_id = new_run_id()
    ctx: dict[str, Any] = {"pool": pool, "default_host": default_host, "found": {}}
    await emit(PlanStarted(run_id, plan.title, tuple(s.id for s in plan.steps)))

    async def one(step: CheckStep) -> CheckOutcome:
        host = step.host or default_host
        await emit(StepStarted(run_id, step.id, step.title, host))
        verdict = await _verdict(step, host, ctx)
        fix = verdict.fix or (step.fix if verdict.level != "ok" else None)
        failed = verdict.level == "fail"
        await emit(StepFinished(run_id, step.id, StepState.FAILED if failed else StepState.DONE,
                                verdict.observed if failed else None,
                                detail=verdict.observed if verdict.level == "ok" else f"warning: {verdict.observed}"
                                if not failed else verdict.observed, fix=fix))
        found = tuple(sorted((k, str(v)) for k, v in ctx["found"].get(step.id, {}).items()))
        return CheckOutcome(step.id, step.title, host, verdict.level, verdict.observed, fix, found)

    outcomes = tuple(await asyncio.gather(*(one(step) for step in plan.steps)))
    failed = tuple(o.step_id for o in outcomes if o.level == "fail")
    await emit(PlanFinished(run_id, PlanState.FAILED if failed else PlanState.DONE,
                            done=tuple(o.step_id for o in outcomes if o.level != "fail"), not_done=failed,
                            error=f"{len(failed)} check(s) failed" if failed else None,
                            statement=("failed: " + ", ".join(failed)) if failed else "every check passed"))
    return outcomes
