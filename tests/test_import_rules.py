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
    for layer in ("tui.pacemaker", "tui.remote", "tui.sim", "tui.ops"):
        assert layer in text
        assert (ROOT / layer.replace(".", "/") / "__init__.py").exists()


def _layers_contract() -> list[list[str]]:
    """The rows of the layers contract, each row a list of sibling modules."""
    import tomllib

    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    (layers,) = [c for c in contracts if c["type"] == "layers"]
    return [[m.strip() for m in row.split("|")] for row in layers["layers"]]


def test_every_top_level_module_has_a_layer():
    """A module outside the layers is unchecked: a new top-level module must take its row."""
    named = {m for row in _layers_contract() for m in row}
    tops = {f"tui.{p.stem}" for p in (ROOT / "tui").glob("*.py") if p.stem != "__init__"}
    tops |= {f"tui.{p.parent.name}" for p in (ROOT / "tui").glob("*/__init__.py")}
    assert tops - named == set(), "add these to the layers contract in pyproject.toml"
    assert named - tops == set(), "the layers contract names modules that do not exist"


# (importer, imported) pairs the layers forbid, one per boundary: a lower layer reaching up,
# or a sibling reaching across. Execution (remote, ops) must never reach the simulator.
VIOLATIONS = [
    ("tui/remote/transport.py", "tui.sim"),
    ("tui/ops/plan.py", "tui.sim"),
    ("tui/sim/transport.py", "tui.ops"),
    ("tui/sim/model.py", "tui.session"),
    ("tui/pacemaker/model.py", "tui.remote"),
    ("tui/config.py", "tui.ops"),
    ("tui/session.py", "tui.target"),
    ("tui/crash.py", "tui.session"),
    ("tui/ui/present.py", "tui.headless"),
    ("tui/headless/status.py", "tui.cli"),
    ("tui/plaintext.py", "tui.pacemaker"),
    ("tui/exitcodes.py", "tui.plaintext"),
]


def test_layers_contract_bites(tmp_path):
    """Each forbidden import, planted in a copy of the tree, breaks the layers contract."""
    shutil.copytree(ROOT / "tui", tmp_path / "tui", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    for path, imported in VIOLATIONS:
        with open(tmp_path / path, "a") as f:
            f.write(f"\nimport {imported}  # planted by test_layers_contract_bites\n")
    lint = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    env = {"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([lint, "--no-cache"], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert proc.returncode != 0
    for path, imported in VIOLATIONS:
        importer = path.removesuffix(".py").replace("/", ".")
        assert f"- {importer} -> {imported} " in proc.stdout, (importer, imported, proc.stdout)
