"""pcsd on every lab node, started by hand (no systemd), and `pcs host auth` done from
node1, so the wizards' pcs method can run against the lab. Pacemaker 2.1.5 lab only (the
3.0 root has no pcs). Opt-in and lazy: `lab.start_pcsd()`; the lab's teardown ends it with
each node's namespace.

Per node, in its own mount namespace: its own /var/lib/pcsd and /var/log/pcsd, a private
copy of /etc/shadow in which hacluster has the lab's throwaway password (pcsd checks it with
PAM; the host's shadow is never written), and on remote/guest/spare nodes the
pacemaker_remote unit file in /etc/systemd/system plus the lab's systemctl shim over
/usr/bin/systemctl (pcs asks `systemctl list-unit-files` whether the service is installed and
then enables and starts it with /bin/systemctl)."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from .proc import LabError, run, wait_for

# The lab's throwaway hacluster password: it exists only in the lab's private shadow copies.
PASSWORD = "pcmk-console-lab"
PORT = 2224


def _shadow_with_password(dest: Path) -> None:
    hashed = run(["openssl", "passwd", "-6", "-stdin"], input=PASSWORD).stdout.strip()
    lines = []
    for line in Path("/etc/shadow").read_text().splitlines():
        fields = line.split(":")
        if fields[0] == "hacluster":
            fields[1] = hashed
        lines.append(":".join(fields))
    dest.write_text("\n".join(lines) + "\n")
    os.chmod(dest, 0o640)


def prepare(node, unit_file: Path | None) -> None:
    """Mounts for pcsd inside `node` (a tests.lab.node.Node)."""
    enter = node.enter(mount_only=True)
    for sub in ("var-lib-pcsd", "var-log-pcsd", "etc-shadow", "etc-systemd-system"):
        node.state(sub).mkdir(parents=True, exist_ok=True)
    shadow = node.state("etc-shadow") / "shadow"
    _shadow_with_password(shadow)
    binds = [(node.state("var-lib-pcsd"), "/var/lib/pcsd"),
             (node.state("var-log-pcsd"), "/var/log/pcsd"),
             (shadow, "/etc/shadow")]
    if node.spec.kind != "cluster":
        if unit_file is None or not unit_file.exists():
            raise LabError(f"no pacemaker_remote.service unit file for {node.name}'s pcsd")
        shutil.copy(unit_file, node.state("etc-systemd-system") / "pacemaker_remote.service")
        binds += [(node.state("etc-systemd-system"), "/etc/systemd/system"),
                  (node.state("usr-local-sbin") / "systemctl", "/usr/bin/systemctl")]
    for source, target in binds:
        run([*enter, "mount", "--bind", str(source), target])


def env(address: str) -> dict[str, str]:
    return {"RACK_ENV": "production", "PCSD_DISABLE_GUI": "true", "PCSD_DEBUG": "false",
            "PCSD_SESSION_LIFETIME": "3600", "PCSD_BIND_ADDR": address}


def spawn_all(nodes: dict, own) -> None:
    """nodes: {address: Node}. Every Ruby part first (all at once, then until each socket
    exists), then every Python part bound to its node's address; each its own process
    group (own: the lab's recorder)."""
    for address, node in nodes.items():
        own(node.spawn("pcsd-ruby", ["/usr/share/pcsd/pcsd"], env(address)))
    for node in nodes.values():
        wait_for(f"pcsd's ruby part on {node.name}",
                 lambda n=node: n.run(["test", "-S", "/run/pcsd-ruby.socket"]).returncode == 0,
                 timeout=90, interval=0.1)
    for address, node in nodes.items():
        own(node.spawn("pcsd", ["/usr/sbin/pcsd"], env(address)))


def auth(n1, hosts: dict[str, str]) -> None:
    """`pcs host auth NAME addr=ADDR ...` on node1 for every node (pcs needs them all)."""
    argv = ["pcs", "host", "auth"]
    for name, address in hosts.items():
        argv += [name, f"addr={address}"]
    # the password by argv is acceptable only because it is the lab's throwaway one
    res = n1.run([*argv, "-u", "hacluster", "-p", PASSWORD], timeout=120)
    if res.returncode != 0:
        raise LabError(f"pcs host auth on node1: exit {res.returncode}: "
                       f"{(res.stderr or res.stdout).strip()[-500:]}")


def wait_listening(addresses: list[str], port_open, timeout: float = 60) -> float:
    t0 = time.monotonic()
    for address in addresses:
        wait_for(f"pcsd on {address}:{PORT}", lambda a=address: port_open(a, PORT),
                 timeout=timeout, interval=0.1)
    return time.monotonic() - t0
