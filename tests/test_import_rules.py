"""The layering of DESIGN.md, enforced: import-linter's contracts live in pyproject.toml."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_hold():
    lint = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    proc = subprocess.run([lint, "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout


def test_contracts_are_checked_at_all():
    """A contract that names a missing package passes vacuously; make sure ours bite."""
    text = (ROOT / "pyproject.toml").read_text()
    for layer in ("tui.pacemaker", "tui.remote", "tui.ops"):
        assert layer in text
        assert (ROOT / layer.replace(".", "/") / "__init__.py").exists()
