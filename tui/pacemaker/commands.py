"""argv builders for the Pacemaker command-line tools the console runs.

Pure functions returning tuples: the same argv is shown to the user, run by a transport
and recorded in the action log. Nothing here pastes strings into a command line.
"""

from __future__ import annotations

from tui.pacemaker.features import PROMOTED_ROLES, supports

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


# ---- resource and node actions (issue 13) --------------------------------------------------
# What pcs runs for the same action, and where the console goes further:
#   pcs resource move-with-constraint / ban / clear  -> crm_resource --move / --ban / --clear
#   pcs resource enable / disable                     -> meta target-role deleted / Stopped
#   pcs resource manage / unmanage                    -> meta is-managed deleted / false
#   pcs resource restart                              -> crm_resource --restart
#   pcs resource refresh                              -> crm_resource --refresh
#   pcs stonith fence [--off]                         -> stonith_admin --reboot / --fence
# Every value stays one argv element (a hostile id is never split or interpreted).


def role_flag(version: str | None) -> str:
    """--promoted from 2.1.0 on; --master before. An unknown version gets --master: the
    deprecated spelling every release from 2.0 through 3.0.x still accepts, whereas 2.0.x
    refuses --promoted as an unknown option."""
    return "--promoted" if supports(PROMOTED_ROLES, version) else "--master"


def _placement(action: str, rsc: str, node: str | None, promoted: bool, lifetime: str | None,
               version: str | None) -> Argv:
    argv = ["crm_resource", action, "--resource", rsc]
    if node is not None:
        argv += ["--node", node]
    if promoted:
        argv.append(role_flag(version))
    if lifetime:
        argv += ["--lifetime", lifetime]
    return tuple(argv)


def resource_move(rsc: str, node: str, *, promoted: bool = False, lifetime: str | None = None,
                  version: str | None = None) -> Argv:
    """A cli-prefer-RSC constraint (score INFINITY on node); with promoted: for the promoted role."""
    return _placement("--move", rsc, node, promoted, lifetime, version)


def resource_ban(rsc: str, node: str, *, promoted: bool = False, lifetime: str | None = None,
                 version: str | None = None) -> Argv:
    """A cli-ban-RSC-on-NODE constraint (score -INFINITY); with promoted: no promotion there."""
    return _placement("--ban", rsc, node, promoted, lifetime, version)


def resource_clear(rsc: str, node: str | None = None, *, promoted: bool = False,
                   version: str | None = None) -> Argv:
    """Remove the cli-prefer/cli-ban constraints of rsc (only those for node, when given)."""
    return _placement("--clear", rsc, node, promoted, None, version)


def resource_restart(rsc: str, node: str | None = None) -> Argv:
    argv = ["crm_resource", "--restart", "--resource", rsc]
    if node is not None:
        argv += ["--node", node]
    return tuple(argv)


def resource_meta_set(rsc: str, name: str, value: str) -> Argv:
    return ("crm_resource", "--resource", rsc, "--meta", "--set-parameter", name, "--parameter-value", value)


def resource_meta_delete(rsc: str, name: str) -> Argv:
    return ("crm_resource", "--resource", rsc, "--meta", "--delete-parameter", name)


def resource_meta_get(rsc: str, name: str) -> Argv:
    """A read: the meta attribute's value. Unset: exit 0, nothing on stdout, "Attribute 'NAME'
    not found for 'RSC'" on stderr (2.1.5 and 3.0.0); exit 105 only for an unknown resource."""
    return ("crm_resource", "--resource", rsc, "--meta", "--get-parameter", name)


def resource_enable(rsc: str) -> Argv:
    return resource_meta_delete(rsc, "target-role")


def resource_disable(rsc: str) -> Argv:
    return resource_meta_set(rsc, "target-role", "Stopped")


def resource_manage(rsc: str) -> Argv:
    return resource_meta_delete(rsc, "is-managed")


def resource_unmanage(rsc: str) -> Argv:
    return resource_meta_set(rsc, "is-managed", "false")


def resource_refresh(rsc: str | None = None, node: str | None = None) -> Argv:
    argv = ["crm_resource", "--refresh"]
    if rsc is not None:
        argv += ["--resource", rsc]
    if node is not None:
        argv += ["--node", node]
    return tuple(argv)


def node_fence(node: str, *, off: bool = False) -> Argv:
    """Reboot the node through the fencer (--fence: power it off and leave it off)."""
    return ("stonith_admin", "--fence" if off else "--reboot", node)


def fence_devices_for(node: str) -> Argv:
    """A read: the fence devices that can fence node, one per line, then "N fence devices found"."""
    return ("stonith_admin", "--list", node)


def failcount_delete(rsc: str, node: str) -> Argv:
    return ("crm_failcount", "--delete", "--resource", rsc, "--node", node)
