"""Pacemaker and corosync configuration text for the lab: corosync.conf, the seeded CIB
(fast start) and the cibadmin XML that adds remote and guest nodes."""

from __future__ import annotations

from lxml import etree

# How long the cluster waits before it retries a lost remote connection. Short, so the
# "kill remoted, start it again" tests see the node come back within seconds.
RECONNECT_INTERVAL = "4s"


def corosync_conf(cluster_name: str, node_name: str = "node1", addr: str = "127.0.0.1") -> str:
    return f"""totem {{
    version: 2
    cluster_name: {cluster_name}
    transport: knet
    crypto_cipher: none
    crypto_hash: none
}}
nodelist {{
    node {{
        name: {node_name}
        nodeid: 1
        ring0_addr: {addr}
    }}
}}
quorum {{
    provider: corosync_votequorum
}}
logging {{
    to_logfile: no
    to_stderr: yes
    to_syslog: no
    timestamp: on
}}
"""


def seeded_cib(empty_cib: str, cluster_name: str) -> bytes:
    """`cibadmin --empty` output (right schema for the version) plus the properties that
    let a one-node lab start resources within seconds. cluster-recheck-interval is short
    because the scheduler does not always arm a timer for a remote's reconnect_interval:
    on 2.1.5, 4 of 10 authkey breaks were retried only at the next recheck (60 s at 1min)."""
    root = etree.fromstring(empty_cib.encode())
    crm_config = root.find("configuration/crm_config")
    props = etree.SubElement(crm_config, "cluster_property_set", id="cib-bootstrap-options")
    for name, value in (("stonith-enabled", "false"), ("dc-deadtime", "2s"),
                        ("cluster-name", cluster_name), ("cluster-recheck-interval", "5s")):
        etree.SubElement(props, "nvpair", id=f"cib-bootstrap-options-{name}", name=name,
                         value=value)
    return etree.tostring(root, xml_declaration=False)


def _op(parent, rid: str, name: str, interval: str, timeout: str) -> None:
    etree.SubElement(parent, "op", id=f"{rid}-{name}-{interval}", name=name, interval=interval,
                     timeout=timeout)


def _attrs(parent, rid: str, tag: str, suffix: str, pairs: dict[str, str]) -> None:
    block = etree.SubElement(parent, tag, id=f"{rid}-{suffix}")
    for k, v in pairs.items():
        etree.SubElement(block, "nvpair", id=f"{rid}-{suffix}-{k}", name=k, value=v)


def remote_primitive(name: str, addr: str) -> str:
    prim = etree.Element("primitive", id=name, **{"class": "ocf"}, provider="pacemaker",
                         type="remote")
    _attrs(prim, name, "instance_attributes", "instance_attributes",
           {"server": addr, "reconnect_interval": RECONNECT_INTERVAL})
    ops = etree.SubElement(prim, "operations")
    _op(ops, name, "monitor", "5s", "20s")
    return etree.tostring(prim).decode()


def guest_container(container: str, guest: str, addr: str) -> str:
    """A Dummy standing in for a VM: its remote-node meta makes `guest` a guest node."""
    prim = etree.Element("primitive", id=container, **{"class": "ocf"}, provider="pacemaker",
                         type="Dummy")
    _attrs(prim, container, "meta_attributes", "meta_attributes",
           {"remote-node": guest, "remote-addr": addr, "remote-connect-timeout": "20s"})
    ops = etree.SubElement(prim, "operations")
    _op(ops, container, "monitor", "10s", "20s")
    return etree.tostring(prim).decode()


def dummy(rid: str) -> str:
    prim = etree.Element("primitive", id=rid, **{"class": "ocf"}, provider="pacemaker",
                         type="Dummy")
    ops = etree.SubElement(prim, "operations")
    _op(ops, rid, "monitor", "10s", "20s")
    return etree.tostring(prim).decode()


def prefer(rid: str, node: str) -> str:
    return etree.tostring(etree.Element("rsc_location", id=f"loc-{rid}-{node}", rsc=rid,
                                        node=node, score="INFINITY")).decode()


def lab_resources(cluster_node: str, remotes: dict[str, str], guests: dict[str, str],
                  spare_vms: tuple[str, ...] | list[str] = ()) -> tuple[str, str]:
    """(resources XML, constraints XML) for one cibadmin --modify... call each: a remote
    connection per remote node, a container per guest, one Dummy pinned on every node, and
    per spare guest its "VM": a plain Dummy on the cluster node, no remote-node meta."""
    res, cons = [], []
    for vm in spare_vms:
        res.append(dummy(vm))
        cons.append(prefer(vm, cluster_node))
    for name, addr in remotes.items():
        res.append(remote_primitive(name, addr))
    for name, addr in guests.items():
        container = f"{name}-container"
        res.append(guest_container(container, name, addr))
        cons.append(prefer(container, cluster_node))
    for node in (cluster_node, *remotes, *guests):
        res.append(dummy(f"dummy-{node}"))
        cons.append(prefer(f"dummy-{node}", node))
    return (f"<resources>{''.join(res)}</resources>",
            f"<constraints>{''.join(cons)}</constraints>")
