"""Theme files: shipped ones load, broken ones become a message and a fallback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui.helpers import first_refresh, make_app
from tests.ui.sample import FakeConfig
from tui.ui import themes
from tui.ui.themes import ThemeError, load_theme_file, load_themes

SHIPPED = ("pcmk-dark", "pcmk-light", "pcmk-high-contrast")


def test_shipped_themes_load_and_define_every_console_variable():
    loaded = load_themes(themes.shipped_themes_dir())
    assert loaded.errors == ()
    by_name = {t.name: t for t in loaded.themes}
    assert set(SHIPPED) <= set(by_name)
    for name in SHIPPED:
        assert set(themes.VARIABLE_DEFAULTS) <= set(by_name[name].variables), name


@pytest.mark.parametrize("text, needle", [
    ("name: x\nprimary: [", "not valid YAML"),
    ("- a list", "must be a mapping"),
    ("primary: '#fff'", "'name' is required"),
    ("name: x", "'primary' is required"),
    ("name: x\nprimary: notacolour", "primary: 'notacolour' is not a colour"),
    ("name: x\nprimary: '#fff'\nvariables:\n  node-online: 12", "variables.node-online"),
    ("name: x\nprimary: '#fff'\nbogus: 1", "unknown key(s) bogus"),
    ("name: x\nprimary: '#fff'\ndark: maybe", "'dark' must be true or false"),
])
def test_broken_theme_names_the_file_and_the_problem(tmp_path: Path, text, needle):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ThemeError) as info:
        load_theme_file(path)
    assert str(path) in str(info.value) and needle in str(info.value)


def test_user_theme_overrides_and_a_broken_one_is_skipped(tmp_path: Path):
    (tmp_path / "mine.yaml").write_text("name: pcmk-dark\nprimary: '#123456'\n")
    (tmp_path / "zz-bad.yaml").write_text("name: [\n")
    loaded = load_themes(themes.shipped_themes_dir(), tmp_path)
    assert {t.name: t for t in loaded.themes}["pcmk-dark"].primary == "#123456"
    assert len(loaded.errors) == 1 and "zz-bad.yaml" in loaded.errors[0]


async def test_broken_user_theme_is_a_notification_not_a_crash(tmp_path: Path):
    (tmp_path / "broken.yaml").write_text("name: broken\nprimary: '#zzzzzz'\n")
    app = make_app(theme_dirs=(themes.shipped_themes_dir(), tmp_path),
                   config=FakeConfig(theme="broken"))
    async with app.run_test(size=(100, 30)) as pilot:
        await first_refresh(app, pilot)
        messages = [n.message for n in app._notifications]
        assert any("broken.yaml" in m and "not a colour" in m for m in messages)
        assert any("theme 'broken' not found; using pcmk-dark" in m for m in messages)
        assert app.theme == "pcmk-dark"


async def test_switching_theme_recolours_cells(tmp_path: Path):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await first_refresh(app, pilot)
        table = app._main().query_one("#cluster-nodes")
        before = table.get_cell("node3", "state").style
        app.theme = "pcmk-light"
        await pilot.pause()
        after = table.get_cell("node3", "state").style
        assert before != after
        assert str(after.color.triplet.hex).upper() == "#8A6100"  # light theme's node-standby
