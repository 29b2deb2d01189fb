"""System packages the lab needs, installed with apt-get when missing, and pacemaker-remoted
unpacked from its .deb into a cache (the package conflicts with pacemaker)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from .proc import LabError, run

CACHE = Path(os.environ.get("PCMK_LAB_CACHE", "/var/cache/pcmk-console-lab"))

HOST_PACKAGES = ("corosync", "pacemaker", "pacemaker-cli-utils", "openssh-server",
                 "openssh-client", "iproute2", "util-linux", "procps")
ROOTFS_PACKAGES = ("debootstrap",)


def missing_packages(packages: tuple[str, ...]) -> list[str]:
    res = run(["dpkg-query", "-W", "-f=${Package} ${Status}\n", *packages], check=False)
    installed = {line.split()[0] for line in res.stdout.splitlines()
                 if line.endswith("ok installed")}
    return [p for p in packages if p not in installed]


def ensure_packages(packages: tuple[str, ...] = HOST_PACKAGES) -> None:
    need = missing_packages(packages)
    if not need:
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    run(["apt-get", "update", "-qq"], timeout=300, env=env)
    run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *need], timeout=900, env=env)


def _pacemaker_version() -> str:
    res = run(["dpkg-query", "-W", "-f=${Version}", "pacemaker"])
    return res.stdout.strip()


def remoted_binary() -> Path:
    """pacemaker-remoted matching the installed pacemaker, from a cached `dpkg -x`."""
    version = _pacemaker_version()
    dest = CACHE / f"pacemaker-remote-{version}"
    binary = dest / "usr/sbin/pacemaker-remoted"
    if binary.exists():
        return binary
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE, prefix=".remote-") as tmp:
        # apt-get download writes into the current directory
        cmd = ["sh", "-c", 'cd "$1" && apt-get download "$2"', "sh", tmp,
               f"pacemaker-remote={version}"]
        if run(cmd, check=False, timeout=300).returncode != 0:
            run(["apt-get", "update", "-qq"], timeout=300)  # a fresh machine has no lists
            run(cmd, timeout=300)
        debs = list(Path(tmp).glob("pacemaker-remote_*.deb"))
        if not debs:
            raise LabError(f"apt-get download pacemaker-remote={version} left no .deb in {tmp}")
        unpack = Path(tmp) / "root"
        run(["dpkg", "-x", str(debs[0]), str(unpack)])
        if not (unpack / "usr/sbin/pacemaker-remoted").exists():
            raise LabError(f"{debs[0].name} has no usr/sbin/pacemaker-remoted")
        os.rename(unpack, dest)  # atomic: a crash leaves only the temp dir behind
    return binary


def have(cmd: str) -> bool:
    return shutil.which(cmd) is not None
