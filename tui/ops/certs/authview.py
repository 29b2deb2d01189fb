"""The auth view: which authentication every node's Pacemaker Remote connections use, read-only.

    nodes = await collect_auth(pool, snapshot, default_host=session.action_host)
    for line in summarize(nodes, now=now): ...
    json_section = to_json(nodes, now=now)

Per cluster, remote and guest node (not bundle replicas, not ping nodes) it reads, as reads
(pool.run(..., read=True)) and concurrently: the environment files (nodecmds.read_env_files),
the authkey's sha256 at the effective PCMK_authkey_location (the hash only, the key is never
read out), and, when X.509 is configured, the certificate and CA files (public data) turned
into pki.CertFacts. The private key file is never read.

The mode is the one in effect: "x509" only when PCMK_ca_file, PCMK_cert_file and
PCMK_key_file are all set and the cluster runs Pacemaker >= 3.0.0; "partial" when some of the
three are set (the daemon silently stays on PSK); else "psk". An unreachable host or an
unreadable file is a problem string on that node, never an exception.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from tui.ops import files
from tui.ops.certs import pki
from tui.pacemaker import features, nodecmds
from tui.pacemaker.model import NodeKind, Snapshot
from tui.plaintext import one_line
from tui.remote.pool import OutputTooLarge
from tui.remote.transport import CommandResult, TransportError

PROBE_TIMEOUT = 20.0  # seconds per read
EXPIRY_WARNING_DAYS = 30
SHOWN = 120  # characters of a path or message kept in a problem line

TLS_VARIABLES = ("PCMK_ca_file", "PCMK_cert_file", "PCMK_key_file")
AUTH_VARIABLES = (*TLS_VARIABLES, "PCMK_crl_file", "PCMK_authkey_location")
KINDS = (NodeKind.CLUSTER, NodeKind.REMOTE, NodeKind.GUEST)  # bundle replicas, ping nodes: not ours


# --- the environment file ---------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class AuthSettings:
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    crl_file: str | None = None
    authkey_location: str | None = None
    mode: str = "psk"  # "x509" | "partial" | "psk": what the variables ask for
    missing: tuple[str, ...] = ()  # partial: the TLS variables that are not set

    @property
    def authkey_path(self) -> str:
        return self.authkey_location or nodecmds.AUTHKEY


def _read_env(text: str) -> dict[str, str]:
    """files.read_env (the env-file editor's reading); a line it cannot read (an unbalanced
    quote) is skipped on its own, so one bad line does not hide the others."""
    try:
        return files.read_env(text)
    except ValueError:
        values: dict[str, str] = {}
        for line in text.splitlines():
            try:
                values.update(files.read_env(line))
            except ValueError:
                continue
        return values


def auth_settings(env_text: str) -> AuthSettings:
    """The auth variables an environment file's text sets (later assignments win; an empty
    value counts as not set, as Pacemaker treats it)."""
    values = _read_env(env_text if isinstance(env_text, str) else "")
    got = {name: (values.get(name) or None) for name in AUTH_VARIABLES}
    set_tls = [name for name in TLS_VARIABLES if got[name]]
    if len(set_tls) == len(TLS_VARIABLES):
        mode, missing = "x509", ()
    elif set_tls:
        mode, missing = "partial", tuple(name for name in TLS_VARIABLES if not got[name])
    else:
        mode, missing = "psk", ()
    return AuthSettings(got["PCMK_ca_file"], got["PCMK_cert_file"], got["PCMK_key_file"],
                        got["PCMK_crl_file"], got["PCMK_authkey_location"], mode, missing)


# --- one node -----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class NodeAuth:
    node: str
    kind: str  # cluster | remote | guest
    version_ok: bool  # the snapshot's Pacemaker version has X.509 remote connections
    mode: str  # in effect: "x509" | "partial" | "psk"
    missing: tuple[str, ...]  # partial: the TLS variables not set
    authkey_path: str
    authkey_sha256: str | None  # hex; None: missing or unknown (the key itself is never read)
    cert: pki.CertFacts | None
    ca_sha256: str | None  # fingerprint (AB:CD:...) of the CA file's first certificate
    problems: tuple[str, ...]
    reachable: bool
    version: str | None = None  # the node's Pacemaker version (pacemakerd/pacemaker-remoted --version), else the snapshot's
    settings: AuthSettings = field(default_factory=AuthSettings)  # what the files say


def _why(result: CommandResult) -> str:
    if result.exit_status is None:
        return result.error or "did not finish"
    if result.exit_status == 127:
        return f"{result.argv[0]} is not there (exit 127)"
    lines = (result.stderr or result.stdout).decode("utf-8", "replace").strip().splitlines()
    return f"exit {result.exit_status}" + (f": {lines[-1]}" if lines else "")


async def _read(pool, host: str, argv, what: str) -> tuple[CommandResult | None, str | None]:
    """(the result, None) or (None, why it could not run)."""
    try:
        result = await pool.run(host, tuple(argv), purpose=f"auth view: {what}", read=True,
                                timeout=PROBE_TIMEOUT)
    except TransportError as exc:
        return None, exc.message + (f" ({exc.hint})" if exc.hint else "")
    except OutputTooLarge as exc:
        return None, exc.reason
    return result, None


def _path(path: str) -> str:
    return one_line(path, SHOWN)


async def _pem(pool, host: str, path: str, what: str, secret_paths: set[str]) -> tuple[bytes | None, str | None]:
    """A public PEM file's bytes, or why not. A path that is also the key or the authkey is
    not read: the view never moves a secret."""
    if path in secret_paths:
        return None, f"{what} {_path(path)} is also the private key or the authkey file: not read"
    result, why = await _read(pool, host, files.cat(path), what)
    if result is None:
        return None, f"cannot read {what} {_path(path)}: {one_line(why, SHOWN)}"
    if result.exit_status != 0:
        return None, f"cannot read {what} {_path(path)}: {one_line(_why(result), SHOWN)}"
    return result.stdout, None


async def _authkey(pool, host: str, path: str, needed: bool) -> tuple[str | None, str | None]:
    result, why = await _read(pool, host, nodecmds.sha256(path), "authkey hash")
    if result is None:
        return None, f"cannot hash the authkey {_path(path)}: {one_line(why, SHOWN)}"
    if result.exit_status == 0:
        digest = files.parse_sha256(result.stdout)
        if digest:
            return digest, None
        return None, f"sha256sum of {_path(path)} printed no hash"
    text = _why(result)
    if "no such file" in text.lower():
        return None, (f"no authkey at {_path(path)}" if needed else None)
    return None, f"cannot hash the authkey {_path(path)}: {one_line(text, SHOWN)}"


async def _version(pool, host: str, kind: str) -> str | None:
    """The node's own Pacemaker version (`Pacemaker 3.0.0` first line), None when unknown."""
    result, _ = await _read(pool, host, nodecmds.pacemaker_version(kind), "Pacemaker version")
    if result is None or result.exit_status != 0:
        return None
    first = result.stdout.decode("utf-8", "replace").strip().splitlines()[:1]
    words = first[0].split() if first else []
    if len(words) >= 2 and words[0] == "Pacemaker" and features.parse_version(words[1]) is not None:
        return words[1]
    return None


async def _node_auth(pool, node, version: str | None) -> NodeAuth:
    name, kind = node.name, node.kind.value
    # each node's own version (a mixed cluster is what the conversion must refuse); the
    # snapshot's (the DC's) when the node does not say
    own, (result, why) = await asyncio.gather(  # concurrently: a silent node costs one probe timeout
        _version(pool, name, kind), _read(pool, name, nodecmds.read_env_files(), "environment files"))
    version = own or version
    version_ok = features.supports(features.X509_REMOTE, version)
    known_old = features.parse_version(version) is not None and not version_ok
    if result is None or result.exit_status is None:
        reason = why if result is None else _why(result)
        return NodeAuth(name, kind, version_ok, "psk", (), nodecmds.AUTHKEY, None, None, None,
                        (f"cannot reach {one_line(name)}: {one_line(reason, SHOWN)}",), False, version)
    problems: list[str] = []
    # cat prints what exists: exit 1 with one of the two files is normal, stdout counts
    if result.exit_status not in (0, 1):
        problems.append(f"cannot read the environment files: {one_line(_why(result), SHOWN)}")
        text = ""
    else:
        text = result.stdout.decode("utf-8", "replace")
    settings = auth_settings(text)
    mode, missing = settings.mode, settings.missing
    if known_old and mode != "psk":
        problems.append(f"Pacemaker {features.parse_version(version)} ignores "
                        f"{', '.join(n for n in TLS_VARIABLES if n not in missing)}: PSK is in effect "
                        f"(X.509 needs {features.X509_REMOTE.since})")
        mode, missing = "psk", ()
    elif mode == "partial":
        problems.append(f"X.509 is half configured ({', '.join(missing)} not set): the daemon stays on PSK")
    secret_paths = {settings.authkey_path} | ({settings.key_file} if settings.key_file else set())
    x509 = mode == "x509"
    key_task = _authkey(pool, name, settings.authkey_path, needed=not x509)
    cert_task = _pem(pool, name, settings.cert_file, "certificate", secret_paths) if x509 else _none()
    ca_task = _pem(pool, name, settings.ca_file, "CA file", secret_paths) if x509 else _none()
    (digest, key_problem), (cert_pem, cert_problem), (ca_pem, ca_problem) = await asyncio.gather(
        key_task, cert_task, ca_task)
    problems += [p for p in (key_problem, cert_problem, ca_problem) if p]
    cert = ca_sha256 = None
    cert_obj = None
    cas = []
    if cert_pem is not None:
        try:
            cert_obj = pki.load_certificate(cert_pem)
            cert = pki.facts_of(cert_obj)
        except pki.CertError as err:
            problems.append(f"certificate {_path(settings.cert_file)}: {err}")
    if ca_pem is not None:
        try:
            cas = pki.load_certificates(ca_pem)
            ca_sha256 = pki.fingerprint(cas[0])
        except pki.CertError as err:
            problems.append(f"CA file {_path(settings.ca_file)}: {err}")
    if cert_obj is not None and cas and not any(pki.verify_issued_by(cert_obj, ca) for ca in cas):
        problems.append(f"the certificate {_path(settings.cert_file)} is not signed by a CA in "
                        f"{_path(settings.ca_file)}: its peers' checks fail")
    return NodeAuth(name, kind, version_ok, mode, missing, settings.authkey_path, digest, cert, ca_sha256,
                    tuple(problems), True, version, settings)


async def _none():
    return None, None


async def collect_auth(pool, snapshot: Snapshot, *, default_host: str) -> tuple[NodeAuth, ...]:
    """Every cluster, then remote, then guest node's auth (each kind in the snapshot's order). Each node is
    asked directly (its name, as the pool reaches it); default_host is accepted for the
    callers' symmetry with diagnose and not needed: nothing is probed from elsewhere."""
    version = snapshot.pacemaker_version
    nodes = [n for kind in KINDS for n in snapshot.nodes if n.kind is kind]
    return tuple(await asyncio.gather(*(_node_auth(pool, n, version) for n in nodes)))


# --- the cluster ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Finding:
    level: str  # "error" | "warning"
    text: str

    def __str__(self) -> str:
        return f"{self.level}: {self.text}"


def _short(digest: str | None) -> str:
    return f"sha256 {digest[:12]}…" if digest else "?"


def _names(nodes) -> str:
    return ", ".join(one_line(n.node) for n in nodes)


def _cert_state(cert: pki.CertFacts, now: dt.datetime | None) -> tuple[str, int]:
    """("ok" | "warning" | "error" | "not-yet-valid", days left)."""
    days = cert.days_left(now)
    if pki.utc_now(now) >= cert.not_after:
        return "error", days
    if pki.utc_now(now) < cert.not_before:
        return "not-yet-valid", days
    return ("warning" if days < EXPIRY_WARNING_DAYS else "ok"), days


def findings(nodes, *, now: dt.datetime | None = None) -> tuple[Finding, ...]:
    """The cluster-level findings, errors first in the order below."""
    nodes = tuple(nodes)
    out: list[Finding] = []
    seen = [n for n in nodes if n.reachable]
    # the authkey matters where the connections use PSK
    keyed = [n for n in seen if n.mode != "x509" and n.authkey_sha256]
    groups = Counter(n.authkey_sha256 for n in keyed)
    if len(groups) > 1:
        ranked = sorted(groups, key=lambda d: (-groups[d], next(i for i, n in enumerate(keyed)
                                                                   if n.authkey_sha256 == d)))
        parts = [f"{_names([n for n in keyed if n.authkey_sha256 == d])} ({_short(d)})" for d in ranked]
        out.append(Finding("error", "the authkey is not identical: " + " vs ".join(parts)))
    modes = {n.mode for n in seen}
    if "x509" in modes and modes - {"x509"}:
        on_psk = [n for n in seen if n.mode != "x509"]
        out.append(Finding("error", f"mixed modes: X.509 on {_names([n for n in seen if n.mode == 'x509'])}, "
                                    f"PSK on {_names(on_psk)}: connections between them fail"))
    for n in seen:
        if n.mode == "partial":
            out.append(Finding("error", f"{one_line(n.node)}: X.509 partly configured ({', '.join(n.missing)} "
                                        f"missing): the daemon silently stays on PSK"))
    for n in seen:
        if n.cert is None:
            continue
        state, days = _cert_state(n.cert, now)
        end = n.cert.not_after.strftime("%Y-%m-%d")
        if state == "error":
            out.append(Finding("error", f"{one_line(n.node)}: the certificate expired on {end}"))
        elif state == "not-yet-valid":
            out.append(Finding("error", f"{one_line(n.node)}: the certificate is not valid before "
                                        f"{n.cert.not_before.strftime('%Y-%m-%d %H:%M')} UTC"))
        elif state == "warning":
            out.append(Finding("warning", f"{one_line(n.node)}: the certificate expires in {days} day(s) ({end})"))
    cas = Counter(n.ca_sha256 for n in seen if n.ca_sha256)
    if len(cas) > 1:
        parts = [f"{_names([n for n in seen if n.ca_sha256 == d])} ({d[:23]}…)" for d in cas]
        out.append(Finding("error", "different CA files: " + " vs ".join(parts)
                                    + ": each side checks its peer against its own CA file"))
    unreachable = [n for n in nodes if not n.reachable]
    if unreachable:
        out.append(Finding("warning", f"not checked (unreachable): {_names(unreachable)}"))
    return tuple(sorted(out, key=lambda f: f.level != "error"))


def summarize(nodes, *, now: dt.datetime | None = None) -> tuple[str, ...]:
    """The findings as one-line strings, "error: ..." / "warning: ..."."""
    return tuple(str(f) for f in findings(nodes, now=now))


# --- JSON ------------------------------------------------------------------------------------------

def _iso(when: dt.datetime) -> str:
    return when.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")


def _cert_json(cert: pki.CertFacts, now: dt.datetime | None) -> dict:
    state, days = _cert_state(cert, now)
    return {"subject": cert.subject, "issuer": cert.issuer, "not_before": _iso(cert.not_before),
            "not_after": _iso(cert.not_after), "days_left": days, "state": state,
            "serial": cert.serial_hex, "sha256": cert.sha256, "names": list(cert.names),
            "server_auth": cert.server_auth, "client_auth": cert.client_auth}


def node_json(n: NodeAuth, *, now: dt.datetime | None = None) -> dict:
    s = n.settings
    return {
        "node": n.node, "kind": n.kind, "reachable": n.reachable, "mode": n.mode,
        "configured_mode": s.mode, "missing": list(n.missing),
        "pacemaker_version": n.version, "x509_supported": n.version_ok,
        "files": {"ca": s.ca_file, "cert": s.cert_file, "key": s.key_file, "crl": s.crl_file},
        "authkey": {"path": n.authkey_path, "sha256": n.authkey_sha256},
        "certificate": _cert_json(n.cert, now) if n.cert is not None else None,
        "ca_sha256": n.ca_sha256,
        "problems": list(n.problems),
    }


def to_json(nodes, *, now: dt.datetime | None = None) -> dict:
    """The `status --json` section: {"nodes": [...], "findings": [{"level", "text"}]}. Values
    are exact strings; dump with ensure_ascii=True (exact and terminal-safe)."""
    nodes = tuple(nodes)
    return {"nodes": [node_json(n, now=now) for n in nodes],
            "findings": [{"level": f.level, "text": f.text} for f in findings(nodes, now=now)]}
