"""Pacemaker's own test CIBs: every one parses, and node kinds/states agree with crm_mon's text.

Runs where $PCMK_CTS_DIR (default ../shared/pacemaker-cts from the repository root) and
crm_mon are present; skipped with the reason otherwise. crm_mon renders each CIB twice (XML
and text) in a small thread pool; about 10 s on 2 cores.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tui.pacemaker.cib import join, parse_configuration
from tui.pacemaker.crm_mon import parse_status
from tui.pacemaker.model import NodeKind, Snapshot

REPO = Path(__file__).resolve().parents[2]
CTS = Path(os.environ.get("PCMK_CTS_DIR", REPO.parent / "shared" / "pacemaker-cts"))
CRM_MON = shutil.which("crm_mon")

pytestmark = [
    pytest.mark.skipif(not CTS.is_dir(), reason=f"no Pacemaker CTS data at {CTS} (set PCMK_CTS_DIR)"),
    pytest.mark.skipif(CRM_MON is None, reason="crm_mon is not installed"),
]

LIST = re.compile(r"^\s*\*?\s*(Online|OFFLINE|RemoteOnline|RemoteOFFLINE|GuestOnline|GuestOFFLINE): \[(.*)\]\s*$")
PER_NODE = re.compile(r"^\s*\*?\s*(Node|RemoteNode|GuestNode) (\S+?)(?: \(\S+\))?: (.+?)\s*$")
LIST_KINDS = {
    "Online": ({NodeKind.CLUSTER, NodeKind.PING}, True),
    "OFFLINE": ({NodeKind.CLUSTER, NodeKind.PING}, False),
    "RemoteOnline": ({NodeKind.REMOTE}, True),
    "RemoteOFFLINE": ({NodeKind.REMOTE}, False),
    "GuestOnline": ({NodeKind.GUEST, NodeKind.BUNDLE}, True),
    "GuestOFFLINE": ({NodeKind.GUEST, NodeKind.BUNDLE}, False),
}
LINE_KINDS = {
    "Node": {NodeKind.CLUSTER, NodeKind.PING},
    "RemoteNode": {NodeKind.REMOTE},
    "GuestNode": {NodeKind.GUEST, NodeKind.BUNDLE},
}


def corpus() -> list[Path]:
    if not CTS.is_dir():
        return []
    return sorted((CTS / "scheduler").glob("*.xml")) + sorted((CTS / "cli").glob("*.xml"))


def render(path: Path) -> tuple[Path, subprocess.CompletedProcess, subprocess.CompletedProcess]:
    env = dict(os.environ, CIB_file=str(path))
    xml = subprocess.run([CRM_MON, "-1", "--inactive", "--output-as=xml"], env=env,
                         capture_output=True, timeout=60)
    text = subprocess.run([CRM_MON, "-1"], env=env, capture_output=True, text=True, timeout=60)
    return path, xml, text


@pytest.fixture(scope="module")
def rendered():
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(render, corpus()))


def text_claims(text: str):
    """(name, allowed kinds, online or None, per-node state text or None) from crm_mon's text."""
    in_nodes = False
    for line in text.splitlines():
        if line.startswith("Node List:"):
            in_nodes = True
            continue
        if in_nodes and line and not line.startswith(" "):
            break
        if not in_nodes:
            continue
        if m := LIST.match(line):
            kinds, online = LIST_KINDS[m.group(1)]
            for name in m.group(2).split():
                yield name, kinds, online, None
        elif m := PER_NODE.match(line):
            yield m.group(2), LINE_KINDS[m.group(1)], None, m.group(3)


def check_state(node, state: str) -> list[str]:
    problems = []
    words = state.lower()
    if "unclean" in words and not node.unclean:
        problems.append("text says UNCLEAN")
    if "(offline)" in words or words.startswith("offline"):
        if node.online:
            problems.append("text says offline")
    elif ("(online)" in words or words.startswith("online")) and not node.online:
        problems.append("text says online")
    if words.startswith("standby") and not node.standby:
        problems.append("text says standby")
    if words.startswith("maintenance") and not node.maintenance:
        problems.append("text says maintenance")
    return problems


def test_corpus_is_there():
    assert len(corpus()) >= 100


def test_every_cib_parses_and_agrees_with_crm_mon_text(rendered):
    problems = []
    totals = {kind: 0 for kind in NodeKind}
    for path, xml, text in rendered:
        assert xml.returncode == 0, f"{path.name}: crm_mon exit {xml.returncode}"
        outcome = parse_status(xml.stdout, xml.returncode, xml.stderr.decode(errors="replace"))
        if not isinstance(outcome, Snapshot):
            problems.append(f"{path.name}: {outcome.condition}")
            continue
        by = {n.name: n for n in outcome.nodes}
        for kind in NodeKind:
            totals[kind] += sum(1 for n in outcome.nodes if n.kind is kind)
        listed = set()
        for name, kinds, online, state in text_claims(text.stdout):
            listed.add(name)
            node = by.get(name)
            if node is None:
                problems.append(f"{path.name}: {name} in text, not in XML")
                continue
            if node.kind not in kinds:
                problems.append(f"{path.name}: {name} is {node.kind}, text says {sorted(kinds)}")
            if online is not None and node.online is not online:
                problems.append(f"{path.name}: {name} online={node.online}, text says {online}")
            if state is not None:
                problems += [f"{path.name}: {name}: {p} ({state!r})" for p in check_state(node, state)]
        # every online node crm_mon knows is shown somewhere in its text
        for node in outcome.nodes:
            if node.online and node.name not in listed:
                problems.append(f"{path.name}: online {node.kind} {node.name} missing from text")
    assert not problems, "\n".join(problems[:40])
    # the corpus exercises every kind but ping
    assert totals[NodeKind.REMOTE] and totals[NodeKind.GUEST] and totals[NodeKind.BUNDLE]


def test_every_cib_configuration_joins(rendered):
    """parse_configuration reads every corpus CIB; joined remotes/guests get an address and port."""
    problems = []
    for path, xml, _text in rendered:
        outcome = parse_status(xml.stdout)
        facts = parse_configuration(path.read_bytes())
        joined = join(outcome, facts)
        for node in joined.nodes:
            if node.kind in (NodeKind.REMOTE, NodeKind.GUEST, NodeKind.BUNDLE):
                if not node.address or not node.port:
                    problems.append(f"{path.name}: {node.name} has no address/port after join")
            if node.kind is NodeKind.REMOTE and node.name in facts.remotes:
                server = facts.remotes[node.name].server
                if server and node.address != server:
                    problems.append(f"{path.name}: {node.name} address {node.address} != {server}")
            orphans = {r.id for r in joined.all_resources() if r.orphaned}
            if node.kind is NodeKind.GUEST and node.name not in facts.guests \
                    and node.container_resource not in orphans:  # removed from the config
                problems.append(f"{path.name}: guest {node.name} has no remote-node primitive in the CIB")
    assert not problems, "\n".join(problems[:40])
