"""The simulated coreutils on a demo machine: what the plan engine's file steps rely on.
(Their words are checked against the real tools in test_coreutils_faithful.py.)"""

from __future__ import annotations

import hashlib

import pytest

from tests.hostile import ALL as HOSTILE
from tui.sim.commands import execute
from tui.sim.hosts import AUTHKEY, SYSCONFIG


def sh(sim, host, *argv, stdin=b""):
    return execute(sim, host, argv, stdin)


def test_write_atomically_with_a_backup_and_undo(sim):
    """The write-file step's argv: backup, temp file by stdin, rename; then its undo."""
    before = sim.host("node2").fs.get(SYSCONFIG).content
    new = before + b"PCMK_remote_port=3122\n"
    steps = [
        ("cp", "-p", SYSCONFIG, f"{SYSCONFIG}.bak"),
        ("install", "-m", "0644", "-o", "root", "-g", "root", "/dev/stdin", f"{SYSCONFIG}.tmp"),
        ("mv", "-f", f"{SYSCONFIG}.tmp", SYSCONFIG),
    ]
    for argv in steps:
        assert sh(sim, "node2", *argv, stdin=new if argv[0] == "install" else b"") == (0, "", "")
    assert sh(sim, "node2", "cat", SYSCONFIG) == (0, new.decode(), "")
    assert sh(sim, "node2", "sha256sum", SYSCONFIG)[1] == f"{hashlib.sha256(new).hexdigest()}  {SYSCONFIG}\n"
    assert sh(sim, "node2", "test", "-e", f"{SYSCONFIG}.tmp")[0] == 1
    assert sh(sim, "node2", "mv", "-f", f"{SYSCONFIG}.bak", SYSCONFIG) == (0, "", "")
    assert sim.host("node2").fs.get(SYSCONFIG).content == before
    assert sim.host("node1").fs.get(SYSCONFIG).content == before  # other machines untouched


def test_each_machine_has_its_own_files(sim):
    sh(sim, "node1", "mkdir", "-p", "/var/lib/pcmk-console/backup")
    assert sh(sim, "node1", "test", "-d", "/var/lib/pcmk-console/backup")[0] == 0
    assert sh(sim, "node2", "test", "-d", "/var/lib/pcmk-console/backup")[0] == 1


def test_relative_paths_start_in_roots_home(sim):
    assert sh(sim, "node1", "install", "-m", "600", "/dev/stdin", "notes", stdin=b"x") == (0, "", "")
    assert sh(sim, "node1", "stat", "-c", "%U:%G:%a %n", "/root/notes") == (0, "root:root:600 /root/notes\n", "")


def test_the_authkey_is_readable_as_bytes(sim):
    rc, out, _ = sh(sim, "node1", "cat", AUTHKEY)
    assert rc == 0 and out.encode(errors="surrogateescape") == sim.authkey


@pytest.mark.parametrize("argv", [
    ("cp", "-a", "/etc/hosts", "/tmp/x"), ("cp", "/etc/hosts", "/tmp/x"), ("mv", "/a", "/b"),
    ("rm", "/etc/sysconfig/pacemaker"), ("rm", "-rf", "/etc"), ("mkdir", "/x"), ("stat", "/etc"),
    ("install", "-D", "/dev/stdin", "/x"), ("install", "-m", "644", "/etc/hosts", "/x"), ("cat", "-n", "/x"),
    ("sha256sum", "-c", "/x"), ("test", "-w", "/x"), ("stat", "-c", "%y", "/etc"),
])
def test_options_beyond_what_is_emulated_are_refused_and_change_nothing(sim, argv):
    before = {k: (v.owner, v.group, v.mode, v.content) for k, v in sim.host("node1").fs.entries.items()}
    rc, out, err = sh(sim, "node1", *argv)
    assert rc != 0 and out == "" and "simulator supports only" in err
    assert {k: (v.owner, v.group, v.mode, v.content) for k, v in sim.host("node1").fs.entries.items()} == before


@pytest.mark.parametrize("text", HOSTILE)
def test_any_bytes_survive_install_and_cat(sim, text):
    data = text.encode("utf-8", errors="surrogateescape")
    assert sh(sim, "rn3", "install", "-m", "0644", "/dev/stdin", "/tmp/h", stdin=data)[0] == 0
    rc, out, _ = sh(sim, "rn3", "cat", "/tmp/h")
    assert rc == 0 and out.encode(errors="surrogateescape") == data
