"""The resource and node actions' argv per Pacemaker version (issue 13): exact words, the role
flag each release takes, and hostile ids kept as single argv elements (nothing pasted)."""

from __future__ import annotations

import shlex

import pytest

from tests import hostile
from tui.pacemaker import commands as c

VERSIONS = ("2.0.5", "2.1.5", "3.0.0")
ROLE = {"2.0.5": "--master", "2.1.5": "--promoted", "3.0.0": "--promoted"}


@pytest.mark.parametrize("version", VERSIONS)
def test_move_ban_clear_per_version(version):
    role = ROLE[version]
    assert c.resource_move("web", "node2", version=version) == (
        "crm_resource", "--move", "--resource", "web", "--node", "node2")
    assert c.resource_move("db-clone", "node1", promoted=True, lifetime="PT1H", version=version) == (
        "crm_resource", "--move", "--resource", "db-clone", "--node", "node1", role, "--lifetime", "PT1H")
    assert c.resource_ban("web", "node1", version=version) == (
        "crm_resource", "--ban", "--resource", "web", "--node", "node1")
    assert c.resource_ban("db-clone", "node2", promoted=True, version=version) == (
        "crm_resource", "--ban", "--resource", "db-clone", "--node", "node2", role)
    assert c.resource_clear("web", version=version) == ("crm_resource", "--clear", "--resource", "web")
    assert c.resource_clear("db-clone", "node2", promoted=True, version=version) == (
        "crm_resource", "--clear", "--resource", "db-clone", "--node", "node2", role)


@pytest.mark.parametrize("version,flag", [("2.0.3", "--master"), ("2.0.9", "--master"), ("2.1.0", "--promoted"),
                                          ("2.1.10", "--promoted"), ("3.0.1-abc", "--promoted"),
                                          (None, "--master"), ("unknown", "--master")])
def test_role_flag_follows_the_release_that_renamed_it(version, flag):
    # --promoted came with 2.1.0; --master is still accepted by 3.0 (deprecated), so an
    # unknown version gets the spelling every release understands
    assert c.role_flag(version) == flag


@pytest.mark.parametrize("version", VERSIONS)
def test_version_free_builders(version):  # the same on every release
    assert c.resource_restart("web") == ("crm_resource", "--restart", "--resource", "web")
    assert c.resource_restart("ping-clone", "node2") == (
        "crm_resource", "--restart", "--resource", "ping-clone", "--node", "node2")
    assert c.resource_meta_set("web", "target-role", "Stopped") == (
        "crm_resource", "--resource", "web", "--meta", "--set-parameter", "target-role", "--parameter-value", "Stopped")
    assert c.resource_meta_delete("web", "is-managed") == (
        "crm_resource", "--resource", "web", "--meta", "--delete-parameter", "is-managed")
    assert c.resource_meta_get("web", "target-role") == (
        "crm_resource", "--resource", "web", "--meta", "--get-parameter", "target-role")
    assert c.resource_refresh() == ("crm_resource", "--refresh")
    assert c.resource_refresh("web", "node1") == ("crm_resource", "--refresh", "--resource", "web", "--node", "node1")
    assert c.resource_refresh(node="node1") == ("crm_resource", "--refresh", "--node", "node1")
    assert c.node_fence("node3") == ("stonith_admin", "--reboot", "node3")
    assert c.node_fence("node3", off=True) == ("stonith_admin", "--fence", "node3")
    assert c.fence_devices_for("node3") == ("stonith_admin", "--list", "node3")
    assert c.failcount_delete("web-server", "node1") == (
        "crm_failcount", "--delete", "--resource", "web-server", "--node", "node1")


def test_pcs_equivalents():
    # pcs resource enable/disable/manage/unmanage do exactly these meta edits
    assert c.resource_enable("web") == c.resource_meta_delete("web", "target-role")
    assert c.resource_disable("web") == c.resource_meta_set("web", "target-role", "Stopped")
    assert c.resource_manage("web") == c.resource_meta_delete("web", "is-managed")
    assert c.resource_unmanage("web") == c.resource_meta_set("web", "is-managed", "false")


HOSTILE = [v for v in hostile.ALL if isinstance(v, str) and v] + ["web; rm -rf /", "$(reboot)", "`id`", "-x", "a b",
                                                                   "--node", "'\""]


@pytest.mark.parametrize("value", HOSTILE, ids=hostile.short)
def test_hostile_ids_stay_one_argv_element(value):
    built = [
        c.resource_move(value, value, promoted=True, lifetime=value, version="2.1.5"),
        c.resource_ban(value, value, promoted=True, lifetime=value, version="2.0.5"),
        c.resource_clear(value, value, promoted=True, version="3.0.0"),
        c.resource_restart(value, value),
        c.resource_meta_set(value, value, value),
        c.resource_meta_delete(value, value),
        c.resource_meta_get(value, value),
        c.resource_refresh(value, value),
        c.node_fence(value), c.node_fence(value, off=True),
        c.fence_devices_for(value),
        c.failcount_delete(value, value),
    ]
    for argv in built:
        assert isinstance(argv, tuple) and all(isinstance(word, str) for word in argv)
        assert argv.count(value) >= 1
        # every value is its own element, exactly as given; the command line round-trips
        fixed = [w for w in argv if w != value]
        assert all(w.startswith(("crm_", "stonith_admin", "--")) or w in ("PT1H",) for w in fixed), argv
        assert tuple(shlex.split(shlex.join(argv))) == argv


@pytest.mark.parametrize("version", VERSIONS + (None,))
def test_the_plans_use_the_role_flag_of_their_version(version):
    from tui.ops import actions

    flag = c.role_flag(version)
    assert flag == ROLE.get(version, "--master")
    for plan in (actions.promote("db-clone", "node1", version=version), actions.demote("db-clone", "node1", version=version),
                 actions.move("db-clone", "node1", promoted=True, version=version),
                 actions.ban("db-clone", "node1", promoted=True, version=version),
                 actions.clear("db-clone", "node1", promoted=True, version=version)):
        (step,) = plan.steps
        assert step.argv[-1] == flag, plan.title
        assert step.undo is None or step.undo[-1] == flag
        assert plan.preview.changes == (step.argv,)
    for plan in (actions.move("web", "node1", version=version), actions.ban("web", "node1", version=version)):
        assert "--promoted" not in plan.steps[0].argv and "--master" not in plan.steps[0].argv
