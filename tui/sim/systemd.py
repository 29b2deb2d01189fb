"""systemctl and service on a simulated host, worded as systemd 252 words them.

    systemctl is-active|is-enabled|status|start|stop|restart|enable|disable [--now] UNIT...
    service UNIT start|stop|restart|status   (redirects to systemctl, as on RHEL)

Starting or stopping pacemaker_remote tells the cluster (ClusterState.service_changed):
a remote node whose daemon stops loses its connection; one that starts can be reached.
`restart` of pacemaker or pacemaker_remote is an orderly stop and a start a little later
(ClusterState.restart_unit); each start takes the environment file as it is then.
"""

from __future__ import annotations

import time
from typing import Callable, Sequence

from tui.sim.hosts import UNITS, Service, SimHost

Result = tuple[int, str, str]
# systemctl's exit codes (LSB): 3 not active / not enabled-ish, 4 no such unit, 5 not loaded
EX_OK, EX_FAIL, EX_NOT_ACTIVE, EX_NO_UNIT, EX_NOT_LOADED = 0, 1, 3, 4, 5
UNIT_DIR = "/usr/lib/systemd/system"
WANTS = "/etc/systemd/system/multi-user.target.wants"
VERBS = ("is-active", "is-enabled", "status", "start", "stop", "restart", "enable", "disable")


def _unit(name: str) -> str:
    return name if name.endswith(".service") else f"{name}.service"


def _systemctl(state, host: SimHost, args: tuple[str, ...]) -> Result:
    flags = [a for a in args if a.startswith("-")]
    words = [a for a in args if not a.startswith("-")]
    now = "--now" in flags
    if any(f not in ("--now", "--quiet", "-q") for f in flags) or not words or words[0] not in VERBS:
        return EX_FAIL, "", f"systemctl: the simulator supports only `systemctl {'|'.join(VERBS)} [--now] UNIT...`\n"
    verb, units = words[0], words[1:]
    quiet = "--quiet" in flags or "-q" in flags
    if not units:
        return EX_FAIL, "", "Too few arguments.\n"
    if verb == "is-active":
        states = [_active_word(host.service(u)) for u in units]
        rc = EX_OK if any(s == "active" for s in states) else EX_NOT_ACTIVE
        return rc, "" if quiet else "".join(f"{s}\n" for s in states), ""
    if verb == "is-enabled":
        return _is_enabled(host, units, quiet)
    if verb == "status":
        return _status(host, units)
    rc, out, err = EX_OK, "", ""
    for name in units:
        step = _ACTIONS[verb](state, host, name)
        if now and verb in ("enable", "disable") and step[0] == EX_OK:
            more = _ACTIONS["start" if verb == "enable" else "stop"](state, host, name)
            step = (more[0], step[1] + more[1], step[2] + more[2])
        rc = rc or step[0]
        out, err = out + step[1], err + step[2]
    return rc, out, err


def _active_word(unit: Service | None) -> str:
    if unit is None:
        return "inactive"
    if unit.failed:
        return "failed"
    if unit.stopping:
        return "deactivating"
    return "active" if unit.active else "inactive"


def _is_enabled(host: SimHost, units: list[str], quiet: bool) -> Result:
    out, err, rc = [], [], EX_FAIL
    for name in units:
        unit = host.service(name)
        if unit is None:
            err.append(f"Failed to get unit file state for {_unit(name)}: No such file or directory\n")
            continue
        out.append("enabled\n" if unit.enabled else "disabled\n")
        if unit.enabled:
            rc = EX_OK
    return rc, "" if quiet else "".join(out), "".join(err)


def _status(host: SimHost, units: list[str]) -> Result:
    out, err, rc = [], [], EX_OK
    for name in units:
        unit = host.service(name)
        if unit is None:
            err.append(f"Unit {_unit(name)} could not be found.\n")
            rc = EX_NO_UNIT
            continue
        since = time.strftime("%a %Y-%m-%d %H:%M:%S UTC", time.gmtime(unit.since))
        active = "active (running)" if unit.active else ("failed (Result: exit-code)" if unit.failed else "inactive (dead)")
        out.append(f"{'●' if unit.active else '○'} {_unit(name)} - {UNITS.get(name.removesuffix('.service'), name)}\n"
                   f"     Loaded: loaded ({UNIT_DIR}/{_unit(name)}; {'enabled' if unit.enabled else 'disabled'}; "
                   f"preset: disabled)\n"
                   f"     Active: {active}" + (f" since {since}\n" if unit.active else "\n"))
        if not unit.active and rc == EX_OK:
            rc = EX_NOT_ACTIVE
    return rc, "\n".join(out), "".join(err)


def _start(state, host: SimHost, name: str) -> Result:
    unit = host.service(name)
    if unit is None:
        return EX_NOT_LOADED, "", f"Failed to start {_unit(name)}: Unit {_unit(name)} not found.\n"
    if not unit.active:
        unit.active, unit.failed, unit.since = True, False, state.now
        unit.starts += 1
        state.service_changed(host, name.removesuffix(".service"))
    return EX_OK, "", ""


def _stop(state, host: SimHost, name: str) -> Result:
    unit = host.service(name)
    if unit is None:
        return EX_NOT_LOADED, "", f"Failed to stop {_unit(name)}: Unit {_unit(name)} not loaded.\n"
    if unit.active:
        unit.active = False
        state.service_changed(host, name.removesuffix(".service"))
    return EX_OK, "", ""


def _restart(state, host: SimHost, name: str) -> Result:
    unit = host.service(name)
    if unit is None:
        return EX_NOT_LOADED, "", f"Failed to restart {_unit(name)}: Unit {_unit(name)} not found.\n"
    if name.removesuffix(".service") in ("pacemaker", "pacemaker_remote"):
        state.restart_unit(host, name.removesuffix(".service"))  # takes a little sim time
        return EX_OK, "", ""
    _stop(state, host, name)
    return _start(state, host, name)


def _enable(state, host: SimHost, name: str) -> Result:
    unit = host.service(name)
    if unit is None:
        return EX_FAIL, "", f"Failed to enable unit: Unit file {_unit(name)} does not exist.\n"
    if unit.enabled:
        return EX_OK, "", ""
    unit.enabled = True
    return EX_OK, "", f"Created symlink {WANTS}/{_unit(name)} → {UNIT_DIR}/{_unit(name)}.\n"


def _disable(state, host: SimHost, name: str) -> Result:
    unit = host.service(name)
    if unit is None:
        return EX_FAIL, "", f"Failed to disable unit: Unit file {_unit(name)} does not exist.\n"
    if not unit.enabled:
        return EX_OK, "", ""
    unit.enabled = False
    return EX_OK, "", f'Removed "{WANTS}/{_unit(name)}".\n'


_ACTIONS: dict[str, Callable[[object, SimHost, str], Result]] = {
    "start": _start, "stop": _stop, "restart": _restart, "enable": _enable, "disable": _disable,
}


def _service(state, host: SimHost, args: tuple[str, ...]) -> Result:
    if len(args) != 2 or args[1] not in ("start", "stop", "restart", "status"):
        return EX_FAIL, "", "service: the simulator supports only `service UNIT start|stop|restart|status`\n"
    name, verb = args
    redirect = f"Redirecting to /bin/systemctl {verb} {_unit(name)}\n"
    rc, out, err = _systemctl(state, host, (verb, name))
    return rc, out, redirect + err


HANDLERS: dict[str, Callable[[object, SimHost, tuple[str, ...]], Result]] = {
    "systemctl": _systemctl,
    "service": _service,
}


def run(state, host: SimHost, argv: Sequence[str]) -> Result:
    return HANDLERS[argv[0]](state, host, tuple(argv[1:]))
