"""The simulator's coreutils against the real ones, on the same argv, in a temp directory.

Each sequence runs once through LocalTransport on this machine (LC_ALL=C, as root: the
console runs its plans as root) and once on a simulated host whose file system holds the
same empty directory. Exit codes, stdout and stderr must be identical at every step, and
so must the tree at the end: every entry's kind, owner, group, mode and bytes.
"""

from __future__ import annotations

import grp
import os
import pwd
import stat

import pytest

from tui.remote.local import LocalTransport
from tui.sim import coreutils
from tui.sim.hosts import SimHost


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def _has_group(name: str) -> bool:
    try:
        grp.getgrnam(name)
        return True
    except KeyError:
        return False


pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not _has_user("hacluster") or not _has_group("haclient"),
    reason="install -o/-g needs root and the hacluster user, haclient group",
)

KEY = bytes(range(256)) * 3  # not text: the bytes must survive every copy
ENV = b"# PCMK_remote_port\n# Default: PCMK_remote_port=\"3121\"\n"
NEW_ENV = ENV + b"PCMK_remote_port=3122\n"

# (argv with {D} for the directory, stdin); every emulated success and error path
SEQUENCES = {
    "install-stat-hash-read": [
        (("install", "-m", "0400", "-o", "hacluster", "-g", "haclient", "/dev/stdin", "{D}/authkey"), KEY),
        (("stat", "-c", "%U:%G:%a", "{D}/authkey"), b""),
        (("sha256sum", "{D}/authkey"), b""),
        (("cat", "{D}/authkey"), b""),
        (("test", "-e", "{D}/authkey"), b""),
        (("test", "-f", "{D}/authkey"), b""),
        (("test", "-d", "{D}/authkey"), b""),
        (("test", "-d", "{D}"), b""),
        (("test", "-s", "{D}/authkey"), b""),
        (("stat", "-c", "%U %G %a %s %n %F", "{D}/authkey", "{D}"), b""),
        (("install", "-m", "644", "-o", "0", "-g", "0", "/dev/stdin", "{D}/numeric"), b""),
        (("stat", "-c", "%U:%G:%a %F %s", "{D}/numeric"), b""),
        (("test", "-s", "{D}/numeric"), b""),
    ],
    "backup-then-atomic-replace": [
        (("mkdir", "-p", "{D}/etc/sysconfig"), b""),
        (("install", "-m", "0644", "-o", "root", "-g", "root", "/dev/stdin", "{D}/etc/sysconfig/pacemaker"), ENV),
        (("test", "-e", "{D}/etc/sysconfig/pacemaker.bak"), b""),
        (("cp", "-p", "{D}/etc/sysconfig/pacemaker", "{D}/etc/sysconfig/pacemaker.bak"), b""),
        (("install", "-m", "0644", "-o", "hacluster", "-g", "haclient", "/dev/stdin",
          "{D}/etc/sysconfig/.pacemaker.tmp"), NEW_ENV),
        (("mv", "-f", "{D}/etc/sysconfig/.pacemaker.tmp", "{D}/etc/sysconfig/pacemaker"), b""),
        (("cat", "{D}/etc/sysconfig/pacemaker", "{D}/etc/sysconfig/pacemaker.bak"), b""),
        (("stat", "-c", "%U:%G:%a", "{D}/etc/sysconfig/pacemaker", "{D}/etc/sysconfig/pacemaker.bak"), b""),
        (("test", "-e", "{D}/etc/sysconfig/.pacemaker.tmp"), b""),
        # undo: the backup back in place, then gone
        (("cp", "-p", "{D}/etc/sysconfig/pacemaker.bak", "{D}/etc/sysconfig/pacemaker"), b""),
        (("rm", "-f", "{D}/etc/sysconfig/pacemaker.bak"), b""),
        (("rm", "-f", "{D}/etc/sysconfig/pacemaker.bak"), b""),
        (("sha256sum", "{D}/etc/sysconfig/pacemaker"), b""),
        (("stat", "-c", "%U:%G:%a", "{D}/etc/sysconfig/pacemaker"), b""),
    ],
    "into-directories": [
        (("mkdir", "-p", "{D}/a/b", "{D}/c"), b""),
        (("install", "-m", "0600", "/dev/stdin", "{D}/a"), b"x"),
        (("cp", "-p", "{D}/a/stdin", "{D}/c"), b""),
        (("cp", "-p", "{D}/a/stdin", "{D}/c/"), b""),
        (("mv", "-f", "{D}/c/stdin", "{D}/a/b/"), b""),
        (("mv", "-f", "{D}/a/b", "{D}/c"), b""),
        (("stat", "-c", "%U:%G:%a %F", "{D}/a", "{D}/c/b", "{D}/c/b/stdin", "{D}/a/stdin"), b""),
        (("mkdir", "-p", "{D}/a/b"), b""),
        (("mkdir", "-p", "{D}/a/./b/../b"), b""),
    ],
    "missing-things": [
        (("test", "-e", "{D}/nope"), b""),
        (("cat", "{D}/nope"), b""),
        (("cat", "{D}/nope", "{D}"), b""),
        (("stat", "-c", "%U:%G:%a", "{D}/nope"), b""),
        (("sha256sum", "{D}/nope"), b""),
        (("sha256sum", "{D}"), b""),
        (("cp", "-p", "{D}/nope", "{D}/x"), b""),
        (("cp", "-p", "{D}", "{D}/x"), b""),
        (("mv", "-f", "{D}/nope", "{D}/x"), b""),
        (("rm", "-f", "{D}/nope", "{D}/nope/deeper"), b""),
        (("rm", "-f", "{D}"), b""),
        (("install", "-m", "0644", "/dev/stdin", "{D}/nodir/x"), b"x"),
        (("mkdir", "-p"), b""),
        (("mv", "-f", "{D}/nope"), b""),
        (("cp", "-p", "{D}/nope"), b""),
    ],
    "files-where-directories-should-be": [
        (("install", "-m", "0644", "/dev/stdin", "{D}/f"), b"file\n"),
        (("test", "-e", "{D}/f/x"), b""),
        (("cat", "{D}/f/x"), b""),
        (("stat", "-c", "%a", "{D}/f/x"), b""),
        (("sha256sum", "{D}/f/x"), b""),
        (("cp", "-p", "{D}/f", "{D}/f/x"), b""),
        (("cp", "-p", "{D}/f", "{D}/nodir/x"), b""),
        (("cp", "-p", "{D}/f", "{D}/f"), b""),
        (("mv", "-f", "{D}/f", "{D}/nodir/x"), b""),
        (("mv", "-f", "{D}/f", "{D}/f"), b""),
        (("mv", "-f", "{D}/f", "{D}/f/x"), b""),
        (("cp", "-p", "{D}/f", "{D}/f/x/y"), b""),
        (("rm", "-f", "{D}/f/x"), b""),
        (("mkdir", "-p", "{D}/f"), b""),
        (("mkdir", "-p", "{D}/f/x/y"), b""),
        (("install", "-m", "0644", "/dev/stdin", "{D}/f/x"), b"y"),
        (("mkdir", "-p", "{D}/d"), b""),
        (("mv", "-f", "{D}/d", "{D}/f"), b""),
        (("mv", "-f", "{D}/d", "{D}/d/inside"), b""),
        (("rm", "-f", "{D}/d"), b""),
    ],
    "bad-install-options": [
        (("install", "-m", "0999", "-o", "root", "-g", "root", "/dev/stdin", "{D}/k"), b"x"),
        (("install", "-m", "0400", "-o", "no-such-user", "-g", "root", "/dev/stdin", "{D}/k"), b"x"),
        (("install", "-m", "0400", "-o", "root", "-g", "no-such-group", "/dev/stdin", "{D}/k"), b"x"),
        (("install", "-m", "0400", "/dev/stdin"), b"x"),
        (("test", "-e", "{D}/k"), b""),
    ],
}


def _real_tree(top: str) -> dict[str, tuple]:
    tree = {}
    for root, dirs, files in os.walk(top):
        for name in dirs + files:
            path = os.path.join(root, name)
            st = os.lstat(path)
            content = None if stat.S_ISDIR(st.st_mode) else open(path, "rb").read()
            tree[path] = (pwd.getpwuid(st.st_uid).pw_name, grp.getgrgid(st.st_gid).gr_name,
                          stat.S_IMODE(st.st_mode), content)
    return tree


def _sim_tree(host: SimHost, top: str) -> dict[str, tuple]:
    return {p: (n.owner, n.group, n.mode, n.content) for p, n in host.fs.files_under(top).items()}


@pytest.mark.parametrize("name", list(SEQUENCES))
async def test_sim_coreutils_do_what_coreutils_do(name, tmp_path):
    top = str(tmp_path / "t")
    os.mkdir(top, 0o755)
    host = SimHost("sim", "10.0.0.1")
    host.fs.makedirs(top)
    local = LocalTransport()
    for argv, stdin in SEQUENCES[name]:
        argv = tuple(a.replace("{D}", top) for a in argv)
        real = await local.run(argv, stdin=stdin, env={"LC_ALL": "C", "LANG": "C"}, timeout=30)
        mine = coreutils.run(host, argv, stdin)
        assert mine == (real.exit_status, real.stdout.decode(errors="surrogateescape"),
                        real.stderr.decode(errors="surrogateescape")), argv
    assert _sim_tree(host, top) == _real_tree(top)

