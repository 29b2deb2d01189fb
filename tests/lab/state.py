"""The record of what a lab created (processes, namespaces, links, its folder), written
before each thing is made, so a crashed run's leftovers can be found and removed later:
by this record, and by the lab's name prefix; never anything else."""

from __future__ import annotations

import json
import os
import shutil
import socket
from pathlib import Path

from . import netns
from .proc import LabError, Owned, alive, kill_group, kill_pids

BASE = Path(os.environ.get("PCMK_LAB_BASE", "/var/tmp/pcmk-console-lab"))


class Record:
    def __init__(self, path: Path):
        self.path = path
        self.data: dict = {"procs": [], "netns": [], "links": [], "status": "building"}
        if path.exists():
            self.data.update(json.loads(path.read_text()))

    def save(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.data, indent=1))
        os.replace(tmp, self.path)

    def add(self, key: str, value) -> None:
        if value not in self.data[key]:
            self.data[key].append(value)
        self.save()

    def add_proc(self, owned: Owned) -> Owned:
        self.add("procs", owned.to_json())
        return owned

    def procs(self) -> list[Owned]:
        return [Owned.from_json(d) for d in self.data["procs"]]


def stop_order(procs: list[Owned]) -> list[Owned]:
    """pacemakerd first (the cluster stops its resources while remotes still answer),
    holders last (their namespaces go with them)."""
    return sorted(procs, key=lambda o: (not o.name.endswith(":pacemakerd"),
                                        o.name.endswith(":holder")))


def lab_prefix(tag: str) -> str:
    return f"{netns.PREFIX}{tag}-"


def cleanup(tag: str, log=print) -> list[str]:
    """Remove everything lab `tag` left: recorded process groups (only if still ours),
    processes inside its namespaces, the namespaces, its links and its folder."""
    done: list[str] = []
    folder = BASE / tag
    rec_path = folder / "state.json"
    rec = Record(rec_path) if rec_path.exists() else None
    prefix = lab_prefix(tag)
    names = set(rec.data["netns"] if rec else ()) | {
        n for n in netns.netns_list() if n.startswith(prefix)}
    # pacemakerd runs under node1's systemctl shim, not as a recorded group: it goes first
    # (while corosync and the remotes still answer), as stop_order() wants
    for ns in sorted(names):
        pids = [p for p in netns.ns_pids(ns) if _comm(p) == "pacemakerd"]
        if pids:
            kill_pids(pids, timeout=20)
            done.append(f"stopped pacemakerd in {ns}")
    if rec:
        for owned in stop_order(rec.procs()):
            if owned.is_ours() and alive(owned.pid):
                kill_group(owned, timeout=20 if owned.name.endswith(":pacemakerd") else 5)
                done.append(f"killed {owned.name} (pgid {owned.pid})")
    for ns in sorted(names):
        pids = netns.ns_pids(ns)
        if pids:
            kill_pids(pids)
            done.append(f"killed {len(pids)} leftover processes in {ns}")
        netns.del_netns(ns)
        done.append(f"deleted netns {ns}")
    links = set(rec.data["links"] if rec else ()) | {
        link for link in netns.links() if link.startswith(prefix)}
    # veths before the bridge
    for link in sorted(links, key=lambda n: n.endswith("-br")):
        netns.del_link(link)
        done.append(f"deleted link {link}")
    if folder.exists():
        shutil.rmtree(folder)
        done.append(f"removed {folder}")
    if BASE.exists() and not any(BASE.iterdir()):
        BASE.rmdir()
    for line in done:
        log(f"lab[{tag}]: {line}")
    return done


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def leftovers(tag: str | None = None) -> dict[str, list[str]]:
    """What of the lab (one tag, or any) exists now: for checks after teardown."""
    prefix = lab_prefix(tag) if tag else netns.PREFIX
    mounts = [line for line in Path("/proc/self/mountinfo").read_text().splitlines()
              if prefix in line or (tag is None and "pcmk-console-lab/" in line
                                    and "/var/cache" not in line)]
    folders = [str(BASE / tag)] if tag and (BASE / tag).exists() else (
        [str(p) for p in BASE.iterdir()] if tag is None and BASE.exists() else [])
    return {
        "netns": [n for n in netns.netns_list() if n.startswith(prefix)],
        "links": [n for n in netns.links() if n.startswith(prefix)],
        "mounts": mounts,
        "folders": folders,
    }


class Claim:
    """This process is using lab `tag`: an abstract Unix socket bound in the host's network
    namespace. The kernel releases it when the process dies, and it leaves no file behind,
    so a tag whose claim is free is either unused or a crashed run's leftover."""

    def __init__(self, tag: str):
        self.tag = tag
        self._sock: socket.socket | None = None

    def try_take(self) -> bool:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.bind(f"\0pcmk-console-lab-{self.tag}")
        except OSError:
            sock.close()
            return False
        self._sock = sock
        return True

    def take(self) -> "Claim":
        if not self.try_take():
            raise LabError(f"lab {self.tag!r} is in use by another process "
                           "(a test session or `python -m tests.lab`)")
        return self

    def release(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    @property
    def held(self) -> bool:
        return self._sock is not None


def tags_with_traces() -> set[str]:
    """Tags that have a folder, a namespace or a link on this machine."""
    tags = {p.name for p in BASE.iterdir() if p.is_dir()} if BASE.exists() else set()
    for name in netns.netns_list() + netns.links():
        if name.startswith(netns.PREFIX):
            rest = name[len(netns.PREFIX):]
            if "-" in rest:
                tags.add(rest.split("-", 1)[0])
    return tags


def sweep(log=print, skip: set[str] = frozenset()) -> list[str]:
    """Clean every lab whose claim is free (a crashed or CLI-started run); skip the rest."""
    done = []
    for tag in sorted(tags_with_traces() - set(skip)):
        claim = Claim(tag)
        if not claim.try_take():
            continue
        try:
            done += cleanup(tag, log=log)
        finally:
            claim.release()
    if BASE.exists() and not any(BASE.iterdir()):
        BASE.rmdir()
    return done
