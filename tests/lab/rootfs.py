"""A Debian 13 (trixie) root filesystem with Pacemaker 3.0, cached on the machine between
runs; built in a temp dir and renamed into place, so a half-built root is never used."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from .proc import LabError, run
from .sysdeps import CACHE, ROOTFS_PACKAGES, ensure_packages

SUITE = "trixie"
MIRROR = os.environ.get("PCMK_LAB_MIRROR", "http://deb.debian.org/debian")
INCLUDE = "pacemaker,pacemaker-cli-utils,corosync,openssh-server,iproute2,openssl"
READY = "etc/pcmk-console-lab-ready"  # written last, inside the temp dir, before the rename
REMOTED = "opt/pacemaker-remote/usr/sbin/pacemaker-remoted"


def rootfs_dir() -> Path:
    return CACHE / SUITE


def ensure_rootfs(log=print) -> tuple[Path, float]:
    """The cached trixie root, built if missing. Returns (path, seconds spent building)."""
    root = rootfs_dir()
    if (root / READY).exists() and (root / REMOTED).exists():
        return root, 0.0
    ensure_packages(ROOTFS_PACKAGES)
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = CACHE / f".{SUITE}-build-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    t0 = time.monotonic()
    log(f"lab: debootstrap {SUITE} into {tmp} (once; cached afterwards)")
    run(["debootstrap", "--variant=minbase", f"--include={INCLUDE}", SUITE, str(tmp), MIRROR],
        timeout=1800)
    _add_remoted(tmp)
    (tmp / READY).write_text(f"built {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}\n")
    if root.exists():  # an older, unfinished or foreign-version root: replace it
        old = CACHE / f".{SUITE}-old-{os.getpid()}"
        os.rename(root, old)
        shutil.rmtree(old)
    os.rename(tmp, root)
    return root, time.monotonic() - t0


def _add_remoted(root: Path) -> None:
    """pacemaker-remote conflicts with pacemaker: download its .deb with the root's own apt
    and unpack it under /opt/pacemaker-remote."""
    shutil.copy("/etc/resolv.conf", root / "etc/resolv.conf")
    run(["chroot", str(root), "sh", "-c",
         "cd /tmp && apt-get download pacemaker-remote && "
         "dpkg -x /tmp/pacemaker-remote_*.deb /opt/pacemaker-remote && "
         "rm -f /tmp/pacemaker-remote_*.deb"], timeout=600)
    if not (root / REMOTED).exists():
        raise LabError(f"no {REMOTED} after unpacking pacemaker-remote in {root}")


def clean_partial_builds() -> list[str]:
    """Remove temp build dirs left by a crashed run (our own naming only)."""
    removed = []
    if CACHE.exists():
        for p in CACHE.iterdir():
            if p.name.startswith((f".{SUITE}-build-", f".{SUITE}-old-", ".remote-")):
                pid = p.name.rsplit("-", 1)[-1]
                if pid.isdigit() and Path(f"/proc/{pid}").exists() and int(pid) != os.getpid():
                    continue  # another run is building right now
                shutil.rmtree(p, ignore_errors=True)
                removed.append(str(p))
    return removed
