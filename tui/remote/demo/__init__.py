"""The built-in demo cluster: an in-memory Pacemaker cluster behind a DemoTransport.

The console's `--demo` differs from a real cluster only in its transport: it runs the same
argv, and DemoTransport answers them from a DemoCluster.

    state = DemoCluster(seed=0)                  # clock= injectable
    transport_for = demo_transport_factory(state)
    cluster = demo_config()                      # a tui.config.ClusterConfig
"""

from __future__ import annotations

from tui.config import ClusterConfig, NodeConfig
from tui.remote.demo.model import CLUSTER, GUEST, REMOTE
from tui.remote.demo.scenario import CLUSTER_NAME, DemoCluster, build_demo
from tui.remote.demo.state import ClusterState
from tui.remote.demo.transport import DemoTransport, demo_transport_factory


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
