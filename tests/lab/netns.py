"""The lab's network: one bridge in the host namespace, one network namespace per node with
a veth into the bridge. Every name starts with PREFIX so cleanup recognises its own."""

from __future__ import annotations

import ipaddress
import json

from .proc import LabError, run

PREFIX = "pcl-"
IFNAMSIZ = 15


def check_ifname(name: str) -> str:
    if not name.startswith(PREFIX) or len(name) > IFNAMSIZ:
        raise LabError(f"interface name {name!r} must start with {PREFIX!r} and fit "
                       f"{IFNAMSIZ} characters")
    return name


def netns_list() -> list[str]:
    res = run(["ip", "netns", "list"], check=False)
    return [line.split()[0] for line in res.stdout.splitlines() if line.strip()]


def links() -> list[str]:
    res = run(["ip", "-j", "link", "show"])
    return [link["ifname"] for link in json.loads(res.stdout or "[]")]


def routes_overlapping(subnet: str) -> list[str]:
    """Host routes that overlap subnet (other than the lab's own bridge)."""
    net = ipaddress.ip_network(subnet)
    res = run(["ip", "-j", "-4", "route", "show"])
    out = []
    for r in json.loads(res.stdout or "[]"):
        dst = r.get("dst", "")
        if dst == "default" or not dst or str(r.get("dev", "")).startswith(PREFIX):
            continue
        if ipaddress.ip_network(dst, strict=False).overlaps(net):
            out.append(f"{dst} dev {r.get('dev')}")
    return out


def add_bridge(bridge: str, cidr: str) -> None:
    check_ifname(bridge)
    run(["ip", "link", "add", bridge, "type", "bridge"])
    run(["ip", "addr", "add", cidr, "dev", bridge])
    run(["ip", "link", "set", bridge, "up"])


def add_netns(ns: str, bridge: str, host_if: str, cidr: str) -> None:
    """Namespace ns, veth host_if (in bridge) <-> eth0 (in ns, address cidr), lo up."""
    check_ifname(host_if)
    if not ns.startswith(PREFIX):
        raise LabError(f"namespace name {ns!r} must start with {PREFIX!r}")
    peer = check_ifname(host_if + "p")
    run(["ip", "netns", "add", ns])
    run(["ip", "link", "add", host_if, "type", "veth", "peer", "name", peer])
    run(["ip", "link", "set", peer, "netns", ns])
    run(["ip", "link", "set", host_if, "master", bridge])
    run(["ip", "link", "set", host_if, "up"])
    inside = ["ip", "netns", "exec", ns]
    run([*inside, "ip", "link", "set", peer, "name", "eth0"])
    run([*inside, "ip", "addr", "add", cidr, "dev", "eth0"])
    run([*inside, "ip", "link", "set", "eth0", "up"])
    run([*inside, "ip", "link", "set", "lo", "up"])


def ns_pids(ns: str) -> list[int]:
    res = run(["ip", "netns", "pids", ns], check=False)
    return [int(x) for x in res.stdout.split() if x.isdigit()]


def del_netns(ns: str) -> None:
    if ns.startswith(PREFIX) and ns in netns_list():
        run(["ip", "netns", "del", ns])


def del_link(name: str) -> None:
    if not name.startswith(PREFIX):
        return
    # a veth also vanishes by itself, shortly after its peer's namespace is deleted
    res = run(["ip", "link", "del", name], check=False)
    if res.returncode != 0 and name in links():
        raise LabError(f"could not delete link {name}: {res.stderr.strip()}")
