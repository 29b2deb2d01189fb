"""The coreutils commands a plan runs on a host, answered from the host's HostFS.

test -e|-f|-d|-s|-x, cat, stat -c FORMAT, sha256sum, cp -p, install [-d] -m -o -g, mv -f, rm -f,
mkdir -p, chown OWNER:GROUP and chmod OCTAL, with GNU coreutils 9.1's exit codes, stdout and stderr words in the C locale
(tests/sim/test_coreutils_faithful.py runs the same argv on the real machine and compares).
Only the options above are understood; any other is a usage error naming what the
simulator supports, so a plan that relies on more fails loudly instead of silently.
"""

from __future__ import annotations

import errno
import hashlib
import os
from typing import Callable, Sequence

from tui.sim.files import FsError, HostFS, Inode
from tui.sim.hosts import SimHost

Result = tuple[int, str, str]
EX_USAGE_COREUTILS = 1  # coreutils tools exit 1 on a bad usage; test exits 2


def _q(path: str) -> str:
    """coreutils' quote() in the C locale, for the plain paths plans use."""
    return "'" + path.replace("'", "'\\''") + "'"


def _usage(tool: str, supported: str) -> Result:
    return EX_USAGE_COREUTILS, "", f"{tool}: the simulator supports only `{tool} {supported}`\n"


def _missing(tool: str, after: str | None = None) -> Result:
    what = f"missing destination file operand after {_q(after)}" if after else "missing operand"
    return 1, "", f"{tool}: {what}\nTry '{tool} --help' for more information.\n"


# ---- test, cat, stat, sha256sum --------------------------------------------------------------


def _test(host: SimHost, args: tuple[str, ...], stdin: bytes) -> Result:
    if not args:
        return 1, "", ""
    if len(args) == 1:
        return (0 if args[0] else 1), "", ""
    if len(args) != 2 or args[0] not in ("-e", "-f", "-d", "-s", "-x"):
        return 2, "", "test: the simulator supports only `test -e|-f|-d|-s|-x PATH`\n"
    node = host.fs.get(args[1])
    ok = node is not None and {
        "-e": True,
        "-f": node is not None and not node.is_dir,
        "-d": node is not None and node.is_dir,
        "-s": node is not None and (node.is_dir or bool(node.content)),
        "-x": node is not None and bool(node.mode & 0o111),  # root: any x bit (a directory: searchable)
    }[args[0]]
    return (0 if ok else 1), "", ""


def _cat(host: SimHost, args: tuple[str, ...], stdin: bytes) -> Result:
    if any(a.startswith("-") and a != "-" for a in args):
        return _usage("cat", "PATH...")
    if not args:
        return 0, stdin.decode(errors="surrogateescape"), ""
    out, err, rc = [], [], 0
    for path in args:
        try:
            node = stdin if path == "-" else _file(host.fs, path)
        except FsError as e:
            err.append(f"cat: {path}: {e.words}\n")
            rc = 1
            continue
        out.append(node if isinstance(node, bytes) else node.content)
    return rc, b"".join(out).decode(errors="surrogateescape"), "".join(err)


def _file(fs: HostFS, path: str) -> Inode:
    _, node = fs.lookup(path)
    if node.is_dir:
        raise FsError(errno.EISDIR, path)
    return node


def _stat(host: SimHost, args: tuple[str, ...], stdin: bytes) -> Result:
    if len(args) < 3 or args[0] not in ("-c", "--format") or args[1] == "":
        return _usage("stat", "-c FORMAT PATH...")
    fmt, paths = args[1], args[2:]
    out, err, rc = [], [], 0
    for path in paths:
        try:
            canonical, node = host.fs.lookup(path)
        except FsError as e:
            err.append(f"stat: cannot statx {_q(path)}: {e.words}\n")
            rc = 1
            continue
        line = _format(fmt, path, node, host)
        if line is None:
            return _usage("stat", "-c FORMAT (with %U %G %u %g %a %s %n %F %%) PATH...")
        out.append(line + "\n")
    return rc, "".join(out), "".join(err)


def _format(fmt: str, path: str, node: Inode, host: SimHost) -> str | None:
    fields = {
        "U": node.owner, "G": node.group, "u": str(host.uid(node.owner)), "g": str(host.gid(node.group)),
        "a": f"{node.mode:o}", "s": str(4096 if node.is_dir else len(node.content or b"")), "n": path,
        "F": "directory" if node.is_dir else ("regular file" if node.content else "regular empty file"), "%": "%",
    }
    out, i = [], 0
    while i < len(fmt):
        if fmt[i] == "%" and i + 1 < len(fmt):
            if fmt[i + 1] not in fields:
                return None
            out.append(fields[fmt[i + 1]])
            i += 2
        else:
            out.append(fmt[i])
            i += 1
    return "".join(out)


def _sha256sum(host: SimHost, args: tuple[str, ...], stdin: bytes) -> Result:
    if any(a.startswith("-") and a != "-" for a in args):
        return _usage("sha256sum", "PATH...")
    out, err, rc = [], [], 0
    for path in args or ("-",):
        try:
            data = stdin if path == "-" else _file(host.fs, path).content
        except FsError as e:
            err.append(f"sha256sum: {path}: {e.words}\n")
            rc = 1
            continue
        out.append(f"{hashlib.sha256(data or b'').hexdigest()}  {path}\n")
    return rc, "".join(out), "".join(err)


# ---- cp -p, install, mv -f, rm -f, mkdir -p -------------------------------------------------


def _target(fs: HostFS, src: str, dst: str) -> tuple[str, str]:
    """Where SRC lands given DST: inside DST when it is a directory, as coreutils does.
    Returns (canonical, the spelling the error messages use). Raises _CannotStat when DST
    cannot even be looked at (a regular file on its way); a missing DST is fine."""
    try:
        node = fs.lookup(dst)[1]
    except FsError as e:
        if e.code != errno.ENOENT:
            raise _CannotStat(e.code, dst) from None
        node = None
    if node is not None and node.is_dir:
        spelled = dst.rstrip("/") + "/" + os.path.basename(src.rstrip("/"))
        return fs.resolve(spelled), spelled
    return fs.resolve(dst), dst


class _CannotStat(FsError):
    pass


def _regular_file_target(tool: str, fs, src: str, dst: str) -> str | Result:
    """Where cp/install write DST (inside it when it is a directory), or their error: as
    coreutils words it for a missing parent, a path through a file, or a directory there."""
    try:
        canonical, spelled = _target(fs, src, dst)
        fs.parent_dir(canonical, spelled)
        if (existing := fs.entries.get(canonical)) is not None and existing.is_dir:
            return 1, "", f"{tool}: cannot overwrite directory {_q(spelled)} with non-directory\n"
    except _CannotStat as e:
        return 1, "", f"{tool}: cannot stat {_q(e.path)}: {e.words}\n"
    except FsError as e:
        return 1, "", f"{tool}: cannot create regular file {_q(e.path)}: {e.words}\n"
    return canonical


def _cp(host: SimHost, args: tuple[str, ...], stdin: bytes) -> Result:
    if not args or args[0] != "-p":
        return _usage("cp", "-p SRC DST")
    if len(args) < 3:
        return _missing("cp", args[1]) if len(args) == 2 else _missing("cp")
    if len(args) > 3:
        return _usage("cp", "-p SRC DST")
    src, dst = args[1], args[2]
    fs = host.fs
    try:
        canonical_src, node = fs.lookup(src)
    except FsError as e:
        return 1, "", f"cp: cannot stat {_q(src)}: {e.words}\n"
    if node.is_dir:
        return 1, "", f"cp: -r not specified; omitting directory {_q(src)}\n"
    target = _regular_file_target("cp", fs, src, dst)
    if not isinstance(target, str):
        return target
    if target == canonical_src:  # (a directory target was refused above; src is a file)
        return 1, "", f"cp: {_q(src)} and {_q(_target(fs, src, dst)[1])} are the same file\n"
    fs.entries[target] = Inode(node.owner, node.group, node.mode, node.content)
    return 0, "", ""


def _octal_mode(text: str) -> int | None:
    if not text or any(c not in "01234567" for c in text) or int(text, 8) > 0o7777:
        return None
    return int(text, 8)


def _install(host: SimHost, args: tuple[str, ...], stdin: bytes) -> Result:
    if args[:1] == ("-d",):
        return _install_dir(host, args[1:])
    opts: dict[str, str] = {}
    rest = list(args)
    while rest and rest[0] in ("-m", "-o", "-g"):
        if len(rest) < 2:
            return _usage("install", "[-m MODE] [-o OWNER] [-g GROUP] /dev/stdin DST")
        opts[rest[0]] = rest[1]
        rest = rest[2:]
    if len(rest) == 1:
        return _missing("install", rest[0])
    if len(rest) != 2 or rest[0] != "/dev/stdin":
        return _usage("install", "[-m MODE] [-o OWNER] [-g GROUP] /dev/stdin DST")
    mode = _octal_mode(opts.get("-m", "755"))
    if mode is None:
        return 1, "", f"install: invalid mode {_q(opts['-m'])}\n"
    owner = host.user_name(opts.get("-o", "root"))
    if owner is None:
        return 1, "", f"install: invalid user {_q(opts['-o'])}\n"
    group = host.group_name(opts.get("-g", "root"))
    if group is None:
        return 1, "", f"install: invalid group {_q(opts['-g'])}\n"
    src, dst = rest
    fs = host.fs
    target = _regular_file_target("install", fs, src, dst)
    if not isinstance(target, str):
        return target
    fs.entries[target] = Inode(owner, group, mode, bytes(stdin))
    return 0, "", ""


def _install_dir(host: SimHost, args: tuple[str, ...]) -> Result:
    """install -d [-m MODE] [-o OWNER] [-g GROUP] DIR: the missing parents made 0755
    root:root, DIR itself (new or existing) given the mode, owner and group."""
    opts: dict[str, str] = {}
    rest = list(args)
    while rest and rest[0] in ("-m", "-o", "-g"):
        if len(rest) < 2:
            return _usage("install", "-d [-m MODE] [-o OWNER] [-g GROUP] DIR")
        opts[rest[0]] = rest[1]
        rest = rest[2:]
    if not rest:
        return _missing("install")
    if len(rest) != 1:
        return _usage("install", "-d [-m MODE] [-o OWNER] [-g GROUP] DIR")
    mode = _octal_mode(opts.get("-m", "755"))
    if mode is None:
        return 1, "", f"install: invalid mode {_q(opts['-m'])}\n"
    owner = host.user_name(opts.get("-o", "root"))
    if owner is None:
        return 1, "", f"install: invalid user {_q(opts['-o'])}\n"
    group = host.group_name(opts.get("-g", "root"))
    if group is None:
        return 1, "", f"install: invalid group {_q(opts['-g'])}\n"
    path = rest[0]
    problem = _make_path(host.fs, path)
    if problem:
        return 1, "", problem.replace("mkdir:", "install:", 1)
    node = host.fs.entries[host.fs.resolve(path)]
    node.owner, node.group, node.mode = owner, group, mode
    return 0, "", ""


def _chown(host: SimHost, args: tuple[str, ...], stdin: bytes) -> Result:
    """chown OWNER:GROUP PATH..."""
    if len(args) < 2 or any(a.startswith("-") for a in args) or ":" not in args[0]:
        return _usage("chown", "OWNER:GROUP PATH...")
    spec, paths = args[0], args[1:]
    user, _, group = spec.partition(":")
    owner = host.user_name(user)
    if owner is None:
        return 1, "", f"chown: invalid user: {_q(spec)}\n"
    group_name = host.group_name(group)
    if group_name is None:
        return 1, "", f"chown: invalid group: {_q(spec)}\n"
    err, rc = [], 0
    for path in paths:
        try:
            node = host.fs.lookup(path)[1]
        except FsError as e:
            err.append(f"chown: cannot access {_q(path)}: {e.words}\n")
            rc = 1
            continue
        node.owner, node.group = owner, group_name
    return rc, "", "".join(err)


def _chmod(host: SimHost, args: tuple[str, ...], stdin: bytes) -> Result:
    """chmod OCTAL PATH..."""
    if len(args) < 2 or any(a.startswith("-") for a in args[1:]):
        return _usage("chmod", "OCTAL-MODE PATH...")
    mode = _octal_mode(args[0])
    if mode is None:
        return 1, "", f"chmod: invalid mode: {_q(args[0])}\nTry 'chmod --help' for more information.\n"
    err, rc = [], 0
    for path in args[1:]:
        try:
            node = host.fs.lookup(path)[1]
        except FsError as e:
            err.append(f"chmod: cannot access {_q(path)}: {e.words}\n")
            rc = 1
            continue
        node.mode = mode
    return rc, "", "".join(err)


def _mv(host: SimHost, args: tuple[str, ...], stdin: bytes) -> Result:
    if not args or args[0] != "-f":
        return _usage("mv", "-f SRC DST")
    if len(args) < 3:
        return _missing("mv", args[1]) if len(args) == 2 else _missing("mv")
    if len(args) > 3:
        return _usage("mv", "-f SRC DST")
    src, dst = args[1], args[2]
    fs = host.fs
    try:
        canonical_src, node = fs.lookup(src)
    except FsError as e:
        return 1, "", f"mv: cannot stat {_q(src)}: {e.words}\n"
    try:
        canonical, spelled = _target(fs, src, dst)
        fs.parent_dir(canonical, spelled)
    except _CannotStat as e:
        return 1, "", f"mv: cannot stat {_q(e.path)}: {e.words}\n"
    except FsError as e:
        return 1, "", f"mv: cannot move {_q(src)} to {_q(e.path)}: {e.words}\n"
    if canonical == canonical_src:
        return 1, "", f"mv: {_q(src)} and {_q(spelled)} are the same file\n"
    if canonical.startswith(canonical_src + "/"):
        return 1, "", f"mv: cannot move {_q(src)} to a subdirectory of itself, {_q(spelled)}\n"
    existing = fs.entries.get(canonical)
    if existing is not None and existing.is_dir and not node.is_dir:
        return 1, "", f"mv: cannot overwrite directory {_q(spelled)} with non-directory\n"
    if existing is not None and node.is_dir and not existing.is_dir:
        return 1, "", f"mv: cannot overwrite non-directory {_q(spelled)} with directory {_q(src)}\n"
    if existing is not None and existing.is_dir and fs.files_under(canonical):
        return 1, "", f"mv: cannot move {_q(src)} to {_q(spelled)}: Directory not empty\n"
    fs.rename(canonical_src, canonical)
    return 0, "", ""


def _rm(host: SimHost, args: tuple[str, ...], stdin: bytes) -> Result:
    if not args or args[0] != "-f" or any(a.startswith("-") for a in args[1:]):
        return _usage("rm", "-f PATH...")
    err, rc = [], 0
    for path in args[1:]:
        try:
            canonical, node = host.fs.lookup(path)
        except FsError:
            continue  # -f: a missing file (ENOENT or ENOTDIR) is not an error
        if node.is_dir:
            err.append(f"rm: cannot remove {_q(path)}: Is a directory\n")
            rc = 1
            continue
        host.fs.remove(canonical)
    return rc, "", "".join(err)


def _mkdir(host: SimHost, args: tuple[str, ...], stdin: bytes) -> Result:
    if not args or args[0] != "-p":
        return _usage("mkdir", "-p DIR...")
    if len(args) == 1:
        return _missing("mkdir")
    err, rc = [], 0
    for path in args[1:]:
        problem = _make_path(host.fs, path)
        if problem:
            err.append(problem)
            rc = 1
    return rc, "", "".join(err)


def _make_path(fs: HostFS, path: str) -> str:
    """mkdir -p one path: each missing component made 0755 root:root; the message names the
    component that could not be made, as coreutils does."""
    spelled = "/" if path.startswith("/") else ""
    comps = [c for c in path.split("/") if c]
    for i, comp in enumerate(comps):
        spelled += ("/" if spelled not in ("", "/") else "") + comp
        try:
            canonical = fs.resolve(spelled)
        except FsError as e:
            return f"mkdir: cannot create directory {_q(_before(spelled))}: {e.words}\n"
        node = fs.entries.get(canonical)
        if node is None:
            fs.entries[canonical] = Inode()
        elif not node.is_dir:
            last = i == len(comps) - 1
            return f"mkdir: cannot create directory {_q(spelled)}: {'File exists' if last else 'Not a directory'}\n"
    return ""


def _before(spelled: str) -> str:
    return os.path.dirname(spelled) or spelled


HANDLERS: dict[str, Callable[[SimHost, tuple[str, ...], bytes], Result]] = {
    "test": _test,
    "cat": _cat,
    "stat": _stat,
    "sha256sum": _sha256sum,
    "cp": _cp,
    "install": _install,
    "mv": _mv,
    "rm": _rm,
    "mkdir": _mkdir,
    "chown": _chown,
    "chmod": _chmod,
}


def run(host: SimHost, argv: Sequence[str], stdin: bytes = b"") -> Result:
    return HANDLERS[argv[0]](host, tuple(argv[1:]), stdin)
