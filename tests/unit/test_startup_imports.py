"""The demo's start imports only what its first frame needs (issue 12, goal 3).

Each check runs in a fresh interpreter (sys.modules of this test process is full of
everything). Time is measured by bench/startup/bench.py, never asserted here.
"""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# what neither the CLI nor the demo's first status needs
NOT_AT_START = ("asyncssh", "cryptography", "tui.headless.actions", "tui.headless.certs",
                "tui.headless.diagnose", "tui.headless.resume", "tui.ops.certs.pki")


def loaded_after(code: str, tmp_path: Path) -> set[str]:
    """The modules a fresh interpreter has after running code (the user's files kept out)."""
    script = textwrap.dedent(code) + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "XDG_STATE_HOME": str(tmp_path / "state"), "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    return set(json.loads(proc.stdout.strip().splitlines()[-1]))


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m in NOT_AT_START or m.split(".")[0] in NOT_AT_START)


def test_importing_the_cli_imports_no_ui_no_ssh_no_certificates(tmp_path):
    modules = loaded_after("import tui.cli", tmp_path)
    assert heavy(modules) == []
    assert "textual" not in modules


def test_the_demo_path_to_its_first_status_needs_no_ssh_and_no_certificates(tmp_path):
    """Parse `--demo`, build its session, run the first refresh, import the app and its main
    screen: what happens before the first frame with status."""
    modules = loaded_after("""
        import asyncio
        from tui.cli import build_parser
        from tui.target import resolve_target
        words = ["--demo"]
        target = resolve_target(build_parser(words).parse_args(words), interactive=True)
        result = asyncio.run(target.session().refresh())
        assert result.snapshot is not None and result.snapshot.nodes, result
        import tui.ui.app, tui.ui.screens.main
    """, tmp_path)
    assert heavy(modules) == []


def test_the_certificate_code_still_loads_when_a_demo_command_needs_it(tmp_path):
    """The simulator imports cryptography where a certificate is made or read: openssl in
    the demo still answers with a real key."""
    code = """
        from tui.sim import DemoCluster
        from tui.sim.commands import execute
        import sys
        state = DemoCluster(life=False)
        status, out, err = execute(state, "node1", ["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                                   "ec_paramgen_curve:P-256", "-out", "/tmp/k.pem"])
        assert status == 0, err
        status, out, err = execute(state, "node1", ["openssl", "pkey", "-in", "/tmp/k.pem", "-pubout"])
        assert status == 0 and "BEGIN PUBLIC KEY" in out, (status, out, err)
    """
    assert "cryptography" in loaded_after(code, tmp_path)


@pytest.mark.parametrize("words", [["--demo"], ["status", "--demo"], ["log", "--json"], ["runs"]])
def test_a_command_line_without_plan_apply_or_diagnose_skips_their_modules(tmp_path, words):
    modules = loaded_after(f"""
        from tui.cli import build_parser
        build_parser({words!r}).parse_args({words!r})
    """, tmp_path)
    assert heavy(modules) == []


def test_the_stub_verbs_read_as_the_full_ones_in_help_and_usage():
    from tui.cli import build_parser

    for words in (["--demo"], []):
        assert build_parser(words).format_help() == build_parser(None).format_help()
        assert build_parser(words).format_usage() == build_parser(None).format_usage()


@pytest.mark.parametrize("words", [
    ["plan", "standby", "node1", "--demo"],
    ["--demo", "apply", "--yes", "cleanup", "--resource", "web"],
    ["diagnose", "rn1", "--demo"],
    ["--demo", "apply", "--resume", "RUN"],
])
def test_plan_apply_and_diagnose_get_their_full_parsers(words):
    from tui.cli import build_parser

    full = build_parser(None).parse_args(words)
    assert build_parser(words).parse_args(words) == full
