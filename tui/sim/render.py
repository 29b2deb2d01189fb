"""ClusterState -> what `crm_mon --one-shot --inactive --output-as=xml` prints: Pacemaker 3.0.0's
(api-version 2.38) by default, 2.1.5's (2.25) for state.dialect "2.1".

3.0.0 differs from 2.1.5 in: `stack@pacemakerd-state`, `last_update@origin` (the node crm_mon
runs on), `maintenance` on every resource, group, clone and bundle, and rc_text/exitstatus
worded by crm_exit_str ("OK", "Not running") as Pacemaker 3's own regression outputs show
(../shared/pacemaker-cts/cli/regression.crm_mon.exp; api schema crm_mon-2.35/resources-2.29).

Pure Python, so the demo needs no Pacemaker on the user's machine. Every ordering rule here
(nodes by natural name order, histories in CIB order, bans newest constraint first, ...) was
checked against the real crm_mon on the CIB that cib.full_cib writes from the same state:
tests/demo/test_faithful.py keeps that proof.
"""

from __future__ import annotations

import re
import time

from lxml import etree

from tui.pacemaker import commands
from tui.sim.cib import ctime
from tui.sim.model import BUNDLE, CLUSTER, GUEST, REMOTE, Bundle, Clone, Group, Primitive
from tui.sim.state import FEATURE_SET, ClusterState, LrmEntry, bundle_parts

API_VERSIONS = {"2.1": "2.25", "3.0": "2.38"}
API_VERSION = API_VERSIONS["3.0"]
S = etree.SubElement
INFINITY = 1_000_000
RC_TEXT_3 = {0: "OK", 1: "Error occurred", 2: "Invalid parameter", 3: "Unimplemented",
             4: "Insufficient privileges", 5: "Not installed", 6: "Not configured", 7: "Not running",
             8: "Promoted", 9: "Failed in promoted role"}
RC_TEXT = {0: "ok", 1: "error", 2: "invalid parameter", 3: "unimplemented feature",
           4: "insufficient privileges", 5: "not installed", 6: "not configured",
           7: "not running", 8: "promoted", 9: "promoted (failed)"}
EXEC_STATUS = {0: "complete", 1: "Cancelled", 2: "Timed Out", 3: "NOT SUPPORTED", 4: "Error",
               5: "Not installed", 6: "Not connected", 7: "Invalid parameter"}
HIDDEN_ATTRS = ("fail-count-", "last-failure-", "shutdown", "terminate", "standby", "#")
KIND = {CLUSTER: "cluster", REMOTE: "remote", GUEST: "container", BUNDLE: "container"}


def b(value: bool) -> str:
    return "true" if value else "false"


def natural_key(name: str) -> list:
    """Pacemaker sorts node names case-insensitively with digit runs compared as numbers."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


def iso(t: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime(t))


class _Renderer:
    def __init__(self, state: ClusterState, origin: str | None = None) -> None:
        self.s = state
        self.sorted_nodes = sorted(state.nodes, key=natural_key)
        self.v3 = state.dialect != "2.1"
        self.origin = origin or state.dc
        self.rc_text = RC_TEXT_3 if self.v3 else RC_TEXT

    def maintained(self, meta: dict) -> dict:
        """3.0's `maintenance` flag of a resource: cluster maintenance-mode or its own meta."""
        if not self.v3:
            return {}
        on = self.s.maintenance_mode or meta.get("maintenance", "false") == "true"
        return {"maintenance": b(on)}

    # -- helpers --------------------------------------------------------------------------

    def managed(self, prim: Primitive, nodes: list[str]) -> bool:
        if self.s.maintenance_mode or prim.meta.get("is-managed") == "false":
            return False
        return not any(self.s.maintenance(n) for n in nodes)

    def failed(self, rsc: str) -> bool:
        return any(e.failed for n in self.s.nodes if (e := self.s.lrm[n].get(rsc)) and self.s.node_online(n))

    def resource_el(self, parent, rid: str, prim: Primitive, placed: list[tuple[str, LrmEntry]], failed: bool) -> None:
        nodes = [n for n, _ in placed]
        role = placed[0][1].role if placed else "Stopped"
        attrs = {"id": rid, "resource_agent": prim.agent, "role": role}
        if "target-role" in prim.meta:
            attrs["target_role"] = prim.meta["target-role"]
        attrs.update({
            "active": b(bool(placed)), "orphaned": "false", "blocked": "false", **self.maintained(prim.meta),
            "managed": b(self.managed(prim, nodes)), "failed": b(failed), "failure_ignored": "false",
            "nodes_running_on": str(len(placed)),
        })
        el = S(parent, "resource", attrs)
        for node in nodes:
            S(el, "node", name=node, id=self.s.nodes[node].id, cached="true")

    def primitive(self, parent, prim: Primitive, rid: str | None = None) -> None:
        rid = rid or prim.id
        self.resource_el(parent, rid, prim, self.s.active(rid), self.failed(rid))

    # -- sections -------------------------------------------------------------------------

    def summary(self, root) -> None:
        s = self.s
        summary = S(root, "summary")
        S(summary, "stack", {"type": "corosync", **({"pacemakerd-state": "running"} if self.v3 else {})})
        dc = s.nodes[s.dc]
        S(summary, "current_dc", present="true", version=s.crm_config.get("dc-version", ""), name=dc.name,
          id=dc.id, with_quorum="true", mixed_version="false")
        S(summary, "last_update", {"time": ctime(s.now), **({"origin": self.origin} if self.v3 else {})})
        S(summary, "last_change", time=ctime(s.last_written), user=s.last_change_user,
          client=s.last_change_client, origin=s.last_change_origin)
        S(summary, "nodes_configured", number=str(len(s.nodes)))
        S(summary, "resources_configured", number=str(self.count_resources()), disabled=str(self.count_disabled()),
          blocked="0")
        S(summary, "cluster_options", {
            "stonith-enabled": b(s.crm_config.get("stonith-enabled", "true") == "true"),
            "symmetric-cluster": "true", "no-quorum-policy": "stop",
            "maintenance-mode": b(s.maintenance_mode), "stop-all-resources": "false",
            "stonith-timeout-ms": "60000", "priority-fencing-delay-ms": "0",
        })

    def count_resources(self) -> int:
        total = 0
        for res in self.s.resources:
            if isinstance(res, Primitive):
                total += 1
            elif isinstance(res, Group):
                total += len(res.children)
            elif isinstance(res, Clone):
                total += res.clone_max
            elif isinstance(res, Bundle):
                total += sum(len(bundle_parts(res, i)) for i in range(res.replicas))
        return total + sum(1 for n in self.s.nodes.values() if n.kind == GUEST)

    def count_disabled(self) -> int:
        def stopped(meta) -> bool:
            return meta.get("target-role", "").lower() == "stopped"
        total = 0
        for res in self.s.resources:
            if isinstance(res, Primitive):
                total += stopped(res.meta)
            elif isinstance(res, Group):
                total += sum(stopped(res.meta) or stopped(c.meta) for c in res.children)
            elif isinstance(res, Clone):
                total += res.clone_max * (stopped(res.meta) or stopped(res.child.meta))
        return total

    def nodes(self, root) -> None:
        el = S(root, "nodes")
        for name in self.sorted_nodes:
            node = self.s.nodes[name]
            cluster = node.kind == CLUSTER
            attrs = {
                "name": name, "id": node.id, "online": b(self.s.node_online(name)),
                "standby": b(self.s.standby(name)), "standby_onfail": "false",
                "maintenance": b(self.s.maintenance(name)), "pending": "false", "unclean": b(self.s.unclean(name)),
                "health": "green",
            }
            if cluster:
                attrs["feature_set"] = node.transient.get("#feature-set", FEATURE_SET)
            attrs.update({
                "shutdown": "false", "expected_up": b(cluster), "is_dc": b(name == self.s.dc),
                "resources_running": str(self.running_on(name)),
                "type": "member" if cluster else "remote",
            })
            if node.kind in (GUEST, BUNDLE) and node.container:
                attrs["id_as_resource"] = node.container
            S(el, "node", attrs)

    def running_on(self, node: str) -> int:
        if not self.s.node_online(node):
            return 0
        return sum(1 for e in self.s.lrm[node].values() if e.role != "Stopped")

    def resources(self, root) -> None:
        el = S(root, "resources")
        for res in self.s.resources:
            if isinstance(res, Primitive):
                self.primitive(el, res)
            elif isinstance(res, Group):
                group = S(el, "group", {"id": res.id, "number_resources": str(len(res.children)),
                                        **self.maintained(res.meta), "managed": b(not self.s.maintenance_mode),
                                        "disabled": "false"})
                for child in res.children:
                    self.primitive(group, child)
            elif isinstance(res, Clone):
                self.clone(el, res)
            elif isinstance(res, Bundle):
                self.bundle(el, res)
        for node in self.s.nodes.values():
            if node.kind == GUEST and node.connection:
                prim, _ = self.s.primitives[node.connection]
                self.primitive(el, prim)

    def clone(self, parent, clone: Clone) -> None:
        placed = self.s.active(clone.child.id)
        # the clone's own flags: node maintenance and instance failures stay on the instances
        el = S(parent, "clone", {"id": clone.id, "multi_state": b(clone.promotable), "unique": "false",
                                 **self.maintained(clone.meta), "managed": b(self.managed(clone.child, [])),
                                 "disabled": "false", "failed": "false", "failure_ignored": "false"})
        for node, entry in placed:
            self.resource_el(el, clone.child.id, clone.child, [(node, entry)], entry.failed)
        for _ in range(clone.clone_max - len(placed)):
            self.resource_el(el, clone.child.id, clone.child, [], False)

    def bundle(self, parent, bundle: Bundle) -> None:
        el = S(parent, "bundle", {"id": bundle.id, "type": bundle.runtime, "image": bundle.image, "unique": "false",
                                  **self.maintained({}), "managed": b(not self.s.maintenance_mode),
                                  "failed": "false"})
        for i in range(bundle.replicas):
            replica = S(el, "replica", id=str(i))
            bundle_node = bundle.remote_id(i)
            for rid, prim, _ in bundle_parts(bundle, i):
                if rid == bundle.child.id:
                    entry = self.s.lrm[bundle_node].get(rid) if self.s.node_online(bundle_node) else None
                    placed = [(bundle_node, entry)] if entry and entry.role != "Stopped" else []
                    self.resource_el(replica, rid, prim, placed, bool(entry and entry.failed))
                else:
                    self.primitive(replica, prim, rid)

    def node_attributes(self, root) -> None:
        el = S(root, "node_attributes")
        for name in self.sorted_nodes:
            if not self.s.node_online(name):
                continue
            node = self.s.nodes[name]
            values = {**node.attrs, **node.transient}
            shown = sorted(k for k in values if not k.startswith(HIDDEN_ATTRS))
            if not shown:
                continue
            n_el = S(el, "node", name=name)
            for key in shown:
                attrs = {"name": key, "value": values[key]}
                expected = self.ping_expected(name, key)
                if expected is not None:
                    attrs["expected"] = expected
                S(n_el, "attribute", attrs)

    def ping_expected(self, node: str, attr: str) -> str | None:
        """crm_mon shows what a ping resource running on the node would score at best."""
        for entry in self.s.lrm[node].values():
            prim = entry.primitive
            if entry.role == "Stopped" or prim.agent != "ocf:pacemaker:ping":
                continue
            if prim.params.get("name", "pingd") == attr:
                hosts = len(prim.params.get("host_list", "").split())
                return str(int(prim.params.get("multiplier", "1")) * hosts)
        return None

    def node_history(self, root) -> None:
        el = S(root, "node_history")
        for name in self.s.nodes:
            if not self.s.node_online(name) or not self.s.lrm[name]:
                continue
            n_el = S(el, "node", name=name)
            for rid, entry in self.s.lrm[name].items():
                count, last = self.s.fail_count(name, rid)
                attrs = {"id": rid, "orphan": "false", "migration-threshold": str(INFINITY)}
                if count:
                    attrs["fail-count"] = str(count)
                    attrs["last-failure"] = ctime(last or 0)
                h_el = S(n_el, "resource_history", attrs)
                ops = [op for op in (entry.last, entry.monitor, entry.failure) if op]
                for op in sorted(ops, key=lambda o: o.call):
                    o = {"call": str(op.call), "task": op.task, "rc": str(op.rc), "rc_text": self.rc_text.get(op.rc, "unknown")}
                    if op.interval_ms:
                        o["interval"] = f"{op.interval_ms}ms"
                    o.update({"last-rc-change": ctime(op.when), "exec-time": f"{op.exec_ms}ms", "queue-time": "0ms"})
                    S(h_el, "operation_history", o)

    def failures(self, root) -> None:
        if self.s.maintenance_mode:
            return  # crm_mon lists no failed actions while the whole cluster is unmanaged
        failed = [(n, e) for n in self.s.nodes if self.s.node_online(n)
                  for e in self.s.lrm[n].values() if e.failure is not None]
        if not failed:
            return
        el = S(root, "failures")
        for node, entry in failed:
            op = entry.failure
            S(el, "failure", {
                "op_key": f"{entry.rsc}_{op.key}", "node": node, "exitstatus": self.rc_text.get(op.rc, "unknown"),
                "exitreason": op.exit_reason, "exitcode": str(op.rc), "call": str(op.call),
                "status": EXEC_STATUS.get(op.status, "Error"), "last-rc-change": iso(op.when), "queued": "0",
                "exec": str(op.exec_ms), "interval": str(op.interval_ms), "task": op.task,
            })

    def fence_history(self, root) -> None:
        el = S(root, "fence_history")
        # pending first, then newest completed first (stonith__sort_history)
        events = sorted(self.s.fence_history, key=lambda e: (e.state != "pending", -e.completed))
        for ev in events:
            attrs = {"action": ev.action, "target": ev.target, "client": ev.client, "origin": ev.origin}
            if ev.state == "failed":
                attrs["status"] = "failed"
                if ev.exit_reason:
                    attrs["exit-reason"] = ev.exit_reason
            elif ev.state == "success":
                attrs["status"] = "success"
            else:
                attrs.update({"status": "pending", "extended-status": "1"})
            if ev.delegate:
                attrs["delegate"] = ev.delegate
            if ev.state in ("failed", "success"):
                attrs["completed"] = iso(ev.completed)
            S(el, "fence_event", attrs)

    def tickets(self, root) -> None:
        el = S(root, "tickets")
        for t in self.s.tickets:
            attrs = {"id": t.id, "status": "granted" if t.granted else "revoked", "standby": b(t.standby)}
            if t.last_granted is not None:
                attrs["last-granted"] = ctime(t.last_granted)
            S(el, "ticket", attrs)

    def bans(self, root) -> None:
        el = S(root, "bans")
        # CIB order (rules, then bans: see cib.configuration); Pacemaker prepends both the
        # constraints and each one's matched nodes, so it prints them back to front
        constraints = [(f"{r.id}-rule", r.rsc, [n for n in self.sorted_nodes if self.rule_matches(r, n)], False)
                       for r in self.s.rules if r.score.startswith("-")]
        # issue 13 (A): cli-prefer constraints are no bans; a --lifetime one is its rule, gone once expired
        constraints += [(ban.id if ban.end is None else f"{ban.id}-rule", ban.rsc, [ban.node], ban.role == "Promoted")
                         for ban in self.s.bans if ban.negative and (ban.end is None or ban.end > self.s.now)]
        for ban_id, rsc, nodes, promoted in reversed(constraints):
            for node in reversed(nodes):
                S(el, "ban", {"id": ban_id, "resource": rsc, "node": node, "weight": str(-INFINITY),
                              "promoted-only": b(promoted), "master_only": b(promoted)})

    def rule_matches(self, rule, node: str) -> bool:
        value = KIND[self.s.nodes[node].kind] if rule.attribute == "#kind" else \
            {**self.s.nodes[node].attrs, **self.s.nodes[node].transient}.get(rule.attribute)
        if rule.operation == "eq":
            return value == rule.value
        if rule.operation == "ne":
            return value != rule.value
        if rule.operation == "defined":
            return value is not None
        if rule.operation == "not_defined":
            return value is None
        raise ValueError(f"demo: rule operation {rule.operation!r} not supported")


def crm_mon_xml(state: ClusterState, *, fence_history: bool = True, origin: str | None = None) -> str:
    """The full document crm_mon prints (fence history needs the fencer, absent with CIB_file);
    origin: the node it runs on (3.0's last_update@origin; default the DC)."""
    r = _Renderer(state, origin)
    root = etree.Element("pacemaker-result", {"api-version": API_VERSIONS.get(state.dialect, API_VERSION),
                                              "request": " ".join(commands.crm_mon_status())})
    r.summary(root)
    r.nodes(root)
    r.resources(root)
    r.node_attributes(root)
    r.node_history(root)
    r.failures(root)
    if fence_history:
        r.fence_history(root)
    r.tickets(root)
    r.bans(root)
    S(root, "status", code="0", message="OK")
    return etree.tostring(root, pretty_print=True, encoding="unicode").rstrip("\n")
