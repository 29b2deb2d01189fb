"""Every pane shows one row per element crm_mon reports, across Pacemaker's own test CIBs.

The Bans pane once keyed rows by constraint id, so a rule banning a resource from several nodes
showed only the last node (the demo has 14 bans, the pane showed 3). The row-building functions
(tui.ui.tables, tui.ui.present) are checked directly against crm_mon's XML for every CIB of the
CTS corpus; one pilot check shows the widgets hold the same rows.
"""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.pacemaker.test_corpus import CRM_MON, CTS, corpus, render
from tests.ui.helpers import first_refresh, make_app
from tests.ui.sample import FakeSession, sample_snapshot
from tui.pacemaker.crm_mon import parse_status
from tui.pacemaker.model import Ban, Snapshot
from tui.ui import present, tables
from tui.ui.present import CLUSTER_PANE, GUEST_PANE, REMOTE_PANE, ViewOptions
from tui.ui.widgets.resource_tree import _leaves

corpus_needed = [
    pytest.mark.skipif(not CTS.is_dir(), reason=f"no Pacemaker CTS data at {CTS} (set PCMK_CTS_DIR)"),
    pytest.mark.skipif(CRM_MON is None, reason="crm_mon is not installed"),
]


def test_one_rule_banning_a_resource_from_several_nodes_shows_every_node():
    bans = tuple(Ban("ban-by-rule", "db", node, weight=-1000000) for node in ("n1", "n2", "n3"))
    snap = dataclasses.replace(sample_snapshot(), bans=bans + (Ban("other", "web", "n1"),))
    _cols, rows = tables.bans(snap)
    assert sorted(row[2][0] for row in rows.values() if row[0][0] == "ban-by-rule") == ["n1", "n2", "n3"]
    assert len(rows) == 4


def expected_counts(root: ET.Element) -> dict[str, int]:
    """Element counts in crm_mon's XML, one per pane."""
    counts = {CLUSTER_PANE: 0, REMOTE_PANE: 0, GUEST_PANE: 0}
    for node in root.iterfind("nodes/node"):
        if node.get("type") == "remote":
            counts[GUEST_PANE if node.get("id_as_resource") else REMOTE_PANE] += 1
        else:  # member, ping
            counts[CLUSTER_PANE] += 1
    counts["failures"] = len(root.findall("failures/failure"))
    counts["fencing"] = len(root.findall("fence_history/fence_event"))
    counts["tickets"] = len(root.findall("tickets/ticket"))
    counts["bans"] = len(root.findall("bans/ban"))
    counts["failcounts"] = sum(1 for h in root.iterfind("node_history/node/resource_history")
                               if int(h.get("fail-count", "0") or 0) > 0)
    counts["resources"] = len(root.findall("resources//resource"))
    return counts


def pane_counts(snap: Snapshot) -> dict[str, int]:
    """Rows each pane would show for `snap`, from the functions the panes call."""
    counts = {pane: len({n.name: n for n in present.pane_nodes(snap, pane)})
              for pane in (CLUSTER_PANE, REMOTE_PANE, GUEST_PANE)}
    counts["failures"] = len(tables.failures(snap)[1])
    counts["fencing"] = len(tables.fencing(snap, 2)[1])
    counts["tickets"] = len(tables.tickets(snap)[1])
    counts["bans"] = len(tables.bans(snap)[1])
    counts["failcounts"] = len(tables.failcounts(snap)[1])
    # with details (R) the tree shows every resource crm_mon's XML lists, implicit ones too
    # (which ones crm_mon's text hides is tests/pacemaker/test_corpus.py's business)
    counts["resources"] = sum(1 for _ in _leaves(snap.resources, ViewOptions(details=True)))
    return counts


@pytest.fixture(scope="module")
def corpus_xml():
    with ThreadPoolExecutor(max_workers=2) as pool:
        return [(path, xml.stdout) for path, xml, _text in pool.map(render, corpus())]


@corpus_needed[0]
@corpus_needed[1]
def test_every_pane_has_one_row_per_crm_mon_element(corpus_xml):
    problems = []
    checked = 0
    for path, xml in corpus_xml:
        outcome = parse_status(xml)
        if not isinstance(outcome, Snapshot):
            continue  # a CIB crm_mon cannot render: test_corpus covers those
        checked += 1
        want, got = expected_counts(ET.fromstring(xml)), pane_counts(outcome)
        wrong = {k: (got[k], want[k]) for k in want if got[k] != want[k]}
        if wrong:
            problems.append(f"{path.name}: (shown, crm_mon) {wrong}")
    assert checked > 50
    assert not problems, "\n".join(problems)


async def test_the_widgets_hold_the_rows_the_functions_build():
    bans = tuple(Ban("ban-by-rule", "db", node, weight=-1000000) for node in ("n1", "n2", "n3"))
    snap = dataclasses.replace(sample_snapshot(), bans=bans)
    app = make_app(FakeSession([snap]))
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        main = app._main()
        for tab in ("nodes", "resources", "failures", "fencing", "tickets", "bans"):
            main.action_show(tab)
            await pilot.pause()
        want = pane_counts(snap)
        shown = {
            CLUSTER_PANE: main.query_one("#cluster-nodes").row_count,
            REMOTE_PANE: main.query_one("#remote-nodes").row_count,
            GUEST_PANE: main.query_one("#guest-nodes").row_count,
            "failures": main.query_one("#failed-actions").row_count,
            "fencing": main.query_one("#fence-history").row_count,
            "tickets": main.query_one("#ticket-table").row_count,
            "bans": main.query_one("#ban-table").row_count,
            "failcounts": main.query_one("#failcounts").row_count,
            "resources": main.query_one("#resource-tree").leaf_count(),
        }
        assert shown == want
        assert shown["bans"] == 3

