"""What stands in for systemd on the lab's remote, guest and spare nodes (there is no
systemd here): a `systemctl` and a `service` in the node's /usr/local/sbin (first in PATH,
for SSH sessions and lab.run_on alike) that manage exactly one unit, pacemaker_remote.

The daemon is started the way its unit (Type=simple) would: the environment files sourced
first (/etc/default/pacemaker, the node's own), then /usr/sbin/pacemaker-remoted detached
(setsid) with its PID in /run/pacemaker_remote.pid (the node's private tmpfs /run). The
node's PID 1 reaps it when it exits, so "running" is simply "that PID is alive".
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

SERVICE = r"""#!/bin/sh
# tests/lab: `service UNIT VERB` -> the lab's systemctl shim.
[ $# -ge 2 ] || { echo "usage: service UNIT start|stop|restart|status" >&2; exit 1; }
exec /usr/local/sbin/systemctl "$2" "$1"
"""


def install(folder: Path) -> None:
    """Write the shims into folder (bind-mounted over the node's /usr/local/sbin)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (("systemctl", SYSTEMCTL), ("service", SERVICE)):
        path = folder / name
        path.write_text(text.replace("@PIDFILE@", PIDFILE).replace("@ENABLED@", ENABLED))
        os.chmod(path, 0o755)
