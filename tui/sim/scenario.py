"""The built-in demo cluster "demo-prod": what it contains and how it looks when the demo starts."""

from __future__ import annotations

import random
import time
from typing import Callable

from tui.sim.model import (
    BUNDLE,
    CLUSTER,
    GUEST,
    REMOTE,
    Ban,
    Bundle,
    Clone,
    DemoNode,
    FenceEvent,
    Group,
    LocationRule,
    OpSpec,
    Primitive,
    Ticket,
)
from tui.sim.state import CONNECT_DELAY, FEATURE_SET, OCF_NOT_RUNNING, PACEMAKER_VERSION, ClusterState

CLUSTER_NAME = "demo-prod"
# machines with pacemaker-remote installed, not in the cluster: what the add-node wizards add
# (gn3: a VM image whose resource is not in the cluster yet)
SPARES = (("rn3", "10.20.0.23"), ("rn4", "10.20.0.24"), ("gn3", "10.20.0.43"))
# pcs host auth was done for these spares (rn4 shows the wizard's "pcs host auth" fix)
PCS_KNOWN_SPARES = ("rn3", "gn3")
# the spare guest: a running VM that is no guest node yet; the machine inside it is gn3
SPARE_VM = "vm-gn3"
HOUR, DAY = 3600.0, 86400.0


def _mon(interval: str, timeout: str = "20s", role: str | None = None) -> OpSpec:
    return OpSpec("monitor", interval, timeout, role)


def _nodes() -> list[DemoNode]:
    nodes = [
        DemoNode(f"node{i}", str(i), CLUSTER, f"10.20.0.{10 + i}", transient={"#feature-set": FEATURE_SET})
        for i in (1, 2, 3)
    ]
    nodes[0].attrs["site"] = "dc-a"
    nodes[1].attrs["site"] = "dc-a"
    nodes[2].attrs["site"] = "dc-b"
    nodes += [
        DemoNode("rn1", "rn1", REMOTE, "10.20.0.21", attrs={"role": "batch"}, connection="rn1"),
        DemoNode("rn2", "rn2", REMOTE, "10.20.0.22", attrs={"role": "batch"}, connection="rn2"),
        DemoNode("gn1", "gn1", GUEST, "10.20.0.41", connection="gn1", container="vm-gn1"),
        DemoNode("gn2", "gn2", GUEST, "10.20.0.42", connection="gn2", container="vm-gn2"),
        DemoNode("httpd-bundle-0", "httpd-bundle-0", BUNDLE, "10.20.0.31",
                 connection="httpd-bundle-0", container="httpd-bundle-podman-0"),
        DemoNode("httpd-bundle-1", "httpd-bundle-1", BUNDLE, "10.20.0.32",
                 connection="httpd-bundle-1", container="httpd-bundle-podman-1"),
    ]
    return nodes


def _fence(node: str, ip: str) -> Primitive:
    return Primitive(
        f"fence-{node}", "stonith", "fence_ipmilan",
        params={"ip": ip, "username": "admin", "password": "demo-not-a-secret", "lanplus": "1", "pcmk_host_list": node},
        ops=(_mon("60s"),),
    )


def _remote(name: str, server: str) -> Primitive:
    return Primitive(
        name, "ocf", "remote", "pacemaker",
        params={"server": server, "port": "3121", "reconnect_interval": "60s"},
        ops=(_mon("30s", "30s"), OpSpec("start", "0s", "60s"), OpSpec("stop", "0s", "60s")),
    )


def _guest(name: str, addr: str) -> Primitive:
    return Primitive(
        f"vm-{name}", "ocf", "VirtualDomain", "heartbeat",
        params={"config": f"/etc/libvirt/qemu/{name}.xml", "hypervisor": "qemu:///system",
                "migration_transport": "ssh"},
        meta={"remote-node": name, "remote-addr": addr, "remote-port": "3121", "_pinned": "true"},
        ops=(_mon("30s", "30s"), OpSpec("start", "0s", "120s"), OpSpec("stop", "0s", "120s")),
    )


def _resources() -> list:
    web = Group("web", [
        Primitive("web-ip", "ocf", "IPaddr2", "heartbeat", {"ip": "10.20.0.100", "cidr_netmask": "24"},
                  ops=(_mon("10s"),)),
        Primitive("web-fs", "ocf", "Filesystem", "heartbeat",
                  {"device": "/dev/vg_web/lv_www", "directory": "/srv/www", "fstype": "xfs"}, ops=(_mon("20s", "40s"),)),
        Primitive("web-server", "ocf", "apache", "heartbeat",
                  {"configfile": "/etc/httpd/conf/httpd.conf", "statusurl": "http://127.0.0.1/server-status"},
                  ops=(_mon("30s"),)),
    ])
    ping = Clone("ping-clone", Primitive(
        "ping", "ocf", "ping", "pacemaker",
        {"host_list": "10.20.0.1", "multiplier": "1000", "dampen": "5s"}, ops=(_mon("10s", "60s"),),
    ), {"clone-max": "3", "interleave": "true"})
    db = Clone("db-clone", Primitive(
        "db", "ocf", "Stateful", "pacemaker", {},
        ops=(_mon("10s", role="Promoted"), _mon("11s", role="Unpromoted")),
    ), {"promotable": "true", "clone-max": "2", "promoted-max": "1", "notify": "true"})
    worker = Clone("worker-clone", Primitive(
        "worker", "ocf", "Dummy", "pacemaker", {"state": "/run/worker.state"}, ops=(_mon("15s"),),
    ), {"clone-max": "2"})
    bundle = Bundle(
        "httpd-bundle", "podman", "localhost/httpd:2.4", 2,
        Primitive("httpd", "ocf", "apache", "heartbeat", {"configfile": "/etc/httpd/conf/httpd.conf"},
                  ops=(_mon("15s", "15s"),)),
        ip_range_start="10.20.0.31", control_port=3121, port=80,
    )
    return [
        _fence("node1", "10.20.1.11"),
        _fence("node2", "10.20.1.12"),
        _fence("node3", "10.20.1.13"),
        _remote("rn1", "10.20.0.21"),
        _remote("rn2", "10.20.0.22"),
        _guest("gn1", "10.20.0.41"),
        _guest("gn2", "10.20.0.42"),
        web,
        ping,
        db,
        worker,
        bundle,
        Primitive("memcached", "systemd", "memcached", meta={"_pinned": "true"}, ops=(_mon("30s"),)),
        Primitive("redis", "systemd", "redis", meta={"_pinned": "true"}, ops=(_mon("30s"),)),
    ]


class DemoCluster(ClusterState):
    """demo-prod as it looks when the console opens, its history dated from the clock.

    seed drives every random choice of its life (remote drops, resource failures);
    life=False gives a still cluster that only changes when acted on.
    """

    def __init__(self, seed: int = 0, clock: Callable[[], float] = time.time, *, life: bool = True) -> None:
        super().__init__(CLUSTER_NAME, _nodes(), _resources(), seed=seed, clock=clock)
        self._seed = seed
        self._set_the_scene()
        for name, address in SPARES:
            self.add_spare(name, address)
            if name in PCS_KNOWN_SPARES:
                self.pcs_known[name] = address
        self._add_spare_vm()
        if life:
            self.start_life()

    def _add_spare_vm(self) -> None:
        """vm-gn3 was just created by the admin: the cluster starts it CONNECT_DELAY after the
        demo opens (so the first screen is the one it always was), then add-guest can make
        gn3 a guest node of it."""
        vm = Primitive(
            SPARE_VM, "ocf", "VirtualDomain", "heartbeat",
            params={"config": "/etc/libvirt/qemu/gn3.xml", "hypervisor": "qemu:///system",
                    "migration_transport": "ssh"},
            meta={"_pinned": "true"},
            ops=(_mon("30s", "30s"), OpSpec("start", "0s", "120s"), OpSpec("stop", "0s", "120s")),
        )
        self.resources.append(vm)
        self.primitives[vm.id] = (vm, None)
        self.hosts["gn3"].container = vm.id  # gn3 is the machine inside it
        self.schedule(self.now + CONNECT_DELAY, "boot_spare", vm.id)

    def _on_boot_spare(self, rsc: str) -> None:
        """Its start draws on a Random of its own: the cluster's life (self.rng) stays the
        one each seed always gave."""
        life, self.rng = self.rng, random.Random(f"{rsc}-{self._seed}")
        try:
            self._on_place(rsc)
        finally:
            self.rng = life

    def _set_the_scene(self) -> None:
        now = self.now
        self.crm_config.update({
            "have-watchdog": "false",
            "dc-version": PACEMAKER_VERSION,
            "cluster-infrastructure": "corosync",
            "cluster-name": CLUSTER_NAME,
            "stonith-enabled": "true",
            "maintenance-mode": "false",
        })
        self.rules += [
            LocationRule("ping-clone-cluster-only", "ping-clone", "-INFINITY", "#kind", "ne", "cluster"),
            LocationRule("worker-clone-remote-only", "worker-clone", "-INFINITY", "#kind", "ne", "remote"),
        ]
        self.bans.append(Ban("cli-ban-web-on-node2", "web", "node2"))
        self.tickets.append(Ticket("ticket-dr", True, last_granted=now - 2 * DAY))

        t = now - 3 * DAY + 30  # the cluster booted three days ago
        for rsc, node, role in PLACEMENTS:
            t += self.rng.uniform(0.5, 3)
            self.place(rsc, node, role, when=t)
        # node3 was put into standby a day ago: nothing runs there
        self.nodes["node3"].attrs["standby"] = "on"
        for node in ("node1", "node2"):
            self.nodes[node].transient["pingd"] = "1000"
        # web-server failed its monitor two hours ago and was restarted in place
        self.now = now - 2 * HOUR
        self.fail("web-server", "node1", rc=OCF_NOT_RUNNING)
        self.stop("web-server", "node1", when=self.now + 1)
        self.start("web-server", "node1", when=self.now + 2)
        self.now = now
        self.fence_history += [
            FenceEvent("reboot", "node3", "success", "pacemaker-controld.1893", "node1", "node2", now - DAY + 42),
            FenceEvent("reboot", "node3", "failed", "pacemaker-controld.1893", "node1", "node1", now - DAY,
                       exit_reason="Fencing operation timed out"),
        ]
        self.epoch, self.num_updates = 42, 17
        self.last_written = now - 2 * HOUR
        self.last_change_user, self.last_change_client = "root", "crm_resource"


PLACEMENTS = [
    ("fence-node1", "node2", "Started"), ("fence-node2", "node1", "Started"), ("fence-node3", "node1", "Started"),
    ("rn1", "node1", "Started"), ("rn2", "node2", "Started"),
    ("vm-gn1", "node1", "Started"), ("gn1", "node1", "Started"),
    ("vm-gn2", "node2", "Started"), ("gn2", "node2", "Started"),
    ("web-ip", "node1", "Started"), ("web-fs", "node1", "Started"), ("web-server", "node1", "Started"),
    ("ping", "node1", "Started"), ("ping", "node2", "Started"),
    ("db", "node1", "Unpromoted"), ("db", "node2", "Promoted"),
    ("httpd-bundle-ip-10.20.0.31", "node1", "Started"), ("httpd-bundle-podman-0", "node1", "Started"),
    ("httpd-bundle-0", "node1", "Started"),
    ("httpd-bundle-ip-10.20.0.32", "node2", "Started"), ("httpd-bundle-podman-1", "node2", "Started"),
    ("httpd-bundle-1", "node2", "Started"),
    ("httpd", "httpd-bundle-0", "Started"), ("httpd", "httpd-bundle-1", "Started"),
    ("worker", "rn1", "Started"), ("worker", "rn2", "Started"),
    ("memcached", "gn1", "Started"), ("redis", "gn2", "Started"),
]


def build_demo(seed: int = 0, clock: Callable[[], float] = time.time, *, life: bool = True) -> DemoCluster:
    return DemoCluster(seed, clock, life=life)
