"""Remote connections with X.509 certificates, decided as Pacemaker 3.0.0 decides them.

Each daemon uses the environment it started with (hosts.Service.environ): X.509 only when
PCMK_ca_file, PCMK_cert_file and PCMK_key_file are all set (a partial set silently stays on
PSK). A connection from a cluster node's pacemaker-controld (user hacluster) to a remote's
pacemaker-remoted (root) works when both sides are PSK with the same key (state.py checks
the key), or both X.509 with each side's files readable and its certificate matching its
key, and each peer's certificate verifying against the OTHER side's CA file (and CRL):
issuer known, inside its validity window, not revoked. No hostname or EKU check.
Everything else fails, worded as ../shared/LAB-FACTS.md "X.509 remote connections on 3.0.0"
records the real daemons (GnuTLS's strerror and verification words).

The simulator sits beside tui.ops in the layers (it may not import tui.ops.certs), so the
few certificate checks it needs are made here with `cryptography` directly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tui.sim.hosts import SimHost

if TYPE_CHECKING:  # cryptography is imported where a certificate is read: the PSK demo never needs it
    from cryptography import x509

PSK, X509 = "PSK", "X.509"
CA_VAR, CERT_VAR, KEY_VAR, CRL_VAR = "PCMK_ca_file", "PCMK_cert_file", "PCMK_key_file", "PCMK_crl_file"
CLUSTER_USER, REMOTE_USER = "hacluster", "root"  # who reads the files: controld, remoted

# GnuTLS's words (gnutls_strerror; certificate verification status)
FILE_ERROR = "Error while reading file."
KEY_MISMATCH = "The certificate and the given key do not match."
DECODING = "Base64 decoding error."
NOT_TRUSTED = "The certificate is NOT trusted."
UNKNOWN_ISSUER = f"{NOT_TRUSTED} The certificate issuer is unknown."
EXPIRED = f"{NOT_TRUSTED} The certificate chain uses expired certificate."
NOT_YET = f"{NOT_TRUSTED} The certificate chain uses not yet valid certificate."
REVOKED = f"{NOT_TRUSTED} The certificate chain is revoked."
NO_CIPHERS = "No supported cipher suites have been found."  # a PSK peer meets a certificate-only one

# Pacemaker's log lines (lib/common/tls.c, lib/lrmd/lrmd_client.c, daemons/execd/remoted_tls.c)
SET_FAILED = "Failed to set X509 {what}: {why}"
PEER_INVALID = "Peer certificate invalid: {why}"
VERIFY_FAILED = "Certificate verification failed: {why}"
NO_LISTENER = "Failed to create TLS listener"

# why a connection fails (state.py turns these into the failed start)
REJECTED, HANGS = "tls-rejected", "tls-hangs"


def mode(environ: dict[str, str]) -> str:
    return X509 if all(environ.get(v) for v in (CA_VAR, CERT_VAR, KEY_VAR)) else PSK


class _Unusable(ValueError):
    pass


def _certificates(pem: bytes) -> list[x509.Certificate]:
    if b"-----BEGIN CERTIFICATE-----" not in pem:
        raise _Unusable
    from cryptography import x509

    try:
        return x509.load_pem_x509_certificates(pem)
    except ValueError:
        raise _Unusable from None


def _private_key(pem: bytes):
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization

    try:
        return serialization.load_pem_private_key(pem, password=None)
    except (TypeError, ValueError, UnsupportedAlgorithm):
        raise _Unusable from None


def _same_key(a, b) -> bool:
    from cryptography.hazmat.primitives import serialization

    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    return a.public_bytes(*spki) == b.public_bytes(*spki)


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    from cryptography.exceptions import InvalidSignature

    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


@dataclass
class Credentials:
    cas: list[x509.Certificate]
    cert: x509.Certificate
    crl: x509.CertificateRevocationList | None


class SetupError(Exception):
    """A daemon could not load its own files: the log line it writes."""


def _read(machine: SimHost, user: str, path: str, what: str) -> bytes:
    node = machine.fs.get(path)
    if node is None or node.is_dir or not machine.can_read(user, path):
        raise SetupError(SET_FAILED.format(what=what, why=FILE_ERROR))
    return node.content or b""


def load(machine: SimHost, environ: dict[str, str], user: str) -> Credentials:
    """The daemon's credentials in the order Pacemaker loads them: CA file, CRL, cert/key."""
    ca_pem = _read(machine, user, environ[CA_VAR], "CA file")
    try:
        cas = _certificates(ca_pem)
    except _Unusable:
        raise SetupError(SET_FAILED.format(what="CA file", why=DECODING)) from None
    crl = None
    if environ.get(CRL_VAR):
        crl_pem = _read(machine, user, environ[CRL_VAR], "CRL file")
        from cryptography import x509

        try:
            crl = x509.load_pem_x509_crl(crl_pem)
        except ValueError:
            raise SetupError(SET_FAILED.format(what="CRL file", why=DECODING)) from None
    cert_pem = _read(machine, user, environ[CERT_VAR], "cert/key pair")
    key_pem = _read(machine, user, environ[KEY_VAR], "cert/key pair")
    try:
        cert = _certificates(cert_pem)[0]
        key = _private_key(key_pem)
    except _Unusable:
        raise SetupError(SET_FAILED.format(what="cert/key pair", why=DECODING)) from None
    if not _same_key(key.public_key(), cert.public_key()):
        raise SetupError(SET_FAILED.format(what="cert/key pair", why=KEY_MISMATCH))
    return Credentials(cas, cert, crl)


def verify(peer: x509.Certificate, mine: Credentials, now: dt.datetime) -> str | None:
    """GnuTLS's verdict on the peer's certificate against our CA file and CRL; None: trusted."""
    issuer = next((ca for ca in mine.cas if _issued_by(peer, ca)), None)
    if issuer is None:
        return UNKNOWN_ISSUER
    if mine.crl is not None and mine.crl.issuer == issuer.subject \
            and mine.crl.get_revoked_certificate_by_serial_number(peer.serial_number) is not None:
        return REVOKED
    for cert in (peer, issuer):
        if now > cert.not_valid_after_utc:
            return EXPIRED
        if now < cert.not_valid_before_utc:
            return NOT_YET
    return None


@dataclass
class Failure:
    """Why the connection fails and what each side logs: (function, level, message) lines."""

    code: str
    cluster: list[tuple[str, str, str]] = field(default_factory=list)
    remote: list[tuple[str, str, str]] = field(default_factory=list)


def environ_of(machine: SimHost, unit: str) -> dict[str, str]:
    """The TLS-relevant start environment; a machine set to a 2.x release (SimHost.version)
    ignores PCMK_ca_file and the others, as 2.1.x does (LAB-FACTS): none of them counts."""
    service = machine.service(unit)
    environ = dict(service.environ) if service is not None else {}
    if machine.version.startswith(("1.", "2.")):
        environ = {k: v for k, v in environ.items() if k not in (CA_VAR, CERT_VAR, KEY_VAR, CRL_VAR)}
    return environ


def remote_start_problem(machine: SimHost) -> str | None:
    """pacemaker-remoted loads its credentials at start (X.509 only): the line it logs
    before exiting, or None."""
    environ = environ_of(machine, "pacemaker_remote")
    if mode(environ) != X509:
        return None
    try:
        load(machine, environ, REMOTE_USER)
    except SetupError as err:
        return str(err)
    return None


def connection_failure(cluster: SimHost, remote: SimHost, now: dt.datetime, address: str, port: int) -> Failure | None:
    """Why the cluster node's controller cannot connect to the remote's daemon, None when the
    TLS side works (both PSK: the key is the caller's to check)."""
    c_env, r_env = environ_of(cluster, "pacemaker"), environ_of(remote, "pacemaker_remote")
    c_mode, r_mode = mode(c_env), mode(r_env)
    if c_mode == PSK and r_mode == PSK:
        return None
    handshake = f"TLS handshake with remote client failed: {NO_CIPHERS}"
    if c_mode != r_mode:  # a PSK side and a certificate side share no cipher suite
        return Failure(REJECTED, remote=[("lrmd_remote_client_msg", "error", handshake)])
    try:
        mine = load(cluster, c_env, CLUSTER_USER)
    except SetupError as err:
        return Failure(REJECTED, cluster=[("pcmk__init_tls", "error", str(err))])
    try:
        theirs = load(remote, r_env, REMOTE_USER)
    except SetupError as err:  # changed under a running daemon: it fails every handshake
        return Failure(REJECTED, remote=[("pcmk__init_tls", "error", str(err))])
    why = verify(theirs.cert, mine, now)
    if why is not None:
        return Failure(REJECTED, cluster=[("pcmk__tls_check_cert", "error", PEER_INVALID.format(why=why))])
    why = verify(mine.cert, theirs, now)
    if why is not None:
        # TLS 1.3: the client's handshake is done before the server rejects its certificate,
        # so the cluster waits for an answer until the start times out (LAB-FACTS' danger)
        return Failure(HANGS, remote=[("lrmd_remote_client_msg", "error", VERIFY_FAILED.format(why=why))])
    return None
