"""A hand-built snapshot with every node kind and list, plus small fakes for UI tests.

FakeSession stands in for tui.session.ClusterSession with canned refresh results, but runs
plans the real way (tui.ops.engine -> WorkerPool -> ActionLog) over a transport that records
what reached it, so a test sees exactly which commands would have reached a cluster.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from tui.ops.engine import run_plan, undo_steps
from tui.pacemaker.model import (
    Ban,
    CibVersion,
    Condition,
    ConditionKind,
    Failure,
    FenceEvent,
    Node,
    NodeKind,
    Operation,
    Resource,
    ResourceHistory,
    ResourceKind,
    Snapshot,
    Summary,
    Ticket,
    Unavailable,
    operation_rows,
)
from tui.remote.actionlog import ActionLog
from tui.remote.pool import WorkerPool
from tui.remote.transport import CommandResult

FROZEN = 1_767_225_600.0  # 2026-01-01 00:00:00 UTC


def frozen_clock() -> float:
    return FROZEN


def prim(id, agent="ocf:pacemaker:Dummy", nodes=(), role=None, **kw) -> Resource:
    active = bool(nodes)
    return Resource(id=id, kind=ResourceKind.PRIMITIVE, agent=agent,
                    role=role or ("Started" if active else "Stopped"), active=active,
                    nodes=tuple(nodes), **kw)


def sample_snapshot(**summary_changes) -> Snapshot:
    summary = Summary(
        stack="corosync", dc="node1", dc_version="2.1.5-a3f44794f94", with_quorum=True,
        cluster_name="alpha", nodes_configured=7, resources_configured=14,
        stonith_enabled=True, no_quorum_policy="stop",
    )
    summary = dataclasses.replace(summary, **summary_changes)
    nodes = (
        Node("node1", "1", NodeKind.CLUSTER, online=True, is_dc=True, resources_running=4,
             feature_set="3.16.2", expected_up=True),
        Node("node2", "2", NodeKind.CLUSTER, online=True, resources_running=3,
             feature_set="3.16.2", expected_up=True, attributes={"site": "b"}),
        Node("node3", "3", NodeKind.CLUSTER, online=True, standby=True, resources_running=0,
             feature_set="3.16.2", expected_up=True),
        Node("remote1", "remote1", NodeKind.REMOTE, online=True, resources_running=1,
             connection_resource="remote1", host="node1", address="10.99.0.11", port=3121,
             reconnect_interval="60s"),
        Node("remote2", "remote2", NodeKind.REMOTE, online=False, resources_running=0,
             connection_resource="remote2", host=None, address="10.99.0.12", port=3121,
             reconnect_interval="30s"),
        Node("guest1", "guest1", NodeKind.GUEST, online=True, resources_running=1,
             connection_resource="guest1", container_resource="vm-guest1", host="node2",
             address="10.99.0.21", port=3121),
        Node("web-bundle-0", "web-bundle-0", NodeKind.BUNDLE, online=True, resources_running=1,
             connection_resource="web-bundle-0", container_resource="web-bundle-podman-0",
             host="node1", address="10.99.0.31", port=3121, bundle="web-bundle"),
    )
    resources = (
        prim("fence-ipmi", "stonith:fence_ipmilan", ["node2"]),
        prim("vm-guest1", "ocf:heartbeat:VirtualDomain", ["node2"]),
        Resource("grp-db", ResourceKind.GROUP, children=(
            prim("db-ip", "ocf:heartbeat:IPaddr2", ["node1"]),
            prim("db", "ocf:heartbeat:pgsql", ["node1"]),
        )),
        Resource("ping-clone", ResourceKind.CLONE, children=(
            prim("ping", "ocf:pacemaker:ping", ["node1"]),
            prim("ping", "ocf:pacemaker:ping", ["node2"]),
            prim("ping", "ocf:pacemaker:ping", []),
        )),
        Resource("web-bundle", ResourceKind.BUNDLE, container_type="podman",
                 image="localhost/web:1", children=(
            Resource("web-bundle-0", ResourceKind.REPLICA, role="Started", active=True,
                     nodes=("node1",), children=(
                prim("web", "ocf:heartbeat:apache", ["web-bundle-0"]),
            )),
        )),
        prim("app-remote", "ocf:pacemaker:Dummy", ["remote1"]),
        prim("app-guest", "ocf:pacemaker:Dummy", ["guest1"]),
        prim("batch", "ocf:pacemaker:Dummy", [], failed=False, target_role="Stopped"),
        prim("broken", "ocf:pacemaker:Dummy", ["node2"], failed=True, role="Started"),
    )
    history = (
        ResourceHistory("node2", "broken", fail_count=2, migration_threshold=3,
                        last_failure="Thu Jan  1 00:00:00 2026",
                        operation_rows=operation_rows((
                            Operation("node2", "broken", "monitor", call=12, rc=7,
                                      rc_text="not running", interval_ms=10000,
                                      exec_time_ms=12, queue_time_ms=0),))),
        ResourceHistory("node1", "db", operation_rows=operation_rows((
            Operation("node1", "db", "start", call=5, rc=0, rc_text="ok", exec_time_ms=850),
        ))),
    )
    failures = (
        Failure("broken_monitor_10000", "node2", resource="broken", task="monitor",
                exit_status="not running", exit_reason="process vanished", exit_code=7,
                call=12, status="complete", last_rc_change="2026-01-01 00:00:00Z",
                interval_ms=10000),
        Failure("remote2_start_0", "node1", resource="remote2", task="start",
                exit_status="error", exit_reason="Lost connection to remote executor",
                exit_code=1, status="complete", last_rc_change="2025-12-31 23:58:00Z"),
    )
    fence_history = (
        FenceEvent("node4", "reboot", "success", delegate="node1", client="pacemaker-controld",
                   origin="node1", completed="2025-12-31 22:00:00Z"),
        FenceEvent("remote2", "off", "failed", delegate="node2", origin="node1",
                   completed="2025-12-31 23:00:00Z", exit_reason="timed out"),
    )
    tickets = (Ticket("ticketA", True, last_granted="2025-12-31 10:00:00Z"),
               Ticket("ticketB", False))
    bans = (Ban("cli-ban-db-on-node3", "db", "node3", weight=-1000000),)
    return Snapshot(summary=summary, nodes=nodes, resources=resources, history=history,
                    failures=failures, fence_history=fence_history, tickets=tickets,
                    bans=bans, pacemaker_version="2.1.5", cib_version=CibVersion(0, 10, 1))


def unavailable(kind=ConditionKind.NOT_CONNECTED, message="Not connected", code=102) -> Unavailable:
    return Unavailable(Condition(kind, message, code))


# --- fakes --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FakeRefresh:
    outcome: object
    snapshot: Snapshot | None
    events: tuple = ()
    host: str | None = "node1"
    unchanged: bool = False
    error: str | None = None
    at: float = FROZEN
    duration: float = 0.0
    tried: tuple = ()



class RecordingTransport:
    """Answers every command with `exit_status`; remembers what it was asked to run."""

    def __init__(self, host: str, owner: "FakeSession") -> None:
        self.host = host
        self.owner = owner

    async def run(self, argv, *, stdin=None, env=None, timeout=None, on_output=None):
        self.owner.calls.append((self.host, tuple(argv)))
        if self.owner.gate is not None:
            await self.owner.gate.wait()
        status = self.owner.exit_status
        out = b"done\n" if status == 0 else b""
        err = b"" if status == 0 else b"crm_attribute: error: no such node\n"
        if on_output is not None:
            on_output("stdout", out)
            on_output("stderr", err)
        return CommandResult(self.host, tuple(argv), status, out, err)

    async def close(self) -> None:
        pass


@dataclass
class FakeCluster:
    name: str = "alpha"
    production: bool = False
    color: str | None = None
    read_only: bool = False


@dataclass
class FakeConfig:
    refresh_interval: float = 3600.0  # tests drive refreshes themselves
    theme: str = "pcmk-dark"
    read_only: bool = False


class FakeSession:
    """Hands out the given outcomes in order (the last one repeats); applies plans for real."""

    def __init__(self, outcomes=None, *, read_only=False, demo=False, cluster=None,
                 errors=None, log_path=None) -> None:
        self.outcomes = list(outcomes if outcomes is not None else [sample_snapshot()])
        self.errors = list(errors or [])
        self.cluster = cluster or FakeCluster()
        self.read_only = read_only
        self.demo = demo
        self.source_label = "DEMO" if demo else None
        self.log = ActionLog(log_path) if log_path is not None else None
        self.calls: list[tuple[str, tuple[str, ...]]] = []  # what reached a transport
        self.exit_status = 0
        self.gate = None
        self.pool = WorkerPool(lambda host: RecordingTransport(host, self), self.log,
                               read_only=read_only)
        self.last: Snapshot | None = None
        self.refreshes = 0
        self.applied = []
        self.undone = []
        self.action_host = "node1"

    async def refresh(self):
        index = min(self.refreshes, len(self.outcomes) - 1)
        outcome = self.outcomes[index]
        error = self.errors[index] if index < len(self.errors) else None
        self.refreshes += 1
        if isinstance(outcome, Snapshot):
            self.last = outcome
            return FakeRefresh(outcome, outcome, error=error)
        return FakeRefresh(outcome, self.last, error=error or outcome.condition.message)

    async def apply(self, plan, **kwargs):
        self.applied.append(plan)
        return await run_plan(plan, self.pool, default_host=self.action_host,
                              read_only=self.read_only, **kwargs)

    async def undo(self, result, **kwargs):
        self.undone.append(result)
        return await undo_steps(result, self.pool, default_host=self.action_host,
                                read_only=self.read_only, **kwargs)
