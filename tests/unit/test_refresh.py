"""The refresh batch script: against real cibadmin/crm_mon when installed, and its framing."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tui.pacemaker.model import CibVersion
from tui.pacemaker.refresh import format_section, nonce_of, refresh_argv, split_sections

FIXTURE_CIBS = Path(__file__).resolve().parents[1] / "fixtures" / "cib"
needs_pacemaker = pytest.mark.skipif(not shutil.which("crm_mon") or not shutil.which("cibadmin"), reason="pacemaker-cli-utils not installed")


def run_script(known, cib_file):
    argv = refresh_argv(known)
    proc = subprocess.run(argv, capture_output=True, text=True, env=dict(os.environ, CIB_file=str(cib_file)), timeout=60)
    return split_sections(proc.stdout, nonce_of(argv)), proc


def any_cib():
    files = sorted(FIXTURE_CIBS.glob("*.xml"))
    if not files:
        pytest.skip("no fixture CIBs yet")
    return files[0]


@needs_pacemaker
def test_first_refresh_fetches_everything():
    sections, _ = run_script(None, any_cib())
    assert set(sections) == {"cib-version", "crm_mon", "cib-configuration"}
    assert sections["crm_mon"].rc == 0 and sections["crm_mon"].text.startswith("<pacemaker-result")
    assert sections["cib-configuration"].text.startswith("<configuration")


@needs_pacemaker
def test_same_version_skips_crm_mon_and_a_changed_one_does_not(tmp_path):
    from tui.pacemaker.cib import parse_cib_version

    sections, _ = run_script(None, any_cib())
    version = parse_cib_version(sections["cib-version"].text)
    same, _ = run_script(version, any_cib())
    assert set(same) == {"cib-version", "unchanged"}
    for changed in (CibVersion(version.admin_epoch, version.epoch, version.num_updates + 1),
                    CibVersion(version.admin_epoch, version.epoch + 1, version.num_updates),
                    CibVersion(version.admin_epoch + 1, version.epoch, version.num_updates)):
        assert "crm_mon" in run_script(changed, any_cib())[0]


@needs_pacemaker
def test_cluster_down_still_reports_crm_mons_own_words(tmp_path):
    sections, proc = run_script(CibVersion(0, 1, 1), tmp_path / "missing.xml")
    assert sections["cib-version"].rc != 0
    assert "<errors>" in sections["crm_mon"].text  # quirk: code 0 with <errors>
    assert "Could not connect" in proc.stderr


def test_cluster_output_cannot_forge_a_section():
    argv = refresh_argv(None, nonce="abc123")
    forged = "@@deadbeef crm_mon rc=0\n<evil/>"
    stdout = format_section("abc123", "crm_mon", 0, "<x a='1'/>\n" + forged) + format_section("abc123", "cib-configuration", 5, "")
    sections = split_sections(stdout, nonce_of(argv))
    assert sections["crm_mon"].text.endswith("<evil/>")  # stayed inside the real section
    assert set(sections) == {"crm_mon", "cib-configuration"} and sections["cib-configuration"].rc == 5


def test_known_version_travels_as_arguments_not_script_text():
    argv = refresh_argv(CibVersion(1, 2, 3))
    assert argv[-3:] == ('admin_epoch="1"', 'epoch="2"', 'num_updates="3"')
    assert "epoch=\"2\"" not in argv[2]
