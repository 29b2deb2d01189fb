"""A built wheel carries what the console needs at run time outside a checkout."""

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_contains_themes_styles_and_every_layer(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(ROOT)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    (wheel,) = tmp_path.glob("pcmk_console-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for theme in sorted((ROOT / "themes").glob("*.yaml")):
        assert any(n.endswith(f"data/share/pcmk-console/themes/{theme.name}") for n in names), theme.name
    assert "tui/ui/app.tcss" in names
    for module in ("tui/cli.py", "tui/session.py", "tui/pacemaker/crm_mon.py", "tui/remote/ssh.py", "tui/ops/plan.py", "tui/sim/scenario.py"):
        assert module in names
