"""Pacemaker's own test CIBs: every one parses, node kinds/states agree with crm_mon's text,
and so does every word crm_mon prints about a resource (tui.pacemaker.vocabulary's markers).

Runs where $PCMK_CTS_DIR (default ../shared/pacemaker-cts from the repository root) and
crm_mon are present; skipped with the reason otherwise. crm_mon renders each CIB three times
(XML, text, detailed text) in a small thread pool; about 15 s on 2 cores.
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
from tui.pacemaker.crm_mon import Reuse, parse_status
from tui.pacemaker.model import NodeKind, ResourceKind, Snapshot
from tui.pacemaker.vocabulary import Severity, resource_state

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


def render_detail(path: Path) -> str:
    """crm_mon's text with every resource on its own line (inactive, implicit, each instance)."""
    env = dict(os.environ, CIB_file=str(path))
    return subprocess.run([CRM_MON, "-1", "--inactive", "--show-detail"], env=env,
                          capture_output=True, text=True, timeout=60).stdout


@pytest.fixture(scope="module")
def rendered():
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(render, corpus()))


@pytest.fixture(scope="module")
def detailed(rendered):
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(render_detail, [path for path, _xml, _text in rendered]))


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


def test_every_output_parses_the_same_with_the_reuse_of_the_one_before(rendered):
    """One Reuse through the whole corpus (each output follows another cluster's, and then
    itself): every parse equals the parse without it."""
    reuse = Reuse()
    for path, xml, _text in rendered + rendered[:20]:
        for _ in range(2):
            assert parse_status(xml.stdout, reuse=reuse) == parse_status(xml.stdout), path.name


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


# --- what crm_mon prints about each resource -------------------------------------------------

# "<name>\t(<agent>):\t <words>", crm_mon's line for one primitive or one bundle replica
RESOURCE_LINE = re.compile(r"^\s*\* (?P<name>\S+)(?: \((?P<ip>[^()]*)\))?\t\([^\t]*\):\t(?P<rest>.*)$")
# group/clone/bundle headers, with the words crm_mon puts in parentheses
HEADER_LINE = re.compile(
    r"^\s*\* (?:Resource Group: (?P<group>\S+)|Clone Set: (?P<clone>\S+) \[\S+\]"
    r"|Container bundle(?: set)?: (?P<bundle>\S+) \[[^\]]*\])(?P<flags>(?: \([^()]*\))*):$")
ROLES = {"Started", "Stopped", "Promoted", "Unpromoted", "Starting", "Stopping", "Migrating",
         "Promoting", "Demoting", "Unknown", "Master", "Slave"}
PREFIX_WORDS = ("ORPHANED", "FAILED")
# words of a header that name a kind, not a state (the tree shows them as the kind)
KIND_WORDS = {"promotable", "unique"}
# a group's "2 members inactive": a count for the view without --inactive, not a state
INACTIVE_COUNT = re.compile(r"^\d+ members? inactive$")


def line_claims(rest: str) -> tuple[tuple[str, ...], str | None, bool]:
    """crm_mon's words after the agent -> (markers in order, the node it names, several nodes)."""
    several = False
    if m := re.search(r" \[ [^\]]* \]$", rest):
        several, rest = True, rest[:m.start()]
    rest = re.sub(r" \([^()]*\) (?= |$)", " ", rest)  # a failed probe: "Stopped (not installed) "
    flags: tuple[str, ...] = ()
    if m := re.search(r" \(([^()]*)\)\s*$", rest):
        flags, rest = tuple(m.group(1).split(", ")), rest[:m.start()]
    words = rest.split()
    prefix = tuple(w for w in words[:2] if w in PREFIX_WORDS)
    words = words[len(prefix):]
    if words and words[0] in ROLES:
        words = words[1:]
    return prefix + flags, (words[0] if words and not several else None), several


def named_like(snapshot: Snapshot, name: str):
    """The model resources crm_mon may print as `name`: primitives, and bundle replicas
    (whose one-line form is named after the replica's connection, else its container)."""
    for resource in snapshot.all_resources():
        if resource.kind is ResourceKind.PRIMITIVE and resource.id == name:
            yield resource
        elif resource.kind is ResourceKind.REPLICA and any(
                c.id == name and c.implicit and c.agent and c.agent.startswith(
                    ("ocf:pacemaker:remote", "ocf:heartbeat:docker", "ocf:heartbeat:podman",
                     "ocf:heartbeat:rkt")) for c in resource.children):
            yield resource


def check_resource_lines(name: str, text: str, snapshot: Snapshot, seen: dict) -> list[str]:
    problems = []
    for line in text.splitlines():
        if m := HEADER_LINE.match(line):
            rid = m.group("group") or m.group("clone") or m.group("bundle")
            words = {w for group in re.findall(r"\(([^()]*)\)", m.group("flags"))
                     for w in group.split(", ") if not INACTIVE_COUNT.match(w)} - KIND_WORDS
            candidates = [r for r in snapshot.all_resources() if r.id == rid and r.children]
            got = [set(resource_state(r, snapshot).markers) for r in candidates]
            if words not in got:
                problems.append(f"{name}: {rid}: crm_mon says {sorted(words)}, we say {got}")
            for word in words:
                seen[word] = seen.get(word, 0) + 1
            continue
        m = RESOURCE_LINE.match(line)
        if m is None:
            continue
        markers, node, several = line_claims(m.group("rest"))
        for word in markers:
            seen[word] = seen.get(word, 0) + 1
        candidates = list(named_like(snapshot, m.group("name")))
        if not candidates:
            problems.append(f"{name}: {m.group('name')} in crm_mon's text, not in the model")
            continue
        states = [resource_state(r, snapshot) for r in candidates]
        if not any(s.markers == markers and s.node == node for s in states):
            problems.append(f"{name}: {line.strip()!r}: crm_mon says {markers} on {node}, we say "
                            + ", ".join(f"{s.markers} on {s.node}" for s in states))
        # danger is never coloured as fine
        if any(w in markers for w in ("FAILED", "UNCLEAN", "blocked")) and any(
                s.markers == markers and s.severity is not Severity.CRITICAL for s in states):
            problems.append(f"{name}: {line.strip()!r} is not critical in our vocabulary")
    return problems


def test_every_resource_flag_crm_mon_prints_is_in_our_markers(rendered, detailed):
    """Each resource line and group/clone/bundle header of crm_mon's text, in the default view
    (bundle replicas on one line) and the detailed one (every instance, implicit resources,
    inactive ones), against resource_state: the same words in the same order, the same node."""
    problems = []
    seen: dict[str, int] = {}
    for (path, xml, text), detail in zip(rendered, detailed):
        snapshot = parse_status(xml.stdout)
        assert isinstance(snapshot, Snapshot), path.name
        problems += check_resource_lines(path.name, text.stdout, snapshot, seen)
        problems += check_resource_lines(path.name + " -R", detail, snapshot, seen)
    assert not problems, f"{len(problems)} disagreements:\n" + "\n".join(problems[:40])
    # the corpus exercises the dangerous words this test exists for
    for word in ("FAILED", "ORPHANED", "UNCLEAN", "unmanaged", "disabled"):
        assert seen.get(word), f"no {word} in the corpus text: the parser of crm_mon's lines broke"


def test_implicit_resources_are_exactly_the_ones_crm_mon_hides(rendered, detailed):
    """crm_mon's default text leaves out Pacemaker's own resources (a guest's connection, a
    bundle replica's IP, container and connection); --show-detail shows them. Our `implicit`
    flag marks exactly the primitives only the detailed text names."""
    problems = []
    checked = 0
    for (path, xml, text), detail in zip(rendered, detailed):
        snapshot = parse_status(xml.stdout)
        plain_names = {m.group("name") for line in text.stdout.splitlines()
                       if (m := RESOURCE_LINE.match(line))}
        detail_names = {m.group("name") for line in detail.splitlines()
                        if (m := RESOURCE_LINE.match(line))}
        # a replica prints on one line by default (checked above); clone instances as lists
        bundled = {c.id for r in snapshot.all_resources()
                   if r.kind in (ResourceKind.REPLICA, ResourceKind.CLONE) for c in r.walk()}
        for r in snapshot.all_resources():
            if r.kind is not ResourceKind.PRIMITIVE or r.id not in detail_names:
                continue
            if r.id in bundled:
                continue
            hidden = r.id not in plain_names and r.active  # the default text omits stopped ones
            checked += r.implicit
            if r.implicit and r.id in plain_names:
                problems.append(f"{path.name}: {r.id} marked implicit, crm_mon shows it")
            elif hidden and not r.implicit:
                problems.append(f"{path.name}: {r.id} hidden by crm_mon, not marked implicit")
    assert not problems, "\n".join(problems[:40])
    assert checked >= 20  # guest connections outside bundles, across the corpus
