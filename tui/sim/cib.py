"""The demo cluster as a CIB: what `cibadmin --query` would print on a real cluster.

`full_cib` (configuration + status) is also what the faithfulness test feeds to the real
crm_mon, so the status section carries everything crm_mon reads: node_state, transient
attributes (fail counts), lrm histories, tickets.
"""

from __future__ import annotations

import time
import zlib

from lxml import etree

from tui.sim.model import CLUSTER, REMOTE, Bundle, Clone, Group, OpSpec, Primitive
from tui.sim.state import FEATURE_SET, ClusterState, LrmEntry, OpRecord

VALIDATE_WITHS = {"2.1": "pacemaker-3.9", "3.0": "pacemaker-4.0"}  # what each release writes
VALIDATE_WITH = VALIDATE_WITHS["3.0"]
E = etree.Element
S = etree.SubElement


def ctime(t: float) -> str:
    """Pacemaker's human timestamps ("Sun Nov 22 05:00:15 2026"), always UTC in the demo."""
    return time.strftime("%a %b %e %H:%M:%S %Y", time.gmtime(t))


def cib_root(state: ClusterState) -> etree._Element:
    """The <cib> element with its version attributes (cibadmin --query --no-children)."""
    return E("cib", {
        "crm_feature_set": FEATURE_SET,
        "validate-with": VALIDATE_WITHS.get(state.dialect, VALIDATE_WITH),
        "epoch": str(state.epoch),
        "num_updates": str(state.num_updates),
        "admin_epoch": str(state.admin_epoch),
        "cib-last-written": ctime(state.last_written),
        "update-origin": state.last_change_origin,
        "update-client": state.last_change_client,
        "update-user": state.last_change_user,
        "have-quorum": "1",
        "dc-uuid": state.nodes[state.dc].id,
    })


def _nvset(parent, tag: str, set_id: str, values: dict[str, str]) -> None:
    values = {k: v for k, v in values.items() if not k.startswith("_")}
    if not values:
        return
    nvset = S(parent, tag, id=set_id)
    for name, value in values.items():
        S(nvset, "nvpair", id=f"{set_id}-{name}", name=name, value=value)


def _op_id(rsc: str, op: OpSpec) -> str:
    role = f"-role-{op.role}" if op.role else ""
    return f"{rsc}-{op.name}-interval-{op.interval}{role}"


def _primitive(parent, prim: Primitive) -> None:
    attrs = {"id": prim.id, "class": prim.cls}
    if prim.provider:
        attrs["provider"] = prim.provider
    attrs["type"] = prim.type
    el = S(parent, "primitive", attrs)
    _nvset(el, "instance_attributes", f"{prim.id}-instance_attributes", prim.params)
    _nvset(el, "meta_attributes", f"{prim.id}-meta_attributes", prim.meta)
    if prim.ops:
        ops = S(el, "operations")
        for op in prim.ops:
            spec = {"id": _op_id(prim.id, op), "interval": op.interval, "name": op.name}
            if op.role:
                spec["role"] = op.role
            if op.timeout:
                spec["timeout"] = op.timeout
            S(ops, "op", spec)


def _resource(parent, res) -> None:
    if isinstance(res, Primitive):
        _primitive(parent, res)
    elif isinstance(res, Group):
        el = S(parent, "group", id=res.id)
        _nvset(el, "meta_attributes", f"{res.id}-meta_attributes", res.meta)
        for child in res.children:
            _primitive(el, child)
    elif isinstance(res, Clone):
        el = S(parent, "clone", id=res.id)
        _nvset(el, "meta_attributes", f"{res.id}-meta_attributes", res.meta)
        _primitive(el, res.child)
    elif isinstance(res, Bundle):
        el = S(parent, "bundle", id=res.id)
        S(el, res.runtime, image=res.image, replicas=str(res.replicas), network="bridge")
        net = {"control-port": str(res.control_port)}
        if res.ip_range_start:
            net = {"ip-range-start": res.ip_range_start, "host-interface": "eth0", "host-netmask": "24", **net}
        network = S(el, "network", net)
        if res.port:
            S(network, "port-mapping", id=f"{res.id}-port-{res.port}", port=str(res.port))
        storage = S(el, "storage")
        S(storage, "storage-mapping", id=f"{res.id}-www", options="rw,Z",
          **{"source-dir": "/srv/www", "target-dir": "/var/www/html"})
        _primitive(el, res.child)


def configuration(state: ClusterState) -> etree._Element:
    """<configuration>: cluster options, nodes, resources, constraints."""
    conf = E("configuration")
    crm = S(conf, "crm_config")
    _nvset(crm, "cluster_property_set", "cib-bootstrap-options", state.crm_config)
    nodes = S(conf, "nodes")
    for node in state.nodes.values():
        if node.kind == CLUSTER:
            el = S(nodes, "node", id=node.id, uname=node.name)
        elif node.kind == REMOTE or node.attrs:
            # guest and bundle nodes get an entry only once they carry a permanent attribute
            el = S(nodes, "node", id=node.id, type="remote", uname=node.name)
        else:
            continue
        _nvset(el, "instance_attributes", f"nodes-{node.id}", node.attrs)
    resources = S(conf, "resources")
    for res in state.resources:
        _resource(resources, res)
    constraints = S(conf, "constraints")
    for rule in state.rules:
        loc = S(constraints, "rsc_location", id=rule.id, rsc=rule.rsc)
        r = S(loc, "rule", id=f"{rule.id}-rule", score=rule.score)
        S(r, "expression", id=f"{rule.id}-rule-expr", attribute=rule.attribute,
          operation=rule.operation, value=rule.value)
    for ban in state.bans:
        _location(constraints, ban)
    for ticket in state.tickets:
        S(constraints, "rsc_ticket", id=f"db-clone-with-{ticket.id}", rsc="db-clone",
          ticket=ticket.id, **{"rsc-role": "Promoted", "loss-policy": "demote"})
    rsc_defaults = S(conf, "rsc_defaults")
    _nvset(rsc_defaults, "meta_attributes", "rsc_defaults-options", {"resource-stickiness": "100"})
    return conf


def lifetime_end(t: float) -> str:
    """A --lifetime constraint's end as crm_resource writes it ("2026-12-02 14:46:06Z")."""
    return time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime(t))


def _location(constraints, ban) -> None:
    """A cli-ban/cli-prefer constraint as crm_resource 2.1.5 writes it; with a lifetime, a rule
    (#uname eq NODE and the date before its end), ids as crm_resource gives them."""
    attrs = {"id": ban.id, "rsc": ban.rsc}
    if ban.role:
        attrs["role"] = ban.role
    if ban.end is None:
        attrs.update(node=ban.node, score=ban.score)
        S(constraints, "rsc_location", attrs)
        return
    loc = S(constraints, "rsc_location", attrs)
    prefer = ban.id == f"cli-prefer-{ban.rsc}"
    ids = ((f"cli-prefer-rule-{ban.rsc}", f"cli-prefer-expr-{ban.rsc}", f"cli-prefer-lifetime-end-{ban.rsc}")
           if prefer else (f"{ban.id}-rule", f"{ban.id}-expr", f"{ban.id}-lifetime"))
    rule = S(loc, "rule", {"id": ids[0], "score": ban.score, "boolean-op": "and"})
    S(rule, "expression", {"id": ids[1], "attribute": "#uname", "operation": "eq", "value": ban.node,
                           "type": "string"})
    S(rule, "date_expression", {"id": ids[2], "operation": "lt", "end": lifetime_end(ban.end)})


def _op(parent, entry: LrmEntry, op: OpRecord, op_id: str, node: str) -> None:
    # transition key = action:transition:expected-rc:uuid; crm_mon judges the rc against it
    key = f"{op.call}:1:{op.target_rc}:00000000-demo-0000-0000-{zlib.crc32(op_id.encode()):012d}"
    attrs = {
        "id": op_id,
        "operation_key": f"{entry.rsc}_{op.key}",
        "operation": op.task,
        "crm-debug-origin": "do_update_resource",
        "crm_feature_set": FEATURE_SET,
        "transition-key": key,
        "transition-magic": f"{op.status}:{op.rc};{key}",
        "exit-reason": op.exit_reason,
        "on_node": node,
        "call-id": str(op.call),
        "rc-code": str(op.rc),
        "op-status": str(op.status),
        "interval": str(op.interval_ms),
        "last-rc-change": str(int(op.when)),
        "exec-time": str(op.exec_ms),
        "queue-time": "0",
        "op-digest": "f2317cad3d54cec5d7d7aa7d0bf35cf8",
    }
    if op.interval_ms == 0:
        attrs["last-run"] = str(int(op.when))
    S(parent, "lrm_rsc_op", attrs)


def _lrm(parent, state: ClusterState, node: str) -> None:
    lrm = S(parent, "lrm", id=state.nodes[node].id)
    entries = S(lrm, "lrm_resources")
    for entry in state.lrm[node].values():
        prim = entry.primitive
        attrs = {"id": entry.rsc, "type": prim.type, "class": prim.cls}
        if prim.provider:
            attrs["provider"] = prim.provider
        if entry.container:
            attrs["container"] = entry.container
        el = S(entries, "lrm_resource", attrs)
        # like the controller: last action, recurring monitor, last failure (may share a call)
        if entry.last:
            _op(el, entry, entry.last, f"{entry.rsc}_last_0", node)
        if entry.monitor:
            _op(el, entry, entry.monitor, f"{entry.rsc}_{entry.monitor.key}", node)
        if entry.failure:
            _op(el, entry, entry.failure, f"{entry.rsc}_last_failure_0", node)


def status(state: ClusterState) -> etree._Element:
    st = E("status")
    for node in state.nodes.values():
        if node.kind == CLUSTER:
            up = node.name not in state.down
            el = S(st, "node_state", id=node.id, uname=node.name, in_ccm="true", crmd="online" if up else "offline",
                   **{"crm-debug-origin": "do_update_resource", "join": "member" if up else "down",
                      "expected": "member" if up else "down"})
        else:
            online = state.node_online(node.name)
            el = S(st, "node_state", remote_node="true", id=node.id, uname=node.name,
                   in_ccm="true" if online else "false",
                   **{"crm-debug-origin": "do_update_resource" if online else "remote_node_down",
                      "node_fenced": "0", "node_in_maintenance": "1" if state.node_in_maintenance(node.name) else "0"})
        if node.transient:
            ta = S(el, "transient_attributes", id=node.id)
            inst = S(ta, "instance_attributes", id=f"status-{node.id}")
            for name, value in node.transient.items():
                S(inst, "nvpair", id=f"status-{node.id}-{name.replace('#', '.')}", name=name, value=value)
        if state.lrm[node.name]:
            _lrm(el, state, node.name)
    if state.tickets:
        tickets = S(st, "tickets")
        for ticket in state.tickets:
            attrs = {"id": ticket.id, "granted": "true" if ticket.granted else "false"}
            if ticket.last_granted is not None:
                attrs["last-granted"] = str(int(ticket.last_granted))
            if ticket.standby:
                attrs["standby"] = "true"
            S(tickets, "ticket_state", attrs)
    return st


def full_cib(state: ClusterState) -> etree._Element:
    root = cib_root(state)
    root.append(configuration(state))
    root.append(status(state))
    return root


def to_text(el: etree._Element) -> str:
    return etree.tostring(el, pretty_print=True, encoding="unicode").rstrip("\n")


def version_text(state: ClusterState) -> str:
    return to_text(cib_root(state))


def configuration_text(state: ClusterState) -> str:
    return to_text(configuration(state))
