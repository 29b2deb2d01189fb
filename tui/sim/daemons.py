"""The daemons' side of the demo cluster: systemctl starting, stopping and restarting
pacemaker and pacemaker_remote, each daemon taking its environment at start, and the remote
connections that follow (a mixin of ClusterState; state.py holds the cluster itself).

Timings are demo-sized and follow what part E measured on Pacemaker 3.0.0 (/work/findings-11.md):
an orderly pacemaker_remote restart is back at once; a cluster node's pacemaker leaves and
rejoins in about 5 s; the cluster reconnects its remotes 1.5 s later, but never while
maintenance-mode is on (then 1.5 s after it is turned off, nothing restarted, no failed
action); the DC marks every remote/guest node_state node_in_maintenance 0.3 s after
maintenance-mode is set, and a pacemaker_remote restarted before that hangs in its stop (the
controller ACKs its shutdown and it waits for resources maintenance never stops).
"""

from __future__ import annotations

import datetime as dt

from tui.sim import logs, tls
from tui.sim.hosts import SimHost
from tui.sim.model import CLUSTER, GUEST, REMOTE

RESTART_SECONDS = {"pacemaker_remote": 1.0, "pacemaker": 5.0}  # lab, 3.0.0: node1 back 5.0-5.7 s
RECONNECT_SECONDS = 1.5
MARK_SECONDS = 0.3  # maintenance-mode set -> the DC's transition marks node_in_maintenance (lab)
STUCK_STOP_SECONDS = 60.0  # an ACKed remote shutdown in maintenance: the lab's SIGKILL (a host: 30 min)
HANG_SECONDS = 80.0  # a start the remote answered with a rejected certificate: its timeout (lab)
INFINITY = 1_000_000  # fail-count infinity (state.INFINITY; state imports this module)


class Daemons:
    """What ClusterState does when a daemon starts, stops or restarts."""

    def node_in_maintenance(self, name: str) -> bool:
        """The remote/guest node_state's node_in_maintenance: what the DC's transition wrote,
        MARK_SECONDS after maintenance-mode changed (a node attribute maintenance: at once)."""
        node = self.nodes[name]
        if node.kind == CLUSTER:
            return False
        if node.attrs.get("maintenance", "off") in ("on", "true", "yes", "1"):
            return True
        if not self.node_online(name):
            return False  # measured: an unconnected remote has no node_state to mark (findings-11)
        value, since = self._marked
        return value if self.now >= since else not value

    def _reconnect_after_maintenance(self) -> None:
        """Leaving maintenance-mode: the connections it kept down start RECONNECT_SECONDS later
        (measured on 3.0.0: 1.5-2.0 s, nothing restarted, findings-11)."""
        for rid, places in self.desired.items():
            if self.remote_of(rid) is None or self.stopped_by_config(rid):
                continue
            for node, _ in places:
                entry = self.entry(node, rid)
                if entry is not None and entry.failure is not None:
                    continue  # a lost connection waits out its reconnect_interval (remote_reconnect)
                if entry is None or entry.role == "Stopped":
                    self.schedule(self.now + RECONNECT_SECONDS, "connect", f"{rid}|{node}")

    def service_changed(self, machine: SimHost, unit: str, *, clean: bool = False) -> None:
        """systemctl started or stopped a unit. A remote or guest node's daemon going away
        drops its connection (clean: a restart's orderly stop, no failure recorded); a
        cluster node's pacemaker stopping takes the node out, starting brings it back a few
        seconds later. A starting daemon takes the environment its file sets now."""
        service = machine.service(unit)
        if service is not None and service.active:
            service.environ = machine.env_vars()
        if unit == "pacemaker" and self.node(machine.name) is not None and self.nodes[machine.name].kind == CLUSTER:
            self._cluster_daemon_changed(machine.name, machine.running(unit))
            return
        if unit != "pacemaker_remote":
            return
        if machine.running(unit):
            problem = tls.remote_start_problem(machine)
            if problem is not None:  # pacemaker-remoted exits: nothing listens
                logs.append(machine, self.now, logs.REMOTED, "pcmk__init_tls", "error", problem)
                logs.append(machine, self.now, logs.REMOTED, "lrmd_init_remote_tls_server", "error", tls.NO_LISTENER)
                service.active, service.failed = False, True
                return
            if tls.mode(service.environ) == tls.PSK and machine.fs.get(machine.authkey_path) is None:
                logs.append(machine, self.now, logs.REMOTED, "lrmd_init_remote_tls_server", "warning",
                            logs.REMOTE_NO_KEY)
        for node in [n for n in self.nodes.values() if n.kind in (REMOTE, GUEST) and n.connection]:
            if self.machine_of(node.name) is not machine:
                continue
            if not machine.running(unit) and self.node_online(node.name):
                self._disconnect(node.name) if clean else self.drop_remote(node.name)
            elif machine.running(unit) and clean:
                self._reconnect_soon(node.connection)

    # ---- daemon restarts (systemctl restart pacemaker | pacemaker_remote) -------------------

    def utc_now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.now, dt.timezone.utc)

    def restart_unit(self, machine: SimHost, unit: str) -> None:
        """An orderly stop now, the daemon running again RESTART_SECONDS later (a cluster
        node's pacemaker then still takes a moment to rejoin: see _on_node_up)."""
        service = machine.service(unit)
        if service is None:
            return
        if unit == "pacemaker_remote" and service.active and self._stop_gets_stuck(machine):
            service.stopping = True
            self.schedule(self.now + STUCK_STOP_SECONDS, "stuck_stop", f"{machine.name}|{unit}")
            return
        if service.active:
            service.active = False
            self.service_changed(machine, unit, clean=True)
        delay = 0.0 if unit == "pacemaker" else RESTART_SECONDS.get(unit, 0.0)
        self.schedule(self.now + delay, "unit_start", f"{machine.name}|{unit}")

    def _stop_gets_stuck(self, machine: SimHost) -> bool:
        """findings-11 DANGER: pacemaker-remoted asks the cluster to shut down; a controller
        that does not know yet that the node is in maintenance ACKs it, and remoted then
        waits for resources maintenance never stops. Known once node_in_maintenance is set."""
        nodes = [n for n in self.nodes.values() if n.kind in (REMOTE, GUEST) and self.machine_of(n.name) is machine
                 and self.node_online(n.name)]
        stuck = [n for n in nodes if self.maintenance_mode and not self.node_in_maintenance(n.name)]
        for node in stuck:
            host = next(iter(self.hosts_of(node.connection)), None)
            logs.append(self.hosts.get(host) if host else None, self.now, logs.CONTROLD, "remote_node_shutdown",
                        "notice", f"{node.name} requested shutdown of its remote connection")
            logs.append(self.hosts.get(host) if host else None, self.now, logs.CONTROLD, "remote_node_shutdown",
                        "warning", f"Reconnection attempts to {node.name} may result in failures that must be cleared")
            logs.append(machine, self.now, logs.REMOTED, "ipc_proxy_shutdown_ack", "notice",
                        "IPC proxy provider acknowledged shutdown request")
        return bool(stuck)

    def _on_stuck_stop(self, arg: str) -> None:
        """The stop timed out: the daemon is killed, then started again as the restart asked."""
        name, _, unit = arg.partition("|")
        machine = self.hosts.get(name)
        service = machine.service(unit) if machine is not None else None
        if service is None or not service.stopping:
            return
        service.stopping = False
        service.active = False
        self.service_changed(machine, unit, clean=True)
        self.schedule(self.now + RESTART_SECONDS.get(unit, 0.0), "unit_start", arg)

    def _on_unit_start(self, arg: str) -> None:
        name, _, unit = arg.partition("|")
        machine = self.hosts.get(name)
        service = machine.service(unit) if machine is not None else None
        if service is None or service.active:
            return
        service.active, service.failed, service.since = True, False, self.now
        service.starts += 1
        self.service_changed(machine, unit, clean=True)
        self._status_changed()

    def _cluster_daemon_changed(self, node: str, running: bool) -> None:
        if not running:
            self.down.add(node)
            self._hanging = {(rsc, n) for rsc, n in self._hanging if n != node}
            for conn in [rid for rid, entry in self.lrm[node].items()
                         if self.remote_of(rid) is not None and entry.role != "Stopped"]:
                self.run_op(node, conn, "stop", self.now)
            if not self.maintenance_mode:  # measured: without maintenance the stop stops everything
                for rid in reversed(self._resources_on(node)):
                    self.run_op(node, rid, "stop", self.now)
            if self.dc == node:
                self.dc = next((n for n, d in self.nodes.items() if d.kind == CLUSTER and n not in self.down), node)
            logs.append(self.hosts.get(node), self.now, logs.CONTROLD, "crm_shutdown", "notice",
                        "Requesting shutdown because received signal")
        else:
            self.schedule(self.now + RESTART_SECONDS["pacemaker"], "node_up", node)
        self._status_changed()

    def _on_node_up(self, node: str) -> None:
        """The cluster node rejoined: its old operation history (failures too) was erased
        when it left; it reconnects the remote connections placed on it."""
        machine = self.hosts.get(node)
        if node not in self.down or machine is None or not machine.running("pacemaker"):
            return
        self.down.discard(node)
        self.clear_failures(None, node)
        for rid, places in self.desired.items():
            role = next((r for n, r in places if n == node), None)
            if role is None:
                continue
            if self.remote_of(rid) is not None:
                self._reconnect_soon(rid, node)
            elif not self.maintenance_mode and not self.stopped_by_config(rid) \
                    and (self.entry(node, rid) is None or self.entry(node, rid).role == "Stopped"):
                self.start(rid, node, role)  # what its stop stopped starts again
        self._status_changed()

    def _hang(self, rsc: str, node: str, remote: str, when: float) -> None:
        """LAB-FACTS' first danger: the remote rejected the cluster's certificate after a
        TLS 1.3 handshake the cluster thinks succeeded; the start waits until it times out."""
        if (rsc, node) in self._hanging:
            return
        self._hanging.add((rsc, node))
        for function, level, message in self._tls_failure.get(remote, tls.Failure(tls.HANGS)).remote:
            logs.append(self.machine_of(remote), when, logs.REMOTED, function, level, message)
        self.schedule(when + HANG_SECONDS, "start_timeout", f"{rsc}|{node}")

    def _on_start_timeout(self, arg: str) -> None:
        rsc, _, node = arg.partition("|")
        if (rsc, node) not in self._hanging:
            return  # abandoned: the cluster node left meanwhile
        self._hanging.discard((rsc, node))
        if rsc in self.primitives and node in self.nodes:
            self._fail_start(node, rsc, self.now, tls.HANGS)
            self._status_changed()

    def _disconnect(self, name: str) -> None:
        """The remote's daemon stopped in order: the connection stops, no failure."""
        conn = self.nodes[name].connection
        for host in self.hosts_of(conn):
            self.run_op(host, conn, "stop", self.now)
        self._status_changed()

    def _reconnect_soon(self, conn: str | None, host: str | None = None) -> None:
        if conn is None:
            return
        for node, _ in self.desired.get(conn, []):
            if host is None or node == host:
                self.schedule(self.now + RECONNECT_SECONDS, "connect", f"{conn}|{node}")

    def _on_connect(self, arg: str) -> None:
        conn, _, node = arg.partition("|")
        if conn not in self.primitives or node not in self.nodes or not self.can_run(node):
            return
        if self.maintenance_mode:
            return  # measured on 3.0.0: no reconnect while maintenance-mode is on (findings-11)
        entry = self.entry(node, conn)
        if entry is not None and (entry.role != "Stopped" or self.fail_count(node, conn)[0] >= INFINITY):
            return  # running already, or a failed start (fail count INFINITY): it waits for a cleanup
        self.start(conn, node)
        self._settle()
        self._status_changed()
