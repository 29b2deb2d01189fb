"""pytest fixtures `lab` (Pacemaker 2.1.5, the host's) and `lab3` (3.0.0, Debian 13 root):
one lab per version per test session, shared by every test that asks for it.

Use from anywhere with `pytest_plugins = ["tests.lab.fixtures"]` in tests/conftest.py
(tests/lab/conftest.py imports them too; the registry below keeps that to one lab each)."""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator

import pytest

from dataclasses import replace

from .lab import SPECS, Lab
from .proc import LabError
from .state import Claim, sweep

# Tags a and b belong to the developer CLI (python -m tests.lab); sessions take the first
# free one of these, so two test sessions on one machine get two separate labs.
SESSION_TAGS = "cdefghijklmnopqrstuvwxyz"

_labs: dict[str, list] = {}  # version -> [Lab, users]


def skip_reason() -> str | None:
    """Why the lab cannot run on this machine, or None."""
    if os.geteuid() != 0:
        return "lab tests need root (network namespaces, mounts)"
    if shutil.which("ip") is None:
        return "lab tests need `ip` (iproute2)"
    res = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True)
    if res.returncode != 0:
        return f"`ip netns` is unavailable here: {res.stderr.strip()}"
    if shutil.which("pacemakerd") is None and shutil.which("apt-get") is None:
        return "lab tests need Pacemaker installed, or apt-get to install it"
    return None


def _log(message: str) -> None:
    print(message, file=sys.stderr)


def acquire(version: str) -> Lab:
    """The running lab of `version`, started on first use."""
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    entry = _labs.get(version)
    if entry is None:
        sweep(log=_log, skip={"a", "b"})  # what crashed sessions left behind
        for tag in SESSION_TAGS:
            claim = Claim(tag)
            if claim.try_take():
                break
        else:
            raise LabError("every lab tag is in use by other processes")
        spec = replace(SPECS[version], tag=tag, subnet=ord(tag) - ord("a"))
        lab = Lab(spec, log=_log, claim=claim)
        lab.up()
        entry = _labs[version] = [lab, 0]
    entry[1] += 1
    return entry[0]


def release(version: str) -> None:
    entry = _labs.get(version)
    if entry is None:
        return
    entry[1] -= 1
    if entry[1] <= 0:
        del _labs[version]
        entry[0].down()


@atexit.register
def _down_all() -> None:
    """A session that ends without running fixture finalizers still takes its labs down
    (one killed outright leaves them to the next session's sweep)."""
    for version in list(_labs):
        _labs.pop(version)[0].down()


def _session_lab(version: str) -> Iterator[Lab]:
    lab = acquire(version)
    try:
        yield lab
    finally:
        release(version)


@pytest.fixture(scope="session")
def lab() -> Iterator[Lab]:
    """Pacemaker 2.1.5 lab: node1 (cluster), rn1 (remote), gn1 (guest), all reachable by SSH
    (lab.config_path is a pcmk-console config for it)."""
    yield from _session_lab("2")


@pytest.fixture(scope="session")
def lab3() -> Iterator[Lab]:
    """The same lab with Pacemaker 3.0.0 from a cached Debian 13 root filesystem."""
    yield from _session_lab("3")


# the lab fixtures by name -> the Pacemaker release each runs
VERSIONS = {"lab": "2.1.5", "lab3": "3.0.0"}


@pytest.fixture(params=sorted(VERSIONS))
def anylab(request) -> Lab:
    """The test once per lab (2.1.5 and 3.0.0), each made healthy again first."""
    lab = request.getfixturevalue(request.param)
    lab.ensure_healthy()
    return lab
