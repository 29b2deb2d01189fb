"""`pcmk-console apply` on the engine: a step whose done probe holds is skipped, nothing
changes; a change carries its run and step ids into the action log."""

from __future__ import annotations

from tests.unit.test_verbs import changes_recorded, private_dirs, run_cli  # noqa: F401 (fixture)


def test_apply_of_what_is_already_so_is_skipped_and_changes_nothing(capsys, tmp_path):
    code, out, err = run_cli(capsys, "--demo", "apply", "unstandby", "node1", "--yes")  # node1 is not in standby
    assert code == 0, err
    assert "[skipped] node1: Set standby=off on node1 (node1 already has standby=off)" in out
    assert changes_recorded(tmp_path) == []


def test_apply_records_carry_run_and_step_ids(capsys, tmp_path):
    code, out, err = run_cli(capsys, "--demo", "apply", "standby", "rn1", "--yes",
                                 "--confirm-name", "demo-prod")  # production: the preview stops worker
    assert code == 0, err
    (change,) = changes_recorded(tmp_path)
    assert change.get("step_id") == "1-set-standby-on-on-rn1" and change.get("run_id")
