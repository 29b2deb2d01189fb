"""The simulator: an in-memory Pacemaker cluster and its machines behind a DemoTransport.

The console's `--demo` differs from a real cluster only in its transport: it runs the same
argv, and DemoTransport answers them from a DemoCluster. A simulated cluster is not
execution: nothing in tui.remote or tui.ops imports this package (the layers contract).

    state = DemoCluster(seed=0)                  # clock= injectable
    transport_for = demo_transport_factory(state)
    cluster = demo_config()                      # a tui.config.ClusterConfig
    state.host("rn3")                            # a machine: .fs (files), .services

What it answers (commands.execute): the refresh, crm_mon, cibadmin (query, --xpath; create,
modify, delete in resources), crm_attribute, crm_resource (cleanup, --locate; parameters and
meta), crm_node --force --remove, systemctl/service, the file commands of coreutils.py, and
every argv of tui.pacemaker.nodecmds: pgrep/pidof, the TCP and log probes, firewall-cmd (not
installed), pcs 0.11.5 (pcs.py), the crm_simulate preview (simulate.py) and the X.509 argv
(tlscmds.py: versions, openssl with real keys and CSRs; chown/chmod/install -d in coreutils;
the daemon-environment script in probes.py). The cluster is Pacemaker 3.0.0 (crm_mon api
2.38; state.DIALECT "2.1" renders 2.1.5's 2.25). Every node has a machine with
/etc/sysconfig/pacemaker (the package's commented template), the cluster's
/etc/pacemaker/authkey, openssl, and a Pacemaker log the simulator writes to (logs.py). Each
daemon keeps the environment it started with; remote connections are PSK or X.509 decided
as 3.0.0 does (tls.py), and `systemctl restart pacemaker|pacemaker_remote` takes demo-sized
time (a cluster node leaves and rejoins; its remotes reconnect a moment later, never while
maintenance-mode is on: daemons.py). The spare machines (scenario.SPARES) have
pacemaker-remote installed, stopped, and no key. vm-gn3 is a spare guest: a VM the cluster
starts two seconds after the demo opens, not a guest node yet, whose machine is gn3.

Modules: model (configuration vocabulary), state (status as operation history, the life,
the actions), scenario (demo-prod), cib/render (what cibadmin and crm_mon print),
commands (dispatch), cibedit (CIB writes), hosts/files (machines), coreutils, systemd,
probes, pcs, simulate, logs, daemons (restarts, start environments, reconnects), tls (X.509
connections), tlscmds (openssl, versions), transport.
"""

from __future__ import annotations

from tui.config import ClusterConfig, NodeConfig
from tui.sim.model import CLUSTER, GUEST, REMOTE
from tui.sim.scenario import CLUSTER_NAME, DemoCluster, build_demo
from tui.sim.state import ClusterState
from tui.sim.transport import DemoTransport, demo_transport_factory


__all__ = ["ClusterState", "DemoCluster", "DemoTransport", "build_demo", "demo_cluster_config", "demo_config",
           "demo_transport_factory"]


def demo_config(state: ClusterState | None = None) -> ClusterConfig:
    """The ClusterConfig for the demo: cluster nodes (where crm_mon runs), remote and guest nodes."""
    state = state or DemoCluster(life=False)
    kinds = {CLUSTER: "cluster", REMOTE: "remote", GUEST: "guest"}
    nodes = tuple(
        NodeConfig(name=n.name, host=n.name if n.kind == CLUSTER else n.address, kind=kinds[n.kind])
        for n in state.nodes.values() if n.kind in kinds
    )
    return ClusterConfig(name=CLUSTER_NAME, nodes=nodes, production=True)


demo_cluster_config = demo_config  # the name tui.session uses
