"""Check a node's X.509 files as Pacemaker (GnuTLS) will, before anything is installed.

    problems = validate_node_files("rn1", ca_pem=ca, cert_pem=cert, key_pem=key, now=now,
                                   key_owner="root", key_group="haclient", key_mode=0o640)
    problems = validate_cluster({"n1": NodeFiles(...), "rn1": NodeFiles(...)}, now=now)
    [p.render() for p in problems]   # "rn1: certificate: expired on 2026-01-01 00:00 UTC"

Why every check matters (LAB-FACTS.md, measured on 3.0.0): a certificate the remote rejects
makes the cluster side hang 80 s and then hang its shutdown, so nothing may be restarted on a
certificate that fails here. Each side trusts only its own CA file, so all nodes need the same
one. pacemaker-controld runs as hacluster: on cluster nodes the key and CA file must be
readable by it (root:haclient 0640 and hacluster:haclient 0600 work, root:root fails); on
remote and guest nodes pacemaker-remoted runs as root (pass daemon="root").

A Problem names the node and the file role ("CA file", "certificate", "key", "CRL") and says
what is wrong in plain words; its level is "error" (stops the conversion) or "warning". The
message itself is terminal-safe (every string taken from a certificate or a peer's name goes
through one_line); render() makes the whole line safe, the node name included.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Literal, Mapping, NamedTuple

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tui.ops.certs import pki
from tui.ops.certs.pki import CertError, PemInput
from tui.plaintext import one_line

CA_FILE = "CA file"
CERTIFICATE = "certificate"
KEY = "key"
CRL = "CRL"
ROLES = (CA_FILE, CERTIFICATE, KEY, CRL)

WARN_DAYS = 30  # Pacemaker 3.0 logs "TLS certificate will expire on ..." within 30 days
DAEMON_GROUP = "haclient"

Level = Literal["error", "warning"]


class Problem(NamedTuple):
    node: str
    file: str  # one of ROLES
    message: str  # terminal-safe, without the node and file
    level: Level = "error"

    def render(self) -> str:
        """One terminal-safe line: "node: file: message" (warnings say so)."""
        prefix = "warning: " if self.level == "warning" else ""
        return one_line(f"{one_line(self.node, 80)}: {prefix}{self.file}: {self.message}")

    __str__ = render


class FileMode(NamedTuple):
    """A file's owner, group (names, as `stat -c '%U %G %a'` prints them) and mode bits."""

    owner: str
    group: str
    mode: int | str  # 0o640, or its octal digits "640"


@dataclass(frozen=True)
class NodeFiles:
    """One node's files (bytes read by the plan) and, when stat'ed, their owner/mode."""

    ca_pem: PemInput | None
    cert_pem: PemInput | None
    key_pem: PemInput | None  # the private key, or its public half (`openssl pkey -pubout` on the node)
    crl_pem: PemInput | None = None
    key_owner: str | None = None
    key_group: str | None = None
    key_mode: int | str | None = None
    daemon: str = "hacluster"  # "root" on remote and guest nodes (pacemaker-remoted)
    file_modes: Mapping[str, FileMode] = field(default_factory=dict)  # other roles


def _when(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _name(value: object, limit: int = 80) -> str:
    return one_line(value, limit)


_PEM_LABEL = re.compile(rb"-----BEGIN ([A-Z0-9 ]{1,40})-----")


def _labels(data: bytes) -> list[str]:
    return [m.decode("ascii") for m in _PEM_LABEL.findall(data)]


def _not_pem(labels: list[str], wanted: str) -> str:
    if not labels:
        return "is not PEM (Pacemaker reads PEM files only; a DER file must be converted)"
    return f"holds no {wanted} (found {_name(', '.join(dict.fromkeys(labels)))})"


class _Checker:
    """Collects the problems of one node."""

    def __init__(self, node: str, now: dt.datetime, warn_days: int) -> None:
        self.node = node
        self.now = now
        self.warn_days = warn_days
        self.problems: list[Problem] = []

    def error(self, role: str, message: str) -> None:
        self.problems.append(Problem(self.node, role, message, "error"))

    def warning(self, role: str, message: str) -> None:
        self.problems.append(Problem(self.node, role, message, "warning"))

    # -- parsing ----------------------------------------------------------------------

    def certificates(self, role: str, pem: PemInput | None) -> list[x509.Certificate]:
        if pem is None:
            self.error(role, "is missing")
            return []
        data = pki.to_bytes(pem)
        labels = _labels(data)
        if "CERTIFICATE" not in labels:
            self.error(role, _not_pem(labels, "certificate"))
            return []
        try:
            return x509.load_pem_x509_certificates(data)
        except ValueError:
            self.error(role, "holds a PEM certificate that does not parse")
            return []

    def private_key(self, pem: PemInput | None):
        if pem is None:
            self.error(KEY, "is missing")
            return None
        data = pki.to_bytes(pem)
        labels = _labels(data)
        if "PUBLIC KEY" in labels and not any(label.endswith("PRIVATE KEY") for label in labels):
            return self.public_key(data)  # the key's public half, read on its node: the key stays
        if not any(label.endswith("PRIVATE KEY") for label in labels):
            self.error(KEY, _not_pem(labels, "private key"))
            return None
        try:
            return pki.load_private_key(data)
        except CertError as err:
            if "encrypted" in str(err):
                self.error(KEY, "is encrypted; Pacemaker needs an unencrypted PEM key")
            else:
                self.error(KEY, "holds a PEM private key that does not parse (or not EC/RSA)")
            return None

    def public_key(self, data: bytes):
        try:
            key = serialization.load_pem_public_key(data)
        except (ValueError, UnsupportedAlgorithm):
            self.error(KEY, "gave a public key that does not parse")
            return None
        if not isinstance(key, (ec.EllipticCurvePublicKey, rsa.RSAPublicKey)):
            self.error(KEY, "is neither EC nor RSA")
            return None
        return key

    # -- checks -----------------------------------------------------------------------

    def validity(self, role: str, cert: x509.Certificate, what: str = "") -> None:
        start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
        lead = f"{what} " if what else ""
        if self.now < start:
            self.error(role, f"{lead}is not yet valid: valid from {_when(start)} (now {_when(self.now)})")
        elif self.now >= end:
            self.error(role, f"{lead}expired on {_when(end)} (now {_when(self.now)})")
        elif end - self.now < dt.timedelta(days=self.warn_days):
            days = (end - self.now).days
            self.warning(role, f"{lead}expires within {self.warn_days} days: on {_when(end)} ({days} days left)")

    def ca_file(self, cas: list[x509.Certificate]) -> None:
        for ca in cas:
            subject = _name(ca.subject.rfc4514_string())
            if not pki.is_ca(ca):
                self.error(CA_FILE, f"holds {subject}, which is not a CA certificate (CA:false)")
            self.validity(CA_FILE, ca, f"the CA {subject}")

    def chain(self, leaf: x509.Certificate, extra: list[x509.Certificate], cas: list[x509.Certificate]) -> None:
        """The leaf (through the intermediates in the certificate file) signed by a CA of the
        CA file: issuer name and signature, as GnuTLS checks."""
        current = leaf
        for depth in range(len(extra) + 1):
            anchor = next((ca for ca in cas if pki.verify_issued_by(current, ca)), None)
            if anchor is not None:
                limit = _path_length(anchor)
                if limit is not None and depth > limit:
                    self.error(
                        CERTIFICATE,
                        f"reaches the CA through {depth} intermediate(s) but the CA "
                        f"{_name(anchor.subject.rfc4514_string())} allows {limit}",
                    )
                return
            parent = next((c for c in extra if pki.verify_issued_by(current, c)), None)
            if parent is None:
                break
            subject = _name(parent.subject.rfc4514_string())
            if not pki.is_ca(parent):
                self.error(CERTIFICATE, f"holds the intermediate {subject}, which is not a CA certificate")
            self.validity(CERTIFICATE, parent, f"the intermediate {subject}")
            current = parent
        issuer = _name(current.issuer.rfc4514_string())
        held = _name("; ".join(ca.subject.rfc4514_string() for ca in cas) or "no CA")
        if any(ca.subject == current.issuer for ca in cas):
            self.error(
                CERTIFICATE,
                f"names {issuer} as its issuer but that CA's key did not sign it "
                "(another CA with the same name?); the peers will reject it",
            )
        else:
            self.error(
                CERTIFICATE,
                f"is not signed by the CA every peer will use: issued by {issuer}, "
                f"the CA file holds {held}",
            )

    def usage(self, leaf: x509.Certificate) -> None:
        server, client = pki.extended_key_usage(leaf)
        missing = [n for n, ok in (("serverAuth", server), ("clientAuth", client)) if not ok]
        if missing:
            self.warning(
                CERTIFICATE,
                f"lacks the {' and '.join(missing)} extended key usage: Pacemaker does not check "
                "it, but both sides present this certificate, so it should carry both",
            )

    def key_matches(self, key, leaf: x509.Certificate) -> None:
        public = key if isinstance(key, (ec.EllipticCurvePublicKey, rsa.RSAPublicKey)) else key.public_key()
        if not pki.same_public_key(public, leaf.public_key()):
            self.error(KEY, "does not match the certificate (pacemaker-remoted exits on this)")

    def crl(self, pem: PemInput, cas: list[x509.Certificate], leaf: x509.Certificate | None) -> None:
        data = pki.to_bytes(pem)
        labels = _labels(data)
        if "X509 CRL" not in labels:
            self.error(CRL, _not_pem(labels, "CRL (-----BEGIN X509 CRL-----)"))
            return
        try:
            crl = x509.load_pem_x509_crl(data)
        except ValueError:
            self.error(CRL, "does not parse as a CRL")
            return
        signer = next(
            (ca for ca in cas if ca.subject == crl.issuer and crl.is_signature_valid(ca.public_key())),
            None,
        )
        if signer is None and cas:
            self.error(
                CRL,
                f"is not signed by the CA in the CA file (it names {_name(crl.issuer.rfc4514_string())}); "
                "Pacemaker fails to load it",
            )
        if leaf is not None and crl.issuer == leaf.issuer:
            revoked = crl.get_revoked_certificate_by_serial_number(leaf.serial_number)
            if revoked is not None:
                self.error(
                    CRL,
                    f"revokes this node's certificate (serial {format(leaf.serial_number, 'X')}, "
                    f"revoked {_when(revoked.revocation_date_utc)})",
                )
        if crl.last_update_utc > self.now:
            self.warning(CRL, f"is issued in the future ({_when(crl.last_update_utc)})")
        if crl.next_update_utc is not None and crl.next_update_utc < self.now:
            self.warning(
                CRL,
                f"is out of date: its next update was due {_when(crl.next_update_utc)}; "
                "GnuTLS may treat it as superseded: issue a fresh CRL",
            )

    def mode(self, role: str, daemon: str, owner: object, group: object, mode: object) -> None:
        bits = _mode_bits(mode)
        if bits is None:
            self.error(role, f"has an unreadable mode value {_name(mode, 16)}")
            return
        owner_s = "?" if owner is None else _name(owner, 32)  # not stat'ed: matches nobody
        group_s = "?" if group is None else _name(group, 32)
        shown = f"{owner_s}:{group_s} {bits:04o}"
        if not _readable(daemon, str(owner), str(group), bits):
            self.error(
                role,
                f"is not readable by {_name(daemon, 32)} ({shown}); pacemaker-controld runs as "
                "hacluster: use root:haclient 0640 or hacluster:haclient 0600",
            )
        elif role == KEY and bits & 0o004:
            self.warning(role, f"is readable by every user ({shown}); a private key should be 0640 or 0600")
        if bits & 0o002:
            self.warning(role, f"is writable by every user ({shown})")


def _path_length(ca: x509.Certificate) -> int | None:
    try:
        return ca.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length
    except x509.ExtensionNotFound:
        return None


def _mode_bits(mode: object) -> int | None:
    if isinstance(mode, bool):
        return None
    if isinstance(mode, int):
        return mode & 0o7777 if 0 <= mode <= 0o177777 else None
    if isinstance(mode, str) and re.fullmatch(r"0?[0-7]{3,4}", mode):
        return int(mode, 8)
    return None


def _readable(daemon: str, owner: str, group: str, bits: int) -> bool:
    """Unix read permission for `daemon` (primary group haclient): the owner class decides
    first, then the group class, then others; root reads everything."""
    if daemon == "root":
        return True
    if owner == daemon:
        return bool(bits & 0o400)
    if group == DAEMON_GROUP:
        return bool(bits & 0o040)
    return bool(bits & 0o004)


def validate_node_files(
    node: str,
    *,
    ca_pem: PemInput | None,
    cert_pem: PemInput | None,
    key_pem: PemInput | None,
    crl_pem: PemInput | None = None,
    now: dt.datetime | None = None,
    key_owner: str | None = None,
    key_group: str | None = None,
    key_mode: int | str | None = None,
    daemon: str = "hacluster",
    file_modes: Mapping[str, FileMode] | None = None,
    warn_days: int = WARN_DAYS,
) -> list[Problem]:
    """Every problem of one node's files; [] when Pacemaker will accept them. Never raises
    on bad input: whatever the bytes, the answer is a list of Problems."""
    check = _Checker(node, pki.utc_now(now), warn_days)
    try:
        cas = check.certificates(CA_FILE, ca_pem)
        check.ca_file(cas)
        chain = check.certificates(CERTIFICATE, cert_pem)
        leaf = chain[0] if chain else None
        if leaf is not None:
            check.validity(CERTIFICATE, leaf)
            check.usage(leaf)
            if cas:
                check.chain(leaf, chain[1:], cas)
        key = check.private_key(key_pem)
        if key is not None and leaf is not None:
            check.key_matches(key, leaf)
        if crl_pem is not None:
            check.crl(crl_pem, cas, leaf)
        if key_mode is not None:
            check.mode(KEY, daemon, key_owner, key_group, key_mode)
        for role, fm in (file_modes or {}).items():
            if role in ROLES and role != KEY:
                check.mode(role, daemon, fm.owner, fm.group, fm.mode)
    except Exception as err:  # noqa: BLE001  a malformed certificate must not crash a wizard
        check.error(CERTIFICATE, f"could not be checked: {type(err).__name__}")
    return check.problems


def _ca_identity(files: NodeFiles) -> frozenset[str] | None:
    """The fingerprints of a node's CA file (not its bytes: PEM whitespace does not matter)."""
    if files.ca_pem is None:
        return None
    try:
        return frozenset(pki.fingerprint(c) for c in x509.load_pem_x509_certificates(pki.to_bytes(files.ca_pem)))
    except ValueError:
        return None


def _leaf(files: NodeFiles) -> x509.Certificate | None:
    if files.cert_pem is None:
        return None
    try:
        return x509.load_pem_x509_certificates(pki.to_bytes(files.cert_pem))[0]
    except (ValueError, IndexError):
        return None


def _others(names: list[str]) -> str:
    shown = ", ".join(_name(n, 64) for n in names[:3])
    return shown + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def validate_cluster(
    nodes: Mapping[str, NodeFiles], *, now: dt.datetime | None = None, warn_days: int = WARN_DAYS
) -> list[Problem]:
    """Every node's problems, then what only the whole cluster shows: all nodes must hold the
    same CA file (each side trusts only its own), and no two certificates share a serial."""
    problems: list[Problem] = []
    for node, files in nodes.items():
        problems += validate_node_files(
            node,
            ca_pem=files.ca_pem,
            cert_pem=files.cert_pem,
            key_pem=files.key_pem,
            crl_pem=files.crl_pem,
            now=now,
            key_owner=files.key_owner,
            key_group=files.key_group,
            key_mode=files.key_mode,
            daemon=files.daemon,
            file_modes=files.file_modes,
            warn_days=warn_days,
        )
    problems += _same_ca(nodes)
    problems += _unique_serials(nodes)
    return problems


def _same_ca(nodes: Mapping[str, NodeFiles]) -> list[Problem]:
    groups: dict[frozenset[str], list[str]] = {}
    for node, files in nodes.items():
        identity = _ca_identity(files)
        if identity:  # unparseable CA files are already reported per node
            groups.setdefault(identity, []).append(node)
    if len(groups) < 2:
        return []
    reference = max(groups.values(), key=len)  # the CA most nodes hold; ties: the first
    problems = []
    for members in groups.values():
        if members is reference:
            continue
        for node in members:
            problems.append(
                Problem(
                    node,
                    CA_FILE,
                    f"differs from the CA file on {_others(reference)}; each side trusts only "
                    "its own CA file, so every node needs the same one",
                )
            )
    return problems


def _unique_serials(nodes: Mapping[str, NodeFiles]) -> list[Problem]:
    seen: dict[tuple[bytes, int], list[tuple[str, str]]] = {}
    for node, files in nodes.items():
        leaf = _leaf(files)
        if leaf is not None:
            key = (leaf.issuer.public_bytes(), leaf.serial_number)
            seen.setdefault(key, []).append((node, pki.fingerprint(leaf)))
    problems = []
    for (_, serial), holders in seen.items():
        if len(holders) < 2:
            continue
        for node, digest in holders:
            peers = [n for n, _ in holders if n != node]
            same = all(d == digest for _, d in holders)
            what = "is the same certificate as" if same else f"has the same serial {format(serial, 'X')} as"
            problems.append(
                Problem(
                    node,
                    CERTIFICATE,
                    f"{what} the certificate on {_others(peers)}; each node needs its own "
                    "(a CRL entry for one would revoke all of them)",
                )
            )
    return problems
