"""One simulated host's file system: directories and regular files, each with owner, group
and mode, files with their bytes. No symlinks, no permissions (the console works as root).

Paths are resolved component by component like the kernel does, so the errors the
coreutils emulation reports are the kernel's: ENOENT when a component is missing, ENOTDIR
when a regular file stands where a directory is needed.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass

CWD = "/root"  # where a relative path starts (the console logs in as root)


@dataclass
class Inode:
    owner: str = "root"
    group: str = "root"
    mode: int = 0o755  # permission bits only (07777)
    content: bytes | None = None  # None: a directory

    @property
    def is_dir(self) -> bool:
        return self.content is None


class FsError(Exception):
    """An errno and the path it concerns, worded as strerror (C locale) words it."""

    def __init__(self, code: int, path: str) -> None:
        self.code = code
        self.path = path
        super().__init__(f"{path}: {os.strerror(code)}")

    @property
    def words(self) -> str:
        return os.strerror(self.code)


def absolute(path: str) -> str:
    return path if path.startswith("/") else f"{CWD}/{path}"


class HostFS:
    """Path -> Inode for every entry; the parent of every entry is a directory in the map."""

    def __init__(self) -> None:
        self.entries: dict[str, Inode] = {"/": Inode()}
        for d in ("/etc", "/root", "/tmp", "/var", "/var/lib", "/run", "/usr", "/usr/lib"):
            self.entries[d] = Inode()
        self.entries["/root"].mode = 0o700
        self.entries["/tmp"].mode = 0o1777

    # ---- resolution ---------------------------------------------------------------------

    def resolve(self, path: str) -> str:
        """The canonical path of `path`; every directory on the way must exist (the last
        component need not). Raises FsError(ENOENT | ENOTDIR)."""
        parts: list[str] = []
        comps = [c for c in absolute(path).split("/") if c and c != "."]
        for i, comp in enumerate(comps):
            here = "/" + "/".join(parts)
            node = self.entries.get(here)
            if node is None:
                raise FsError(errno.ENOENT, path)
            if not node.is_dir:
                raise FsError(errno.ENOTDIR, path)
            if comp == "..":
                if parts:
                    parts.pop()
                continue
            parts.append(comp)
        canonical = "/" + "/".join(parts)
        if path.endswith("/") and canonical in self.entries and not self.entries[canonical].is_dir:
            raise FsError(errno.ENOTDIR, path)
        return canonical

    def lookup(self, path: str) -> tuple[str, Inode]:
        """(canonical path, inode) of an existing entry, or FsError."""
        canonical = self.resolve(path)
        node = self.entries.get(canonical)
        if node is None:
            raise FsError(errno.ENOENT, path)
        return canonical, node

    def get(self, path: str) -> Inode | None:
        try:
            return self.lookup(path)[1]
        except FsError:
            return None

    def parent_dir(self, canonical: str, path: str) -> Inode:
        """The directory that would hold `canonical` (ENOENT/ENOTDIR as the kernel)."""
        parent = self.entries.get(os.path.dirname(canonical) or "/")
        if parent is None:
            raise FsError(errno.ENOENT, path)
        if not parent.is_dir:
            raise FsError(errno.ENOTDIR, path)
        return parent

    # ---- changes ------------------------------------------------------------------------

    def write(self, path: str, content: bytes, *, owner: str = "root", group: str = "root", mode: int = 0o644) -> None:
        """Create or replace a regular file (its parent must exist)."""
        canonical = self.resolve(path)
        self.parent_dir(canonical, path)
        existing = self.entries.get(canonical)
        if existing is not None and existing.is_dir:
            raise FsError(errno.EISDIR, path)
        self.entries[canonical] = Inode(owner, group, mode & 0o7777, bytes(content))

    def makedirs(self, path: str, *, owner: str = "root", group: str = "root", mode: int = 0o755) -> None:
        """Scenario helper: mkdir -p without the error reporting."""
        here = ""
        for comp in [c for c in path.split("/") if c]:
            here += "/" + comp
            self.entries.setdefault(here, Inode(owner, group, mode))

    def remove(self, canonical: str) -> None:
        for key in [k for k in self.entries if k == canonical or k.startswith(canonical + "/")]:
            del self.entries[key]

    def rename(self, src: str, dst: str) -> None:
        """Move an entry and everything under it (both canonical; dst's parent exists)."""
        moved = {k: v for k, v in self.entries.items() if k == src or k.startswith(src + "/")}
        self.remove(dst)
        for key in moved:
            del self.entries[key]
        for key, node in moved.items():
            self.entries[dst + key[len(src):]] = node

    def files_under(self, top: str) -> dict[str, Inode]:
        """Every entry strictly under a directory (tests compare trees with it)."""
        top = top.rstrip("/")
        return {k: v for k, v in self.entries.items() if k.startswith(top + "/")}
