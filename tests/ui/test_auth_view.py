"""The auth view in the console: the node panes' Auth column, the node detail's
Authentication section, and how the app reads it (after the first status, every 60 s, after
a plan run; a failed read is `?` plus why, never a crash; AuthChanged under a modal waits).

The collector is a stand-in returning authview.NodeAuth values the test chooses (the real
collect_auth is tested in tests/ops; the demo's end to end is in test_certs_wizard.py).
"""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from tests import hostile
from tests.ui.helpers import first_refresh, until
from tests.ui.sample import FROZEN, FakeConfig, FakeSession, frozen_clock
from tui.ops.certs.authview import AuthSettings, NodeAuth
from tui.ops.certs.pki import CertFacts
from tui.ui.app import PcmkConsoleApp
from tui.ui.authcells import AuthView
from tui.ui.screens.main import MainScreen
from tui.ui.screens.node_detail import NodeDetail
from tui.ui.widgets.keyed_table import KeyedTable

NOW = dt.datetime.fromtimestamp(FROZEN, tz=dt.timezone.utc)
KEY = "ab" * 32
CA = ":".join(["CA"] * 32)


def cert(days: int, *, subject="CN=node1", issuer="CN=pcmk-console CA alpha") -> CertFacts:
    return CertFacts(subject=subject, issuer=issuer, not_before=NOW - dt.timedelta(days=30),
                     not_after=NOW + dt.timedelta(days=days, hours=1), serial=0x1234,
                     sha256=":".join(["5E"] * 32), is_ca=False, server_auth=True, client_auth=True)


def x509(name, kind="cluster", days=212, **kw) -> NodeAuth:
    settings = AuthSettings("/etc/pacemaker/tls/ca.crt", "/etc/pacemaker/tls/node.crt",
                            "/etc/pacemaker/tls/node.key", mode="x509")
    fields = dict(node=name, kind=kind, version_ok=True, mode="x509", missing=(),
                  authkey_path="/etc/pacemaker/authkey", authkey_sha256=KEY,
                  cert=cert(days, subject=f"CN={name}"), ca_sha256=CA, problems=(), reachable=True,
                  version="3.0.0", settings=settings)
    fields.update(kw)
    return NodeAuth(**fields)


def psk(name, kind="cluster", key=KEY, **kw) -> NodeAuth:
    fields = dict(node=name, kind=kind, version_ok=True, mode="psk", missing=(),
                  authkey_path="/etc/pacemaker/authkey", authkey_sha256=key, cert=None, ca_sha256=None,
                  problems=(), reachable=True, version="3.0.0")
    fields.update(kw)
    return NodeAuth(**fields)


def partial(name, kind="remote") -> NodeAuth:
    settings = AuthSettings("/etc/pacemaker/tls/ca.crt", None, "/etc/pacemaker/tls/node.key", mode="partial",
                            missing=("PCMK_cert_file",))
    return psk(name, kind, mode="partial", missing=("PCMK_cert_file",), settings=settings,
               problems=("X.509 is half configured (PCMK_cert_file not set): the daemon stays on PSK",))


def unreachable(name, kind="remote") -> NodeAuth:
    return NodeAuth(name, kind, True, "psk", (), "/etc/pacemaker/authkey", None, None, None,
                    (f"cannot reach {name}: connection refused",), False, "3.0.0")


def all_x509(**days) -> tuple[NodeAuth, ...]:
    kinds = {"node1": "cluster", "node2": "cluster", "node3": "cluster", "remote1": "remote",
             "remote2": "remote", "guest1": "guest"}
    return tuple(x509(n, k, days.get(n, 212)) for n, k in kinds.items())


MIXED = (x509("node1"), x509("node2", days=10), x509("node3", days=-3), partial("remote1"),
         unreachable("remote2"), psk("guest1", "guest"))


class Collector:
    """Hands out the given answers in order (the last repeats); an Exception is raised."""

    def __init__(self, *answers) -> None:
        self.answers = list(answers)
        self.calls = 0
        self.gate: asyncio.Event | None = None

    async def __call__(self, session, snapshot):
        index = min(self.calls, len(self.answers) - 1)
        self.calls += 1
        if self.gate is not None:
            await self.gate.wait()
        answer = self.answers[index]
        if isinstance(answer, Exception):
            raise answer
        return answer


def auth_app(collector, session=None, **kw) -> PcmkConsoleApp:
    return PcmkConsoleApp(session or FakeSession(), FakeConfig(), clock=frozen_clock, cursor_blink=False,
                          auth_collector=collector, **kw)


async def auth_read(app, pilot, count: int = 1) -> None:
    await first_refresh(app, pilot)
    await until(pilot, lambda: app.auth_reads >= count)
    await pilot.pause()


def cell(app, table_id: str, node: str):
    table = app.screen.query_one(f"#{table_id}", KeyedTable)
    columns = [key for key, _ in table._keyed_columns]
    row = table.row_data(node)
    return row[columns.index("auth")] if row else None


# --- the pure view ------------------------------------------------------------------------------

def test_cells_say_the_mode_and_days_and_level():
    view = AuthView.of(MIXED, now=NOW)
    assert view.cell("node1") == ("X.509 212d", "node-online")
    assert view.cell("guest1") == ("PSK", "error")  # mixed modes: the odd one out cannot connect
    assert AuthView.of(all_x509(), now=NOW).cell("node1") == ("X.509 212d", "node-online")
    expiring = AuthView.of(all_x509(node2=10, node3=-3), now=NOW)
    assert expiring.cell("node2") == ("X.509 10d", "warning")
    assert expiring.cell("node3") == ("X.509 expired", "error")
    assert expiring.level("node1") == "ok"
    assert view.cell("remote1") == ("partial", "error")
    assert view.cell("remote2") == ("?", "warning")
    assert AuthView().cell("node1") == ("?", "muted")
    assert AuthView.of(None, error="boom").cell("node1") == ("?", "warning")


def test_psk_cluster_and_a_different_authkey():
    nodes = (psk("node1"), psk("node2"), psk("remote1", "remote", key="cd" * 32))
    view = AuthView.of(nodes, now=NOW)
    assert view.cell("node1") == ("PSK", None)
    assert view.cell("remote1") == ("PSK", "error")
    words = dict((label, value) for label, value, _ in view.detail("remote1"))
    assert "differs from node1, node2" in words["authkey"]
    assert "sha256 cdcdcdcdcdcd…" in words["authkey"] and "cd" * 32 not in words["authkey"]
    assert "differs from remote1" in dict((l, v) for l, v, _ in view.detail("node1"))["authkey"]
    same = AuthView.of(nodes[:2], now=NOW)
    assert "same as the other nodes" in dict((l, v) for l, v, _ in same.detail("node1"))["authkey"]


def test_detail_of_an_x509_node():
    view = AuthView.of(all_x509(node2=10), now=NOW)
    rows = {label: (value, token) for label, value, token in view.detail("node2")}
    assert rows["mode in effect"] == ("X.509", "warning")
    assert rows["certificate subject"][0] == "CN=node2"
    assert rows["issuer"][0] == "CN=pcmk-console CA alpha"
    assert rows["not after"] == ("2026-01-11 01:00 UTC (10 day(s) left)", "warning")
    assert rows["CA fingerprint"][0] == CA
    assert rows["Pacemaker"][0] == "3.0.0"
    assert rows["problems"][0] == "none"


def test_detail_says_why_when_unknown():
    assert "not read yet" in AuthView().detail("node1")[1][1]
    assert "could not be read: OSError: no pool" in AuthView.of(None, error="OSError: no pool").detail("node1")[1][1]
    rows = AuthView.of(MIXED, now=NOW).detail("remote2")
    assert rows[1] == ("why", "cannot reach remote2: connection refused", None)


def test_configured_mode_shown_when_it_differs():
    old = x509("node1", mode="psk", cert=None, version="2.1.5", version_ok=False,
               problems=("Pacemaker 2.1.5 ignores PCMK_ca_file: PSK is in effect (X.509 needs 3.0.0)",))
    rows = {label: value for label, value, _ in AuthView.of((old,), now=NOW).detail("node1")}
    assert rows["mode in effect"] == "PSK" and rows["configured mode"] == "X.509"
    assert rows["Pacemaker"] == "2.1.5 (X.509 needs 3.0.0 or later)"


# --- the app -----------------------------------------------------------------------------------

async def test_column_after_the_first_read():
    collector = Collector(MIXED)
    app = auth_app(collector)
    async with app.run_test(size=(160, 45)) as pilot:
        await auth_read(app, pilot)
        assert cell(app, "cluster-nodes", "node1")[0] == "X.509 212d"
        assert cell(app, "cluster-nodes", "node2")[0] == "X.509 10d"
        assert cell(app, "cluster-nodes", "node3")[0] == "X.509 expired"
        assert cell(app, "remote-nodes", "remote1")[0] == "partial"
        assert cell(app, "remote-nodes", "remote2")[0] == "?"
        assert cell(app, "guest-nodes", "guest1")[0] == "PSK"
        assert cell(app, "guest-nodes", "web-bundle-0")[0] == ""  # a bundle replica: not one the view reads


async def test_no_collector_no_column():
    app = PcmkConsoleApp(FakeSession(), FakeConfig(), clock=frozen_clock, cursor_blink=False)
    async with app.run_test() as pilot:
        await first_refresh(app, pilot)
        table = app.screen.query_one("#cluster-nodes", KeyedTable)
        assert "auth" not in [key for key, _ in table._keyed_columns]
        assert app.auth_reads == 0


async def test_failed_read_is_a_question_mark_and_the_detail_says_why():
    collector = Collector(RuntimeError("the pool is closed"), all_x509())
    app = auth_app(collector)
    async with app.run_test(size=(120, 36)) as pilot:
        await auth_read(app, pilot)
        assert isinstance(app.screen, MainScreen) and not app.worker_errors
        assert cell(app, "cluster-nodes", "node1") == ("?", "warning")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, NodeDetail))
        rows = dict((label, value) for label, value, _ in app.screen.auth.detail("node1"))
        assert rows["why"] == "the auth view could not be read: RuntimeError: the pool is closed"
        from rich.console import Console
        console = Console(width=300, record=True, color_system=None)
        console.print(app.screen.query_one("#auth").content)
        assert "RuntimeError: the pool is closed" in console.export_text()  # on screen, not only in the data
        await pilot.press("escape")
        app.refresh_auth()
        await until(pilot, lambda: app.auth_reads >= 2)
        await pilot.pause()
        assert cell(app, "cluster-nodes", "node1")[0] == "X.509 212d"


async def test_auth_changed_under_a_modal_is_rendered_after():
    collector = Collector(tuple(psk(n.node, n.kind) for n in all_x509()), all_x509())
    app = auth_app(collector)
    async with app.run_test(size=(120, 36)) as pilot:
        await auth_read(app, pilot)
        assert cell(app, "cluster-nodes", "node1")[0] == "PSK"
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, NodeDetail))
        main = app.screen_stack[-2]
        table = main.query_one("#cluster-nodes", KeyedTable)
        app.refresh_auth()
        await until(pilot, lambda: app.auth_reads >= 2)
        await pilot.pause()
        assert main.auth_view().cell("node1")[0] == "X.509 212d"  # stored
        columns = [key for key, _ in table._keyed_columns]
        assert table.row_data("node1")[columns.index("auth")][0] == "PSK"  # not rendered under the modal
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is main)
        await pilot.pause()
        assert cell(app, "cluster-nodes", "node1")[0] == "X.509 212d"


async def test_read_again_after_a_plan_and_on_the_interval():
    collector = Collector(all_x509())
    app = auth_app(collector)
    async with app.run_test() as pilot:
        await auth_read(app, pilot)
        from tui.ops import actions
        app.apply_plan(actions.standby("node1", True))
        await until(pilot, lambda: app.plans_finished >= 1)
        await until(pilot, lambda: app.auth_reads >= 2)
        app.auth_interval = 0.05  # the next wait is short: the loop reads again by itself
        app.refresh_auth()
        await until(pilot, lambda: app.auth_reads >= 5)


async def test_a_slow_read_never_blocks_the_ui():
    collector = Collector(all_x509())
    collector.gate = asyncio.Event()
    app = auth_app(collector)
    async with app.run_test() as pilot:
        await first_refresh(app, pilot)
        await until(pilot, lambda: collector.calls == 1)
        await pilot.press("2")  # keys still work while the read hangs
        await until(pilot, lambda: app.screen.active_tab == "resources")
        assert app.auth_reads == 0
        collector.gate.set()
        await until(pilot, lambda: app.auth_reads == 1)


async def test_detail_section_of_each_kind():
    app = auth_app(Collector(MIXED))
    async with app.run_test(size=(120, 45)) as pilot:
        await auth_read(app, pilot)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, NodeDetail))
        screen = app.screen
        assert screen.query_one("#auth").display
        rows = dict((label, value) for label, value, _ in screen.auth.detail("node1"))
        assert rows["certificate subject"] == "CN=node1"


@pytest.mark.parametrize("bad", [s for s in hostile.ALL if len(s) < 1000] + ["y" * 5000])
async def test_hostile_strings_render_as_text(bad):
    from rich.console import Console

    from tui.plaintext import one_line
    node = x509("node1", cert=cert(100, subject=bad, issuer=bad), problems=(bad,), authkey_path=bad, version=bad)
    rest = [n for n in all_x509() if n.node != "node1"]
    app = auth_app(Collector((node, *rest)))
    async with app.run_test(size=(120, 40)) as pilot:
        await auth_read(app, pilot)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, NodeDetail))
        await pilot.pause()
        console = Console(width=400, record=True, color_system=None)
        console.print(app.screen.query_one("#auth").content)  # the rich table as the Static holds it
        shown = console.export_text()
        assert not hostile.raw_controls(shown)
        assert not app.worker_errors
        if bad in hostile.MARKUP:  # the markup shows as the characters it is made of
            assert one_line(bad)[:60] in shown.replace("\n", "")
