"""Generate a large CIB (cluster + remote nodes, primitives, groups, a clone, all running).

    python bench/status_model/gen_cib.py --cluster 32 --remote 2000 --resources 20000 OUT.xml

Every resource gets a start and a recurring monitor in the status section of the node it runs
on, so crm_mon's output carries node history like a real, busy cluster's.
"""

from __future__ import annotations

import argparse
from xml.sax.saxutils import quoteattr

GROUP_SIZE = 4
GROUP_EVERY = 10  # one group of GROUP_SIZE members per GROUP_EVERY resources


def _op(rid: str, node: str, op: str, interval: int, call: int, rc: int = 0) -> str:
    key = f"{rid}_{op}_{interval}"
    oid = f"{rid}_last_0" if interval == 0 else key
    return (f'<lrm_rsc_op id={quoteattr(oid)} operation_key={quoteattr(key)} operation="{op}" '
            f'transition-key="1:1:0:bench" transition-magic="0:{rc};1:1:0:bench" call-id="{call}" '
            f'rc-code="{rc}" op-status="0" interval="{interval}" last-rc-change="1763719000" '
            f'exec-time="11" queue-time="0" on_node={quoteattr(node)}/>')


def generate(cluster: int, remote: int, resources: int) -> str:
    cnodes = [f"node{i + 1}" for i in range(cluster)]
    rnodes = [f"remote{i + 1}" for i in range(remote)]
    all_nodes = cnodes + rnodes
    config: list[str] = []
    lrm: dict[str, list[str]] = {n: [] for n in all_nodes}
    call = [1]

    def running(rid: str, agent: tuple[str, str, str], node: str, monitor: bool = True) -> None:
        cls, prov, typ = agent
        ops = [_op(rid, node, "start", 0, call[0])]
        if monitor:
            ops.append(_op(rid, node, "monitor", 10000, call[0] + 1))
        call[0] += 2
        lrm[node].append(f'<lrm_resource id={quoteattr(rid)} class="{cls}" provider="{prov}" '
                         f'type="{typ}">{"".join(ops)}</lrm_resource>')

    for i, name in enumerate(rnodes):
        config.append(
            f'<primitive id="{name}" class="ocf" provider="pacemaker" type="remote">'
            f'<instance_attributes id="{name}-ia"><nvpair id="{name}-server" name="server" '
            f'value="10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"/></instance_attributes>'
            f'<operations><op id="{name}-mon" name="monitor" interval="60s"/></operations></primitive>')
        running(name, ("ocf", "pacemaker", "remote"), cnodes[i % cluster])

    dummy = ("ocf", "pacemaker", "Dummy")
    config.append('<clone id="ping-clone"><primitive id="ping" class="ocf" provider="pacemaker" '
                  'type="Dummy"/></clone>')
    for i, node in enumerate(cnodes):
        running(f"ping:{i}", dummy, node)
    made, n = 1, 0
    while made < resources:
        node = all_nodes[n % len(all_nodes)]
        if n % GROUP_EVERY == 0 and resources - made >= GROUP_SIZE:
            members = [f"g{n}-m{k}" for k in range(GROUP_SIZE)]
            config.append(f'<group id="grp{n}">' + "".join(
                f'<primitive id="{m}" class="ocf" provider="pacemaker" type="Dummy"/>'
                for m in members) + "</group>")
            for m in members:
                running(m, dummy, node)
            made += GROUP_SIZE
        else:
            rid = f"rsc{n}"
            config.append(f'<primitive id="{rid}" class="ocf" provider="pacemaker" type="Dummy"/>')
            running(rid, dummy, node)
            made += 1
        n += 1

    nodes_xml = "".join(f'<node id="{i + 1}" uname="{name}"/>' for i, name in enumerate(cnodes))
    status = []
    for i, name in enumerate(cnodes):
        status.append(f'<node_state id="{i + 1}" uname="{name}" in_ccm="true" crmd="online" '
                      f'join="member" expected="member"><lrm id="{i + 1}"><lrm_resources>'
                      + "".join(lrm[name]) + "</lrm_resources></lrm></node_state>")
    for name in rnodes:
        status.append(f'<node_state id="{name}" uname="{name}" remote_node="true" in_ccm="true">'
                      f'<lrm id="{name}"><lrm_resources>' + "".join(lrm[name])
                      + "</lrm_resources></lrm></node_state>")
    return (
        '<cib crm_feature_set="3.16.2" validate-with="pacemaker-3.9" epoch="100" num_updates="1" '
        'admin_epoch="0" have-quorum="1" dc-uuid="1" cib-last-written="Sat Nov 21 10:00:00 2026">'
        '<configuration><crm_config><cluster_property_set id="opts">'
        '<nvpair id="o1" name="stonith-enabled" value="false"/>'
        '<nvpair id="o2" name="cluster-name" value="bench"/>'
        '<nvpair id="o3" name="dc-version" value="2.1.5-a3f44794f94"/>'
        f"</cluster_property_set></crm_config><nodes>{nodes_xml}</nodes>"
        f"<resources>{''.join(config)}</resources><constraints/></configuration>"
        f"<status>{''.join(status)}</status></cib>\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cluster", type=int, default=3)
    parser.add_argument("--remote", type=int, default=0)
    parser.add_argument("--resources", type=int, default=30)
    parser.add_argument("out")
    args = parser.parse_args()
    with open(args.out, "w") as f:
        f.write(generate(args.cluster, args.remote, args.resources))


if __name__ == "__main__":
    main()
