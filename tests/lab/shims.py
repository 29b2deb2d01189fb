"""What stands in for systemd on the lab's nodes (there is no systemd here): a `systemctl`
and a `service` in the node's /usr/local/sbin (first in PATH, for SSH sessions and
lab.run_on alike) that manage exactly one unit: pacemaker_remote on remote, guest and spare
nodes, pacemaker on the cluster node (corosync is the lab's and keeps running).

Each daemon is started the way its unit (Type=simple) would: the environment files sourced
first (/etc/default/pacemaker, the node's own), then the daemon detached (setsid). The
node's PID 1 reaps it when it exits. pacemaker_remote: PID in /run/pacemaker_remote.pid
(the node's private tmpfs /run), "running" is "that PID is alive". pacemaker: in a clean
environment (`env -i`, as the lab always starts daemons), "running" is `pgrep -x
pacemakerd` (the node has its own PID namespace, so it can only be node1's); stop is what
systemd does with KillMode=process: SIGTERM to pacemakerd, then wait until every
pacemaker daemon has exited, SIGKILL to what is left after a bound (the shutdown can hang:
LAB-FACTS), $PCMK_LAB_STOP_TIMEOUT seconds (default 90, below the console's 180 s restart
timeout).
"""

from __future__ import annotations

import os
from pathlib import Path

PIDFILE = "/run/pacemaker_remote.pid"
ENABLED = "/var/lib/pacemaker/.lab-pacemaker_remote-enabled"

SYSTEMCTL = r"""#!/bin/sh
# tests/lab: systemctl for a node without systemd; manages pacemaker_remote only.
PIDFILE=@PIDFILE@
ENABLED=@ENABLED@
UNITS="pacemaker_remote pacemaker_remote.service pacemaker-remote pacemaker-remote.service"

unit_ok() {
    for u in $UNITS; do [ "$1" = "$u" ] && return 0; done
    echo "Unit $1 could not be found (tests/lab systemctl manages pacemaker_remote only)." >&2
    exit 5
}
pid() { [ -s "$PIDFILE" ] && cat "$PIDFILE"; }
running() { p=$(pid) && [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }

start() {
    running && return 0
    (
        set -a
        for f in /etc/default/pacemaker /etc/sysconfig/pacemaker /etc/default/sbd; do
            [ -r "$f" ] && . "$f"
        done
        set +a
        : "${PCMK_logfile:=/var/log/pacemaker/pacemaker.log}"
        : "${PCMK_logfacility:=none}"
        export PCMK_logfile PCMK_logfacility
        exec setsid -f sh -c 'echo $$ > "$1"; exec /usr/sbin/pacemaker-remoted' \
            start "$PIDFILE" </dev/null >>/var/log/pacemaker/remoted.out 2>&1
    )
    i=0
    while [ $i -lt 50 ]; do running && return 0; i=$((i + 1)); sleep 0.1; done
    echo "pacemaker_remote failed to start (see /var/log/pacemaker/remoted.out)" >&2
    return 1
}

stop() {
    running || { rm -f "$PIDFILE"; return 0; }
    p=$(pid)
    kill -TERM "$p" 2>/dev/null
    i=0
    while kill -0 "$p" 2>/dev/null; do
        i=$((i + 1))
        [ $i -ge 600 ] && { kill -KILL "$p" 2>/dev/null; break; }
        sleep 0.1
    done
    rm -f "$PIDFILE"
}

now=0
signal=TERM
args=""
for a in "$@"; do
    case "$a" in
        --now) now=1 ;;
        --signal=*) signal=${a#--signal=} ;;
        -q|--quiet|--no-pager|--no-block|--system) ;;
        -*) ;;
        *) args="$args $a" ;;
    esac
done
set -- $args
verb=$1
[ $# -gt 0 ] && shift
case "$verb" in
    daemon-reload|"") exit 0 ;;
    list-unit-files)  # what pcs reads to decide "pacemaker_remote is installed"
        if [ -e "$ENABLED" ]; then state=enabled; else state=disabled; fi
        echo "UNIT FILE                 STATE    PRESET"
        echo "pacemaker_remote.service  $state  enabled"
        exit 0 ;;
esac
[ $# -ge 1 ] || { echo "systemctl $verb: which unit?" >&2; exit 1; }
rc=0
for unit in "$@"; do
    unit_ok "$unit"
    case "$verb" in
        start) start || rc=1 ;;
        stop) stop ;;
        restart) stop; start || rc=1 ;;
        enable) touch "$ENABLED"; [ $now = 1 ] && { start || rc=1; } ;;
        disable) rm -f "$ENABLED"; [ $now = 1 ] && stop ;;
        is-active) if running; then echo active; else echo inactive; rc=3; fi ;;
        is-enabled) if [ -e "$ENABLED" ]; then echo enabled; else echo disabled; rc=1; fi ;;
        status)
            if running; then echo "pacemaker_remote.service: active (running), pid $(pid)"
            else echo "pacemaker_remote.service: inactive (dead)"; rc=3; fi ;;
        kill) running && kill -s "$signal" "$(pid)" ;;
        *) echo "systemctl $verb: not supported by the tests/lab shim" >&2; rc=1 ;;
    esac
done
exit $rc
"""

CLUSTER_SYSTEMCTL = r"""#!/bin/sh
# tests/lab: systemctl for the cluster node without systemd; manages pacemaker only.
UNITS="pacemaker pacemaker.service"
STOP_TIMEOUT=${PCMK_LAB_STOP_TIMEOUT:-90}

unit_ok() {
    for u in $UNITS; do [ "$1" = "$u" ] && return 0; done
    echo "Unit $1 could not be found (tests/lab systemctl manages pacemaker only)." >&2
    exit 5
}
pid() { pgrep -o -x pacemakerd; }
running() { pid >/dev/null; }
# every daemon of the pacemaker unit (pacemakerd and its children; comm is cut at 15)
daemons() { pgrep '^pacemaker(d|-based|-fence|-execd|-attrd|-sched|-contr)'; }

start() {
    running && return 0
    env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
        HOME=/root sh -c '
        set -a
        for f in /etc/default/pacemaker /etc/sysconfig/pacemaker /etc/default/sbd; do
            [ -r "$f" ] && . "$f"
        done
        set +a
        : "${PCMK_logfile:=/var/log/pacemaker/pacemaker.log}"
        : "${PCMK_logfacility:=none}"
        export PCMK_logfile PCMK_logfacility
        cd /
        exec setsid -f /usr/sbin/pacemakerd </dev/null >>/var/log/pacemaker/pacemakerd.out 2>&1
    '
    i=0
    while [ $i -lt 50 ]; do running && return 0; i=$((i + 1)); sleep 0.1; done
    echo "pacemaker failed to start (see /var/log/pacemaker/pacemakerd.out)" >&2
    return 1
}

stop() {
    p=$(pid) && kill -TERM "$p" 2>/dev/null
    i=0
    while daemons >/dev/null; do
        if [ $i -ge $((STOP_TIMEOUT * 10)) ]; then
            echo "pacemaker: still running after ${STOP_TIMEOUT}s, SIGKILL" >&2
            daemons | xargs -r kill -KILL 2>/dev/null
            sleep 0.2
            break
        fi
        i=$((i + 1))
        sleep 0.1
    done
    return 0
}

signal=TERM
args=""
for a in "$@"; do
    case "$a" in
        --signal=*) signal=${a#--signal=} ;;
        -*) ;;
        *) args="$args $a" ;;
    esac
done
set -- $args
verb=$1
[ $# -gt 0 ] && shift
case "$verb" in
    daemon-reload|"") exit 0 ;;
    list-unit-files)
        echo "UNIT FILE          STATE    PRESET"
        echo "pacemaker.service  enabled  enabled"
        exit 0 ;;
esac
[ $# -ge 1 ] || { echo "systemctl $verb: which unit?" >&2; exit 1; }
rc=0
for unit in "$@"; do
    unit_ok "$unit"
    case "$verb" in
        start) start || rc=1 ;;
        stop) stop ;;
        restart) stop; start || rc=1 ;;
        enable|disable) ;;  # the lab's cluster node always runs pacemaker
        is-active) if running; then echo active; else echo inactive; rc=3; fi ;;
        is-enabled) echo enabled ;;
        status)
            if running; then echo "pacemaker.service: active (running), pid $(pid)"
            else echo "pacemaker.service: inactive (dead)"; rc=3; fi ;;
        kill) running && kill -s "$signal" "$(pid)" ;;
        *) echo "systemctl $verb: not supported by the tests/lab shim" >&2; rc=1 ;;
    esac
done
exit $rc
"""

SERVICE = r"""#!/bin/sh
# tests/lab: `service UNIT VERB` -> the lab's systemctl shim.
[ $# -ge 2 ] || { echo "usage: service UNIT start|stop|restart|status" >&2; exit 1; }
exec /usr/local/sbin/systemctl "$2" "$1"
"""


def systemctl_text(kind: str) -> str:
    """The systemctl shim for a node of `kind` (cluster, remote or guest)."""
    if kind == "cluster":
        return CLUSTER_SYSTEMCTL
    return SYSTEMCTL.replace("@PIDFILE@", PIDFILE).replace("@ENABLED@", ENABLED)


def install(folder: Path, kind: str = "remote") -> None:
    """Write the shims into folder (bind-mounted over the node's /usr/local/sbin)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (("systemctl", systemctl_text(kind)), ("service", SERVICE)):
        path = folder / name
        path.write_text(text)
        os.chmod(path, 0o755)
