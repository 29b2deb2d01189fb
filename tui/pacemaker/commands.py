"""argv builders for the Pacemaker command-line tools the console runs.

Pure functions returning tuples: the same argv is shown to the user, run by a transport
and recorded in the action log. Nothing here pastes strings into a command line.
"""

from __future__ import annotations

Argv = tuple[str, ...]


def crm_mon_status() -> Argv:
    """Full one-shot status, inactive resources included, as XML (Pacemaker >= 2.0.3)."""
    return ("crm_mon", "--one-shot", "--inactive", "--output-as=xml")


def cib_version() -> Argv:
    """Just the <cib> element: admin_epoch/epoch/num_updates, no children."""
    return ("cibadmin", "--query", "--no-children")


def cib_configuration() -> Argv:
    return ("cibadmin", "--query", "--scope=configuration")


def node_standby(node: str, on: bool) -> Argv:
    if on:
        return ("crm_attribute", "--node", node, "--name", "standby", "--update", "on")
    return ("crm_attribute", "--node", node, "--name", "standby", "--delete")


def node_maintenance(node: str, on: bool) -> Argv:
    if on:
        return ("crm_attribute", "--node", node, "--name", "maintenance", "--update", "on")
    return ("crm_attribute", "--node", node, "--name", "maintenance", "--delete")


def cluster_maintenance(on: bool) -> Argv:
    value = "true" if on else "false"
    return ("crm_attribute", "--type", "crm_config", "--name", "maintenance-mode", "--update", value)


def resource_cleanup(resource: str | None = None, node: str | None = None) -> Argv:
    argv: list[str] = ["crm_resource", "--cleanup"]
    if resource:
        argv += ["--resource", resource]
    if node:
        argv += ["--node", node]
    return tuple(argv)
