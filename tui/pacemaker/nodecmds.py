"""argv for adding, removing and diagnosing remote and guest nodes: the wizards' vocabulary.

Pure and shared: tui.ops.nodes builds its plans and checks from these, tui.sim answers
exactly these, and the lab runs them on real Pacemaker. Every builder returns a tuple;
values travel as separate words, never pasted into a shell line. The few probes that need a
shell (a TCP connect) run a fixed script with the values as positional parameters.

Names reaching an XPath must be validated first (tui.ops.nodes.validate: an XML id cannot
hold a quote); the builders refuse anything else rather than quote it.
"""

from __future__ import annotations

import re
import shlex

Argv = tuple[str, ...]

AUTHKEY = "/etc/pacemaker/authkey"
# the environment file Pacemaker's units read: RHEL/SUSE, then Debian/Ubuntu
ENV_FILES = ("/etc/sysconfig/pacemaker", "/etc/default/pacemaker")
REMOTE_PORT = 3121
PCSD_PORT = 2224
REMOTED = "/usr/sbin/pacemaker-remoted"
REMOTE_UNIT = "pacemaker_remote"
COROSYNC_CONF = "/etc/corosync/corosync.conf"
CIB_XML = "/var/lib/pacemaker/cib/cib.xml"
PROBE_SECONDS = 5

# the daemons a target must (not) run, by process name (pgrep -x): no systemd needed
DAEMONS = {"pacemaker_remote": "pacemaker-remoted", "pacemaker": "pacemakerd", "corosync": "corosync"}

_XML_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


def _id(value: str) -> str:
    if not isinstance(value, str) or not _XML_ID.match(value):
        raise ValueError(f"not a valid XML id: {value!r}")
    return value


# --- probes (reads) -------------------------------------------------------------------------

def reachable() -> Argv:
    """Does a command run there at all (SSH works, the shell answers)."""
    return ("true",)


def path_exists(path: str) -> Argv:
    return ("test", "-e", path)


def executable(path: str) -> Argv:
    return ("test", "-x", path)


COMM_LENGTH = 15  # the kernel keeps a process name (comm) to 15 characters


def process_running(process: str) -> Argv:
    """Exit 0 when a process of exactly that name runs (pgrep prints its PIDs). pgrep -x
    matches the kernel's 15-character name and refuses a longer pattern (exit 1 while the
    daemon runs), so the name is cut as the kernel cuts it: "pacemaker-remot"."""
    return ("pgrep", "-x", process[:COMM_LENGTH])


def sha256(path: str) -> Argv:
    """`HEX  PATH`: the key's hash, compared between hosts (the key itself is never read out)."""
    return ("sha256sum", path)


def read_env_files() -> Argv:
    """Both environment files at once: `cat` prints what exists (exit 1 if one is missing)."""
    return ("cat", *ENV_FILES)


TCP_SCRIPT = 'exec 3<>"/dev/tcp/$1/$2"'


def tcp_connect(address: str, port: int, seconds: int = PROBE_SECONDS) -> Argv:
    """Exit 0 when a TCP connection to address:port opens from where this runs (bash's
    /dev/tcp; `timeout` bounds a silently dropping firewall). 124: timed out."""
    return ("timeout", str(seconds), "bash", "-c", TCP_SCRIPT, "tcp-connect", address, str(int(port)))


def firewall_state() -> Argv:
    """`running` / `not running` (exit 252); 127: firewalld is not installed."""
    return ("firewall-cmd", "--state")


def firewall_service(service: str = "high-availability") -> Argv:
    return ("firewall-cmd", "--query-service", service)


def firewall_port(port: int) -> Argv:
    return ("firewall-cmd", "--query-port", f"{int(port)}/tcp")


def cib_id_taken(name: str) -> Argv:
    """Exit 0 when any element of the CIB has this id (105/6 when none: not found)."""
    return ("cibadmin", "--query", "--xpath", f'//*[@id="{_id(name)}"]')


def cib_node_named(name: str) -> Argv:
    """Exit 0 when the CIB's <nodes> has a node with this uname (cluster or remote)."""
    return ("cibadmin", "--query", "--xpath", f'//nodes/node[@uname="{_id(name)}"]')


def cib_location_constraints(node: str) -> Argv:
    """The location constraints that name this node (exit 0 and the elements; 105/6: none)."""
    return ("cibadmin", "--query", "--xpath", f'//constraints/rsc_location[@node="{_id(node)}"]')


def cib_meta_present(resource: str, name: str) -> Argv:
    """Exit 0 when the primitive has this meta attribute (105/6 when not): a done probe."""
    return ("cibadmin", "--query", "--xpath",
            f'//primitive[@id="{_id(resource)}"]/meta_attributes/nvpair[@name="{_id(name)}"]')


LOG_FILE = "/var/log/pacemaker/pacemaker.log"
LOG_SCRIPT = 'tail -n "$1" "$2" | grep -F -e "$3"'


def log_lines(needle: str, *, lines: int = 5000, path: str = LOG_FILE) -> Argv:
    """The lines among the last `lines` of Pacemaker's log that contain `needle` (fixed
    string); exit 1 when none do."""
    return ("sh", "-c", LOG_SCRIPT, "log-lines", str(int(lines)), path, needle)


def pcs_version() -> Argv:
    return ("pcs", "--version")


def pcs_host_known(*names: str) -> Argv:
    """Exit 0 when this node's pcsd is authenticated to every one of `names` (pcs host auth
    was done); one `  NAME: Online|Offline|Unable to authenticate` line each."""
    return ("pcs", "pcsd", "status", *names)


# --- changes --------------------------------------------------------------------------------

def _options(pairs: dict[str, str | int | None]) -> tuple[str, ...]:
    return tuple(f"{k}={v}" for k, v in pairs.items() if v is not None and v != "")


def pcs_add_remote(name: str, address: str, *, port: int | None = None,
                   reconnect_interval: str | None = None, extra: dict[str, str] | None = None) -> Argv:
    """pcs cluster node add-remote NAME ADDR [port=] [reconnect_interval=] [extra...]."""
    return ("pcs", "cluster", "node", "add-remote", _id(name), address,
            *_options({"port": port, "reconnect_interval": reconnect_interval, **(extra or {})}))


def pcs_add_guest(name: str, resource: str, *, address: str | None = None, port: int | None = None,
                  connect_timeout: str | None = None) -> Argv:
    return ("pcs", "cluster", "node", "add-guest", _id(name), _id(resource),
            *_options({"remote-addr": address, "remote-port": port, "remote-connect-timeout": connect_timeout}))


def pcs_remove_remote(name: str) -> Argv:
    return ("pcs", "cluster", "node", "remove-remote", _id(name))


def pcs_remove_guest(name: str) -> Argv:
    return ("pcs", "cluster", "node", "remove-guest", _id(name))


def create_resource(xml: str) -> Argv:
    """Add a top-level <primitive> (XML built with lxml by the caller) to the resources."""
    return ("cibadmin", "--create", "--scope", "resources", "--xml-text", xml)


def delete_resource(resource: str) -> Argv:
    return ("cibadmin", "--delete", "--scope", "resources", "--xml-text", f'<primitive id="{_id(resource)}"/>')


def stop_resource(resource: str) -> Argv:
    return ("crm_resource", "--resource", _id(resource), "--meta", "--set-parameter", "target-role",
            "--parameter-value", "Stopped")


def set_meta(resource: str, name: str, value: str) -> Argv:
    return ("crm_resource", "--resource", _id(resource), "--meta", "--set-parameter", name,
            "--parameter-value", value)


def delete_meta(resource: str, name: str) -> Argv:
    return ("crm_resource", "--resource", _id(resource), "--meta", "--delete-parameter", name)


def resource_state(resource: str) -> Argv:
    """Where it runs: `resource X is running on: NODE` (exit 0), or `... is NOT running`."""
    return ("crm_resource", "--resource", _id(resource), "--locate")


def remove_node(name: str) -> Argv:
    """Forget a node the cluster no longer has a connection for."""
    return ("crm_node", "--force", "--remove", _id(name))


def enable_start(unit: str = REMOTE_UNIT) -> Argv:
    return ("systemctl", "enable", "--now", unit)


def disable_stop(unit: str = REMOTE_UNIT) -> Argv:
    return ("systemctl", "disable", "--now", unit)


def remove_file(path: str) -> Argv:
    return ("rm", "-f", path)


# --- previews (on a copy of the live CIB: the cluster is not changed) ----------------------

# The script is constant; its words are positional parameters:
#   $0 simulate-changes   $1 xml|text   $2 N   $3..$(N+2) the changes, each shlex.join(argv)
#   the rest: crm_simulate's own options (--run|--simulate, --output-as=xml, --node-down=NODE)
# The live CIB is copied into a temporary file (removed on exit), every change runs with
# CIB_file pointing at the copy (eval of its shlex-quoted words: one command, no expansion),
# then crm_simulate reads the copy. For XML the changes' own output goes to stderr, so stdout
# is crm_simulate's document alone; for text it stays in front of it, as it always did.
SIMULATE_SCRIPT = (
    'f=$(mktemp) || exit 1; trap \'rm -f "$f"\' EXIT; trap \'exit 143\' HUP INT TERM; '
    'cibadmin --query > "$f" || exit 1; '
    'out=$1; n=$2; shift 2; '
    'case $n in ""|*[!0-9]*) echo "impact preview: bad change count" >&2; exit 1;; esac; '
    'export CIB_file="$f"; '
    'while [ "$n" -gt 0 ]; do '
    'if [ "$out" = xml ]; then eval "$1" >&2; else eval "$1"; fi || { rc=$?; '
    'printf \'impact preview: the change failed on the copy of the CIB (exit %s): %s\\n\' "$rc" "$1" >&2; '
    'exit 1; }; '
    'shift; n=$((n - 1)); done; '
    'crm_simulate --xml-file "$f" "$@"'
)
SIMULATE_NAME = "simulate-changes"


def simulate_changes(changes, *, nodes_down=(), xml: bool = True, execute: bool = False) -> Argv:
    """What the cluster would do after `changes` (CIB edits such as crm_attribute standby,
    crm_resource --move, stop_resource) with `nodes_down` taken down, computed by
    crm_simulate on a temporary copy of the live CIB: the live CIB is untouched.

    xml: `--output-as=xml` (Pacemaker >= 2.1.0; tui.pacemaker.impact.parse_simulate_xml),
    else text (parse_simulate_text). crm_simulate runs with `--run`: the transition summary
    without executing the transition (`--simulate` also executes it, to print the revised
    status, and 2.1.5 aborts on some CIBs doing so); execute=True asks for `--simulate`.
    A node name goes as `--node-down=NAME`, one word, never read as an option."""
    argvs = [tuple(change) for change in changes]
    for change in argvs:
        if not change or not all(isinstance(word, str) for word in change):
            raise ValueError(f"a change is a non-empty argv of strings: {change!r}")
    downs = tuple(nodes_down)
    for node in downs:
        if not isinstance(node, str) or not node or "\0" in node:
            raise ValueError(f"not a node name: {node!r}")
    options = ["--simulate" if execute else "--run"]
    if xml:
        options.append("--output-as=xml")
    options += [f"--node-down={node}" for node in downs]
    return ("sh", "-c", SIMULATE_SCRIPT, SIMULATE_NAME, "xml" if xml else "text", str(len(argvs)),
            *(shlex.join(change) for change in argvs), *options)


def simulate_change(change: Argv) -> Argv:
    """The text preview of one change, with the transition executed (Current cluster
    status, Transition Summary, Revised Cluster Status): simulate_changes for one change."""
    if not change:
        raise ValueError("simulate_change needs the change's argv")
    return simulate_changes((tuple(change),), xml=False, execute=True)


# --- X.509 for remote connections (tui.ops.certs) -------------------------------------------
# Pacemaker >= 3.0.0 reads PCMK_ca_file, PCMK_cert_file, PCMK_key_file (all three, or it stays
# on PSK) and PCMK_crl_file at daemon start. Private keys are made on their node and never
# leave it: only a CSR, a public key or a certificate is read back.

CLUSTER_UNIT = "pacemaker"
TLS_DIR = "/etc/pacemaker/tls"  # root:haclient 0750: pacemaker-controld (hacluster) reads in it
TLS_VARIABLES = ("PCMK_ca_file", "PCMK_cert_file", "PCMK_key_file", "PCMK_crl_file")
VERSION_PROGRAMS = {"cluster": "pacemakerd", "remote": "pacemaker-remoted", "guest": "pacemaker-remoted"}
# the daemons whose environment proves the switch: the one holding the connection on each side
TLS_DAEMONS = {"cluster": "pacemaker-controld", "remote": "pacemaker-remoted", "guest": "pacemaker-remoted"}


def pacemaker_version(kind: str) -> Argv:
    """`Pacemaker 3.0.0` on its first line: pacemakerd on a cluster node, pacemaker-remoted
    on a remote or guest node (each is what its package installs)."""
    return (VERSION_PROGRAMS[kind], "--version")


def openssl_present() -> Argv:
    return ("openssl", "version")


def make_tls_dir(path: str = TLS_DIR) -> Argv:
    return ("install", "-d", "-m", "0750", "-o", "root", "-g", "haclient", path)


def generate_key(path: str) -> Argv:
    """A new EC P-256 private key on the node, written 0600 by openssl itself (never shown)."""
    return ("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path)


def key_access(path: str, owner: str = "root", group: str = "haclient", mode: int = 0o640) -> tuple[Argv, Argv]:
    """chown then chmod: what the daemon that reads the key needs (hacluster reads through
    haclient on cluster nodes; pacemaker-remoted runs as root)."""
    return ("chown", f"{owner}:{group}", path), ("chmod", f"{mode:04o}", path)


def make_csr(key_path: str, common_name: str) -> Argv:
    """A PEM certificate request for the key, on stdout (the console signs it)."""
    if not common_name or "/" in common_name or "\\" in common_name or "=" in common_name:
        raise ValueError(f"not usable as a certificate's common name: {common_name!r}")
    return ("openssl", "req", "-new", "-key", key_path, "-subj", f"/CN={common_name}")


def public_key(key_path: str) -> Argv:
    """The key's public half, PEM on stdout: compared with a certificate's, the key stays."""
    return ("openssl", "pkey", "-in", key_path, "-pubout")


def stat_files(*paths: str) -> Argv:
    """`OWNER:GROUP:MODE PATH` per line, for the daemon-can-read checks."""
    return ("stat", "-c", "%U:%G:%a %n", *paths)


def restart(unit: str) -> Argv:
    return ("systemctl", "restart", unit)


ENVIRON_SCRIPT = ('pid=$(pgrep -o -x "$1") || exit 3; '
                  'tr "\\0" "\\n" < "/proc/$pid/environ" | grep -E "^PCMK_(ca|cert|key|crl)_file=" || true')


def daemon_tls_environ(process: str) -> Argv:
    """The PCMK_*_file variables a running daemon started with (its /proc/PID/environ,
    filtered on the node so nothing else leaves it): evidence of what it uses. Exit 3 when
    it does not run."""
    return ("sh", "-c", ENVIRON_SCRIPT, "tls-environ", process[:COMM_LENGTH])


def cleanup_resource(resource: str) -> Argv:
    """Forget a resource's failures (a connection that failed while the sides disagreed)."""
    return ("crm_resource", "--cleanup", "--resource", _id(resource))


def move_file(source: str, target: str) -> Argv:
    return ("mv", "-f", source, target)


def node_in_maintenance(name: str) -> Argv:
    """Exit 0 once the DC's transition has marked NAME's node_state in maintenance. Restart
    pacemaker_remote only after this holds: measured in the lab (3.0.0), a restart sooner
    finds the controller still ACKing its shutdown request and then waiting for resources
    maintenance mode never stops (60 s in the lab, systemd's 30 min TimeoutStopSec on a host)."""
    return ("cibadmin", "--query", "--xpath", f"//node_state[@uname=\"{_id(name)}\"][@node_in_maintenance=\"1\"]")
