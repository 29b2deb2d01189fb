"""The read-only probes of the node wizards (tui.pacemaker.nodecmds), answered on a machine.

    pgrep -x NAME, pidof NAME                       the unit's daemon by its process name
    timeout N bash -c TCP_SCRIPT tcp-connect A P    bash's /dev/tcp connect, bounded
    sh -c LOG_SCRIPT log-lines N FILE NEEDLE        tail | grep -F over Pacemaker's log
    sh -c ENVIRON_SCRIPT tls-environ PROCESS        a daemon's PCMK_*_file start environment
    sh -c SIMULATE_SCRIPT simulate-changes ...      the impact preview (tui.sim.simulate)
    firewall-cmd ...                                not installed on the demo machines

Words and exit codes are those of procps 4.0.2, coreutils 9.1 and bash 5.2 on Debian 12
(tests/sim/test_probes.py runs the same argv on this machine where it can and compares).
"""

from __future__ import annotations

from tui.pacemaker import nodecmds
from tui.sim.hosts import DAEMONS, SimHost
from tui.sim.model import BUNDLE, GUEST

Result = tuple[int, str, str]
EX_TIMEOUT, EX_TIMEOUT_USAGE, EX_NOT_FOUND = 124, 125, 127


# ---- pgrep -------------------------------------------------------------------------------


CHILDREN = ("pacemaker-based", "pacemaker-fenced", "pacemaker-execd", "pacemaker-attrd", "pacemaker-schedulerd",
            "pacemaker-controld")
COMM_MAX = 15  # the kernel keeps 15 characters of a process name (/proc/PID/stat, comm)
TOO_LONG = ("pgrep: pattern that searches for process name longer than 15 characters will result in zero matches\n"
            "Try `pgrep -f' option to match against the complete command line.\n")


def _pids(state, host: str, name: str, *, comm: bool) -> list[int]:
    """PIDs of the running daemons called `name`: by the kernel's truncated comm (pgrep) or by
    the program's full name (pidof)."""
    machine = state.host(host)
    if machine is None:
        return []
    found = [machine.pid(unit) for unit, process in DAEMONS.items()
             if (process[:COMM_MAX] if comm else process) == name]
    # pacemakerd's children, each its own process (the one that holds remote connections)
    found += [machine.pid("pacemaker") + offset for offset, process in enumerate(CHILDREN, 1)
              if machine.pid("pacemaker") is not None and (process[:COMM_MAX] if comm else process) == name]
    return sorted(p for p in found if p is not None)


def pgrep(state, host: str, args: tuple[str, ...]) -> Result:
    """Only the exact-name form: the PIDs, one a line. procps-ng 4.0.2 matches the 15-char
    comm, and refuses a longer name outright: `pgrep -x pacemaker-remoted` never matches
    (exit 1 and a warning); `pgrep -x pacemaker-remot` is what finds that daemon."""
    if len(args) != 2 or args[0] != "-x":
        return 2, "", "pgrep: the simulator supports only `pgrep -x NAME`\n"
    if len(args[1]) > COMM_MAX:
        return 1, "", TOO_LONG
    pids = _pids(state, host, args[1], comm=True)
    if not pids:
        return 1, "", ""
    return 0, "".join(f"{pid}\n" for pid in pids), ""


def pidof(state, host: str, args: tuple[str, ...]) -> Result:
    """pidof NAME: the PIDs on one line, by the program's full name (no 15-char limit)."""
    if len(args) != 1 or args[0].startswith("-"):
        return 1, "", "pidof: the simulator supports only `pidof NAME`\n"
    pids = _pids(state, host, args[0], comm=False)
    if not pids:
        return 1, "", ""
    return 0, " ".join(map(str, pids)) + "\n", ""


# ---- TCP connect ---------------------------------------------------------------------------


def machine_up(state, machine: SimHost) -> bool:
    """A guest's or bundle's machine (or a spare's inside a VM) answers only while its
    container runs."""
    node = state.node(machine.name)
    container = node.container if node is not None and node.kind in (GUEST, BUNDLE) else machine.container
    return container is None or bool(state.hosts_of(container))


def tcp_connect(state, address: str, port: str) -> Result:
    """bash: exec 3<>/dev/tcp/ADDR/PORT with $0 = tcp-connect. No machine at that address
    (or one whose VM is down): nothing answers, `timeout` ends it (124)."""
    machine = state.host(address)
    if machine is None or not machine_up(state, machine):
        return EX_TIMEOUT, "", ""
    if port.isdigit() and machine.listens(int(port)):
        return 0, "", ""
    return 1, "", ("tcp-connect: connect: Connection refused\n"
                   f"tcp-connect: line 1: /dev/tcp/{address}/{port}: Connection refused\n")


def bash(state, host: str, args: tuple[str, ...]) -> Result:
    if len(args) == 5 and args[0] == "-c" and args[1] == nodecmds.TCP_SCRIPT and args[2] == "tcp-connect":
        return tcp_connect(state, args[3], args[4])
    return EX_NOT_FOUND, "", "bash: not found (the simulator runs only nodecmds.tcp_connect's script)\n"


def timeout(state, host: str, args: tuple[str, ...], execute) -> Result:
    """timeout DURATION COMMAND...: the command's own result (it never overruns in the demo,
    except a TCP connect nothing answers)."""
    if len(args) < 2:
        return EX_TIMEOUT_USAGE, "", "timeout: missing operand\nTry 'timeout --help' for more information.\n"
    duration = args[0].rstrip("smhd")
    if not duration.replace(".", "", 1).isdigit():
        return EX_TIMEOUT_USAGE, "", (f"timeout: invalid time interval '{args[0]}'\n"
                                      "Try 'timeout --help' for more information.\n")
    return execute(state, host, args[1:])


# ---- the log probe -------------------------------------------------------------------------


def log_lines(machine: SimHost | None, count: str, path: str, needle: str) -> Result:
    """tail -n COUNT PATH | grep -F -e NEEDLE: the pipeline's status is grep's."""
    if not count.isdigit():
        return 1, "", f"tail: invalid number of lines: '{count}'\n"
    node = machine.fs.get(path) if machine is not None else None
    if node is None or node.is_dir:
        why = "Is a directory" if node is not None else "No such file or directory"
        return 1, "", f"tail: cannot open '{path}' for reading: {why}\n"
    lines = (node.content or b"").decode(errors="replace").splitlines(keepends=True)
    tail = lines[-int(count):] if int(count) else []
    found = [line for line in tail if needle in line]
    return (0 if found else 1), "".join(found), ""


# the daemons whose environment nodecmds.daemon_tls_environ reads (by their 15-char comm),
# and the unit each belongs to (pacemakerd hands its environment to pacemaker-controld)
ENVIRON_UNITS = {"pacemaker-controld"[:COMM_MAX]: "pacemaker", "pacemaker-remoted"[:COMM_MAX]: "pacemaker_remote",
                 "pacemakerd": "pacemaker"}
TLS_FILE_VARIABLES = ("PCMK_ca_file", "PCMK_cert_file", "PCMK_key_file", "PCMK_crl_file")


def tls_environ(state, host: str, process: str) -> Result:
    """pgrep -o -x PROCESS, then its /proc/PID/environ filtered to the PCMK_*_file lines:
    exit 3 when it does not run, 0 (maybe with no line) when it does."""
    machine = state.host(host)
    unit = ENVIRON_UNITS.get(process)
    if machine is None or unit is None or not machine.running(unit):
        return 3, "", ""
    environ = machine.service(unit).environ
    return 0, "".join(f"{k}={v}\n" for k, v in environ.items() if k in TLS_FILE_VARIABLES), ""


def sh(state, host: str, args: tuple[str, ...], simulate) -> Result:
    """sh -c SCRIPT NAME ARGS...: only the fixed scripts of nodecmds."""
    if len(args) == 4 and args[0] == "-c" and args[1] == nodecmds.ENVIRON_SCRIPT and args[2] == "tls-environ":
        return tls_environ(state, host, args[3])
    if len(args) == 6 and args[0] == "-c" and args[1] == nodecmds.LOG_SCRIPT and args[2] == "log-lines":
        return log_lines(state.host(host), args[3], args[4], args[5])
    if len(args) >= 3 and args[0] == "-c" and args[1] == nodecmds.SIMULATE_SCRIPT and args[2] == nodecmds.SIMULATE_NAME:
        from tui.sim import simulate as preview  # the crm_simulate preview: imported when first used

        return preview.run_script(state, host, args[3:])
    return EX_NOT_FOUND, "", ("sh: not found (the simulator runs only nodecmds' log-lines, simulate-changes "
                              "and tls-environ scripts)\n")


# ---- not installed -------------------------------------------------------------------------


def not_installed(program: str) -> Result:
    """What the login shell says for a program that is not there (sshd runs `bash -c LINE`)."""
    return EX_NOT_FOUND, "", f"bash: line 1: {program}: command not found\n"

