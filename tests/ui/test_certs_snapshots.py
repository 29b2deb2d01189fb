"""Screenshots of the certificate wizard and of the auth view (pytest-textual-snapshot; frozen
clock, fixed size, a fixed run id): the convert wizard's inputs, review and finished pages
(with the stand-in tests/ui/test_certs_wizard.FakeCerts, so they do not move when the real
plan changes), the node panes' Auth column at 80x24 and 160x45, and the node detail's
Authentication section.

Regenerate after an intended change with
`pytest tests/ui/test_certs_snapshots.py --snapshot-update`, turn the SVGs into PNGs
(rsvg-convert) and look at them.
"""

from __future__ import annotations

import pytest

from tests.ui.helpers import until, without_toasts
from tests.ui.test_auth_view import MIXED, Collector, all_x509, auth_app, auth_read
from tests.ui.test_certs_wizard import FakeCerts, open_certs, session, to_result, to_review
from tui.ui.screens import certs_flow
from tui.ui.screens.node_detail import NodeDetail

SIZE = (120, 40)


@pytest.fixture
def fake(monkeypatch) -> FakeCerts:
    api = FakeCerts(env=True)
    monkeypatch.setattr(certs_flow, "_certs_api", api.modules)
    return api


def certs_app():
    from tests.ui.helpers import make_app
    return make_app(session())


def test_convert_inputs_page(snap_compare, fake):
    async def run_before(pilot) -> None:
        await open_certs(pilot)
        await without_toasts(pilot.app, pilot)

    assert snap_compare(certs_app(), terminal_size=SIZE, run_before=run_before)


def test_convert_inputs_page_files(snap_compare, fake):
    async def run_before(pilot) -> None:
        screen = await open_certs(pilot, ca="files", ca_file="/etc/pki/pcmk/ca.crt",
                                  cert_file="/etc/pki/pcmk/{node}.crt", key_file="/etc/pki/pcmk/{node}.key")
        await pilot.pause()
        screen.query_one("#field-ca").focus()
        await without_toasts(pilot.app, pilot)

    assert snap_compare(certs_app(), terminal_size=SIZE, run_before=run_before)


def test_convert_review_page(snap_compare, fake):
    async def run_before(pilot) -> None:
        await to_review(pilot)
        await without_toasts(pilot.app, pilot)

    assert snap_compare(certs_app(), terminal_size=SIZE, run_before=run_before)


def test_convert_finished_page(snap_compare, monkeypatch):
    api = FakeCerts()  # RunSteps for the env files: the stand-in session has no files to edit
    monkeypatch.setattr(certs_flow, "_certs_api", api.modules)

    async def run_before(pilot) -> None:
        await to_result(pilot)
        await without_toasts(pilot.app, pilot)

    assert snap_compare(certs_app(), terminal_size=SIZE, run_before=run_before)


def test_convert_failed_verification_page(snap_compare, monkeypatch):
    api = FakeCerts(fail_at="wait-online")
    monkeypatch.setattr(certs_flow, "_certs_api", api.modules)

    async def run_before(pilot) -> None:
        await to_result(pilot)
        await without_toasts(pilot.app, pilot)

    assert snap_compare(certs_app(), terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (160, 45)])
def test_auth_column_in_the_node_panes(snap_compare, size):
    async def run_before(pilot) -> None:
        await auth_read(pilot.app, pilot)
        await without_toasts(pilot.app, pilot)

    assert snap_compare(auth_app(Collector(MIXED)), terminal_size=size, run_before=run_before)


def test_auth_column_all_x509(snap_compare):
    async def run_before(pilot) -> None:
        await auth_read(pilot.app, pilot)
        await without_toasts(pilot.app, pilot)

    assert snap_compare(auth_app(Collector(all_x509(node2=12))), terminal_size=(120, 36), run_before=run_before)


@pytest.mark.parametrize("row", [0, 2])  # node1 (X.509), node3 (expired)
def test_node_detail_authentication(snap_compare, row):
    async def run_before(pilot) -> None:
        app = pilot.app
        await auth_read(app, pilot)
        for _ in range(row):
            await pilot.press("down")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, NodeDetail))
        await pilot.pause()
        await without_toasts(app, pilot)

    assert snap_compare(auth_app(Collector(MIXED)), terminal_size=(120, 45), run_before=run_before)
