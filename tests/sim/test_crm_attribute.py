"""crm_attribute --query as the real tool answers it: the value alone with --quiet, and
rc 105 (no such attribute) with its message otherwise. The engine's done probes read it."""

from __future__ import annotations

from tui.sim.commands import execute


def test_query_quiet_prints_the_value_alone(sim):
    assert execute(sim, "node1", ("crm_attribute", "--node", "rn1", "--name", "standby", "--update", "on"))[0] == 0
    rc, out, err = execute(sim, "node1", ("crm_attribute", "--node", "rn1", "--name", "standby", "--query", "--quiet"))
    assert (rc, out, err) == (0, "on\n", "")
    rc, out, _ = execute(sim, "node1", ("crm_attribute", "--node", "rn1", "--name", "standby", "--query"))
    assert (rc, out) == (0, "scope=nodes  name=standby value=on\n")
    rc, out, _ = execute(sim, "node1", ("crm_attribute", "--type", "crm_config", "--name", "maintenance-mode",
                                        "--update", "true"))
    rc, out, _ = execute(sim, "node1", ("crm_attribute", "--type", "crm_config", "--name", "maintenance-mode",
                                        "--query", "--quiet"))
    assert (rc, out) == (0, "true\n")


def test_query_of_an_attribute_that_is_not_set_is_rc_105(sim):
    rc, out, err = execute(sim, "node1", ("crm_attribute", "--node", "rn1", "--name", "nosuch", "--query", "--quiet"))
    assert (rc, out) == (105, "")
    assert err == "crm_attribute: Error performing operation: No such device or address\n"
