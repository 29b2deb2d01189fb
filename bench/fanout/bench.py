"""Fan-out of one short command to N sshd endpoints: the worker pool vs OpenSSH.

One sshd listens on 127.0.0.2 .. 127.0.0.(N+1) (distinct endpoints, distinct known_hosts
entries). For N in --sizes, each contender runs round 1 (connect + run) and round 2 (run
again, reusing whatever the contender keeps):

  pool          WorkerPool + SshTransport (one asyncssh connection per host, commands on the
                host's mux: one session whose login shell ran once), action log on
  pool-nolog    the same without the action log
  pool-session  the pool with SshTransport(mux=False): a session (login shell) per command,
                the transport before the mux, action log on
  ssh-seq       `ssh host cmd` per host, one after another
  ssh-xargs     the same through `xargs -P N`
  ssh-cm        `xargs -P N` with ControlMaster=auto, ControlPersist=60 (round 2 reuses masters)

Reported: wall time per round and client CPU. Pool CPU is this process's own CPU time
(time.process_time, all threads). OpenSSH CPU is the waited-for children's CPU
(RUSAGE_CHILDREN): it includes the ssh clients (and xargs) but not ControlPersist masters,
which detach and are never waited for; their share is not counted (it favours ssh-cm).

A second table ("burst") sends K commands at once to ONE host (pool per_host=K): the mux
runs them side by side in one session; pool-session opens K sessions.

Run as root on a quiet machine:  .venv/bin/python bench/fanout/bench.py --reps 5
(the lab lives in $TMPDIR: it must be searchable by --user, /tmp is not always)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.remote.sshd_lab import remove_lab, start_lab  # noqa: E402
from tui.remote.actionlog import ActionLog  # noqa: E402
from tui.remote.pool import WorkerPool  # noqa: E402
from tui.remote.ssh import SshTransport  # noqa: E402

COMMAND = ["echo", "ok"]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


USER = "root"  # --user sets it


def ssh_base(lab, extra=()) -> list[str]:
    return ["ssh", "-F", "/dev/null", "-p", str(lab.port), "-i", str(lab.client_key),
            "-o", "BatchMode=yes", "-o", f"UserKnownHostsFile={lab.known_hosts}",
            "-o", "StrictHostKeyChecking=yes", "-l", USER, *extra]


def run_openssh(kind: str, lab, hosts: list[str], control_dir: Path | None) -> tuple[float, float]:
    extra = []
    if control_dir is not None:
        extra = ["-o", "ControlMaster=auto", "-o", f"ControlPath={control_dir}/%h",
                 "-o", "ControlPersist=60"]
    base = ssh_base(lab, extra)
    cpu0, t0 = children_cpu(), time.perf_counter()
    if kind == "seq":
        for host in hosts:
            out = subprocess.run([*base, host, *COMMAND], capture_output=True)
            assert out.stdout == b"ok\n", out.stderr
    else:
        proc = subprocess.run(
            ["xargs", "-P", str(len(hosts)), "-I{}", *base, "{}", *COMMAND],
            input="\n".join(hosts).encode(), capture_output=True,
        )
        assert proc.stdout == b"ok\n" * len(hosts), proc.stderr
    return time.perf_counter() - t0, children_cpu() - cpu0


async def run_pool(pool: WorkerPool, hosts: list[str]) -> tuple[float, float]:
    cpu0, t0 = time.process_time(), time.perf_counter()
    count = 0
    async for result in pool.fan_out(hosts, COMMAND, purpose="bench"):
        assert result.stdout == b"ok\n", result
        count += 1
    assert count == len(hosts)
    return time.perf_counter() - t0, time.process_time() - cpu0


async def pool_rounds(lab, hosts, log_dir: Path | None, mux: bool = True,
                      per_host: int = 4) -> list[tuple[float, float]]:
    def transport_for(host: str) -> SshTransport:
        return SshTransport(host, port=lab.port, username=USER, identity_files=[lab.client_key],
                            known_hosts=lab.known_hosts, ssh_config=None, mux=mux)

    log = ActionLog(log_dir / "actions.jsonl") if log_dir else None
    pool = WorkerPool(transport_for, log, per_host=per_host)
    try:
        return [await run_pool(pool, hosts), await run_pool(pool, hosts)]
    finally:
        await pool.close()
        if log:
            log.close()


def openssh_rounds(kind: str, lab, hosts) -> list[tuple[float, float]]:
    control = Path(tempfile.mkdtemp(prefix="cm-", dir="/tmp")) if kind == "cm" else None
    try:
        return [run_openssh("seq" if kind == "seq" else "xargs", lab, hosts, control)
                for _ in range(2)]
    finally:
        if control is not None:
            for host in hosts:  # stop the masters we started
                subprocess.run([*ssh_base(lab, ["-o", f"ControlPath={control}/%h"]),
                                "-O", "exit", host], capture_output=True)
            shutil.rmtree(control, ignore_errors=True)


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), platform.processor())
    import asyncssh

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "kernel": platform.release(),
        "os": Path("/etc/debian_version").read_text().strip() if Path("/etc/debian_version").exists() else "",
        "python": platform.python_version(),
        "asyncssh": asyncssh.__version__,
        "openssh": subprocess.run(["ssh", "-V"], capture_output=True, text=True).stderr.strip(),
        "loadavg_before": os.getloadavg(),
        "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1,5,20")
    parser.add_argument("--bursts", default="1,4,16", help="commands at once to one host")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--json", type=Path, default=Path(__file__).with_name("results.json"))
    parser.add_argument("--user", default="root",
                        help="log in as this user; a user other than root is created for the run "
                        "with /bin/sh as its shell (no login scripts) and removed afterwards")
    args = parser.parse_args()
    global USER
    USER = args.user
    sizes = [int(s) for s in args.sizes.split(",")]
    addresses = tuple(f"127.0.0.{i + 2}" for i in range(max(sizes)))
    lab = start_lab(addresses)
    created = False
    if USER != "root":
        if subprocess.run(["id", USER], capture_output=True).returncode != 0:
            subprocess.run(["useradd", "-M", "-s", "/bin/sh", USER], check=True)
            subprocess.run(["usermod", "-p", "*", USER], check=True)
            created = True
        lab.authorize(USER)
    results: dict = {"machine": machine(), "user": USER, "runs": {}}
    contenders = ["pool", "pool-nolog", "pool-session", "ssh-seq", "ssh-xargs", "ssh-cm"]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for n in sizes:
                hosts = list(addresses[:n])
                samples: dict[str, list] = {c: [] for c in contenders}
                for rep in range(args.reps):
                    # interleave contenders so machine noise hits all of them alike
                    samples["pool"].append(asyncio.run(pool_rounds(lab, hosts, Path(tmp) / f"{n}-{rep}")))
                    samples["pool-nolog"].append(asyncio.run(pool_rounds(lab, hosts, None)))
                    samples["pool-session"].append(asyncio.run(
                        pool_rounds(lab, hosts, Path(tmp) / f"{n}-{rep}-s", mux=False)))
                    samples["ssh-seq"].append(openssh_rounds("seq", lab, hosts))
                    samples["ssh-xargs"].append(openssh_rounds("xargs", lab, hosts))
                    samples["ssh-cm"].append(openssh_rounds("cm", lab, hosts))
                results["runs"][n] = summarize(samples)
                print(f"N={n} done", file=sys.stderr)
            results["bursts"] = {}
            for k in [int(b) for b in args.bursts.split(",")]:
                samples = {"pool": [], "pool-session": []}
                for rep in range(args.reps):
                    for name, mux in (("pool", True), ("pool-session", False)):
                        samples[name].append(asyncio.run(pool_rounds(
                            lab, [addresses[0]] * k, Path(tmp) / f"b{k}-{rep}-{name}", mux=mux,
                            per_host=k)))
                results["bursts"][k] = summarize(samples)
                print(f"burst K={k} done", file=sys.stderr)
    finally:
        remove_lab(lab)
        if created:
            time.sleep(0.5)  # let the user's sshd sessions end
            subprocess.run(["userdel", USER], check=False)
    results["machine"]["loadavg_after"] = os.getloadavg()
    results["machine"]["ended_utc"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    args.json.write_text(json.dumps(results, indent=2))
    print(render(results))
    return 0


def summarize(samples: dict) -> dict:
    return {
        c: {
            f"round{r + 1}": {
                "wall_ms": statistics.median(s[r][0] for s in runs) * 1000,
                "cpu_ms": statistics.median(s[r][1] for s in runs) * 1000,
                "wall_ms_all": [round(s[r][0] * 1000, 1) for s in runs],
                "cpu_ms_all": [round(s[r][1] * 1000, 2) for s in runs],
            }
            for r in range(2)
        }
        for c, runs in samples.items()
    }


def render(results: dict) -> str:
    lines = ["| N | contender | round 1 wall ms | round 1 CPU ms | round 2 wall ms | round 2 CPU ms | round 2 CPU ms/cmd |",
             "|---|---|---|---|---|---|---|"]
    for n, runs in results["runs"].items():
        for contender, rounds in runs.items():
            r1, r2 = rounds["round1"], rounds["round2"]
            lines.append(
                f"| {n} | {contender} | {r1['wall_ms']:.1f} | {r1['cpu_ms']:.1f} | "
                f"{r2['wall_ms']:.1f} | {r2['cpu_ms']:.1f} | {r2['cpu_ms'] / int(n):.2f} |"
            )
    for k, runs in results.get("bursts", {}).items():
        for contender, rounds in runs.items():
            r1, r2 = rounds["round1"], rounds["round2"]
            lines.append(
                f"| burst K={k} | {contender} | {r1['wall_ms']:.1f} | {r1['cpu_ms']:.1f} | "
                f"{r2['wall_ms']:.1f} | {r2['cpu_ms']:.1f} | {r2['cpu_ms'] / int(k):.2f} |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
