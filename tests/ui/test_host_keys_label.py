"""A cluster reached without host-key checks says so on the status line, at every width."""

from __future__ import annotations

import pytest

from tests.ui.helpers import first_refresh, make_app
from tests.ui.sample import FakeSession
from tui.config import HOST_KEYS_NOT_VERIFIED, parse_config
from tui.session import ClusterSession
from tui.ui.widgets.status import StatusLine


class ConfiguredSession(FakeSession):
    """The fake refreshes, the real property over a cluster parsed from a config."""

    host_keys_unverified = ClusterSession.host_keys_unverified

    def __init__(self, config_text: str) -> None:
        super().__init__(cluster=parse_config(config_text, "pcmk.yaml").cluster())


def config_text(flag: str) -> str:
    return ("clusters:\n  - name: lab\n"
            f"    ssh: {{insecure_skip_host_key_check: {flag}}}\n"
            "    nodes: [{host: n1}]\n")


@pytest.mark.parametrize("width", [80, 160])
@pytest.mark.parametrize("flag", ["true", "false"])
async def test_status_line_names_unverified_host_keys(flag, width):
    app = make_app(ConfiguredSession(config_text(flag)))
    async with app.run_test(size=(width, 24)) as pilot:
        await first_refresh(app, pilot)
        shown = app.screen.query_one("#status", StatusLine).render().plain
        assert (HOST_KEYS_NOT_VERIFIED in shown) is (flag == "true"), shown
        await pilot.pause()


async def test_an_unknown_theme_in_the_config_is_a_message_not_a_traceback():
    from tests.ui.sample import FakeConfig

    app = make_app(FakeSession(), FakeConfig(theme="nosuch"))
    async with app.run_test(size=(100, 30)) as pilot:
        await first_refresh(app, pilot)
        messages = [n.message for n in app._notifications]
        assert any("nosuch" in m and "pcmk-dark" in m for m in messages), messages
        assert app.theme == "pcmk-dark"
        await pilot.pause()
