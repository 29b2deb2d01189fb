"""A real OpenSSH sshd on loopback for tests and benchmarks (key-only auth, no PAM).

The lab folder is world-readable (0755) because sshd reads a non-root user's
authorized_keys with that user's rights; the private keys in it stay 0600.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

SSHD = "/usr/sbin/sshd"
GROUP = 8  # addresses per sshd process


def free_port(address: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((address, 0))
        return s.getsockname()[1]


def keygen(path: Path) -> None:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", path.name, "-f", str(path)],
        check=True,
    )


def known_hosts_line(address: str, port: int, pubkey_file: Path) -> str:
    kind, blob = pubkey_file.read_text().split()[:2]
    where = address if port == 22 else f"[{address}]:{port}"
    return f"{where} {kind} {blob}\n"


@dataclass
class SshdLab:
    root: Path
    addresses: tuple[str, ...] = ("127.0.0.1",)
    port: int = 0
    procs: list[subprocess.Popen] = field(default_factory=list)
    users: list[str] = field(default_factory=list)

    @property
    def address(self) -> str:
        return self.addresses[0]

    @property
    def client_key(self) -> Path:
        return self.root / "client_key"

    @property
    def host_key(self) -> Path:
        return self.root / "ssh_host_ed25519_key"

    @property
    def known_hosts(self) -> Path:
        return self.root / "known_hosts"

    @property
    def log(self) -> Path:
        return self.root / "sshd.log"

    def authorize(self, user: str) -> None:
        keys = self.root / "authorized_keys"
        keys.mkdir(mode=0o755, exist_ok=True)
        target = keys / user
        shutil.copy(self.client_key.with_suffix(".pub"), target)
        target.chmod(0o644)

    def start(self) -> None:
        os.makedirs("/run/sshd", exist_ok=True)
        self.root.chmod(0o755)
        keygen(self.host_key)
        keygen(self.client_key)
        self.authorize("root")
        self.port = self.port or free_port(self.address)
        self.known_hosts.write_text(
            "".join(known_hosts_line(a, self.port, self.host_key.with_suffix(".pub"))
                    for a in self.addresses)
        )
        # sshd listens on at most 16 sockets: one sshd per group of addresses
        for group, start in enumerate(range(0, len(self.addresses), GROUP)):
            self.procs.append(self._spawn(group, self.addresses[start:start + GROUP]))
        for address in self.addresses:
            self._wait_listening(address)

    def _spawn(self, group: int, addresses) -> subprocess.Popen:
        listen = "".join(f"ListenAddress {a}:{self.port}\n" for a in addresses)
        config = self.root / f"sshd_config.{group}"
        config.write_text(
            f"{listen}"
            f"HostKey {self.host_key}\n"
            f"PidFile {self.root / f'sshd.{group}.pid'}\n"
            f"AuthorizedKeysFile {self.root}/authorized_keys/%u\n"
            "PermitRootLogin prohibit-password\n"
            "PasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\n"
            "UsePAM no\n"
            "StrictModes no\n"
            "MaxSessions 64\n"
            "MaxStartups 100:30:200\n"
            "LogLevel VERBOSE\n"
        )
        with open(self.log, "ab") as log:
            return subprocess.Popen(
                [SSHD, "-D", "-e", "-f", str(config)],
                stdout=log, stderr=log, start_new_session=True,
            )

    def _wait_listening(self, address: str) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            for proc in self.procs:
                if proc.poll() is not None:
                    raise RuntimeError(f"sshd exited: {self.log.read_text()[-2000:]}")
            try:
                socket.create_connection((address, self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"sshd did not start listening on {address}:{self.port}")

    @property
    def proc(self) -> subprocess.Popen | None:
        """The (first) listening sshd."""
        return self.procs[0] if self.procs else None

    def session_pids(self) -> list[int]:
        """The per-connection sshd processes (children of the listeners)."""
        pids = []
        for proc in self.procs:
            out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(proc.pid)],
                                 capture_output=True, text=True).stdout
            pids += [int(p) for p in out.split()]
        return pids

    def stop(self) -> None:
        # sessions run in sessions of their own (setsid): end them first, by PID
        for pid in self.session_pids():
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()


def _searchable_tmp() -> str:
    """A temp dir the created test users can traverse: sshd reads authorized_keys as that user,
    and some machines have /tmp mode 0700."""
    base = tempfile.gettempdir()
    return base if os.stat(base).st_mode & 0o001 else "/var/tmp"


def start_lab(addresses: tuple[str, ...] = ("127.0.0.1",)) -> SshdLab:
    lab = SshdLab(Path(tempfile.mkdtemp(prefix="pcmk-sshd-", dir=_searchable_tmp())), addresses)
    lab.start()
    return lab


def remove_lab(lab: SshdLab) -> None:
    lab.stop()
    shutil.rmtree(lab.root, ignore_errors=True)
