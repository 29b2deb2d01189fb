"""SSH material for the lab: a client key, one host key and sshd_config per node, and a
known_hosts file with exactly the lab's host keys (so tests keep host-key checking on)."""

from __future__ import annotations

from pathlib import Path

from .proc import run


def keygen(path: Path, comment: str) -> str:
    """An ed25519 key pair at path (+ .pub); returns the public line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)])
    return Path(f"{path}.pub").read_text().strip()


def sshd_config(listen: str, port: int = 22) -> str:
    # Paths are as seen inside the node, where the node's etc-ssh dir is mounted on /etc/ssh.
    return f"""Port {port}
ListenAddress {listen}
HostKey /etc/ssh/ssh_host_ed25519_key
AuthorizedKeysFile /etc/ssh/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile /run/sshd-lab.pid
PrintMotd no
Subsystem sftp internal-sftp
"""


def prepare_node_ssh(etc_ssh: Path, node: str, listen: str, client_pub: str) -> str:
    """Fill a node's /etc/ssh folder; returns its host public key line."""
    host_pub = keygen(etc_ssh / "ssh_host_ed25519_key", f"pcmk-console-lab-{node}")
    (etc_ssh / "sshd_config").write_text(sshd_config(listen))
    (etc_ssh / "authorized_keys").write_text(client_pub + "\n")
    return host_pub


def known_hosts_line(host: str, port: int, host_pub: str) -> str:
    key_type, key = host_pub.split()[:2]
    where = host if port == 22 else f"[{host}]:{port}"
    return f"{where} {key_type} {key}"
