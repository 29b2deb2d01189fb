"""The CA that signs the nodes' certificates: the console's own (kept in the state directory)
or the operator's (two local PEM files).

    ca, created = load_or_create(default_ca_dir(state_dir, "prod"), name="prod")
    ca = load_given("/root/ca.crt", "/root/ca.key")
    cert_pem = sign(ca, csr_pem, "rn1", days=825)

The console's CA lives in a directory 0700: ca.crt 0644, ca.key 0600, each written atomically
(a temporary file, fsync, rename). It is created once and loaded every later time (a resume
or a renewal signs with the same CA). A file there that does not parse, a certificate that is
no CA, a key that does not match, or one of the two files without the other is a CAError
naming the path: such files are never overwritten. The key is held as a Secret.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import NameOID

from tui.ops.certs import pki
from tui.ops.certs.pki import CertError
from tui.plaintext import one_line
from tui.remote.secret import Secret

CA_CERT = "ca.crt"
CA_KEY = "ca.key"
CA_DAYS = 3650


class CAError(ValueError):
    """The CA cannot be used or made; str() is one terminal-safe line naming the path."""

    def __init__(self, message: str) -> None:
        super().__init__(one_line(message, limit=400))


@dataclass(frozen=True)
class CA:
    cert_pem: bytes
    key: Secret  # never shown: its repr names it only
    where: str  # where it came from, in words (a directory or the two paths)

    @property
    def fingerprint(self) -> str:
        return pki.fingerprint(pki.load_certificate(self.cert_pem))

    def describe(self) -> str:
        cert = pki.load_certificate(self.cert_pem)
        return (f"{one_line(cert.subject.rfc4514_string(), 80)} (sha256 {self.fingerprint[:23]}…, "
                f"valid until {cert.not_valid_after_utc:%Y-%m-%d})")


def default_ca_dir(state_dir: Path | str, cluster: str) -> Path:
    """<state dir>/certs/<cluster name>/ (a name unsafe as a file name becomes `_`s)."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in cluster or "cluster").lstrip(".") or "cluster"
    return Path(state_dir) / "certs" / safe


def ca_name(cluster: str) -> str:
    """The common name of a console-made CA: says what it is for, fits the 64-character CN."""
    return one_line(f"pcmk-console CA {cluster or 'cluster'}", pki.CN_MAX).replace("…", "")[:pki.CN_MAX]


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CAError(f"cannot read the {what} {path}: {exc.strerror or exc}") from None


def _check(cert_pem: bytes, key_pem: Secret, cert_path: str, key_path: str) -> None:
    try:
        cert = pki.load_certificate(cert_pem)
    except CertError as exc:
        raise CAError(f"{cert_path}: {exc}") from None
    if not pki.is_ca(cert):
        raise CAError(f"{cert_path}: the certificate is not a CA (basic constraints CA:false or absent)")
    try:
        key = pki.load_private_key(key_pem)
    except CertError as exc:
        raise CAError(f"{key_path}: {exc}") from None
    if not pki.same_public_key(cert.public_key(), key.public_key()):
        raise CAError(f"{key_path} does not match the CA certificate {cert_path}")


def load_given(cert_path: str | Path, key_path: str | Path) -> CA:
    """The operator's CA: a CA certificate and its unencrypted key, checked to belong together."""
    cert_path, key_path = Path(cert_path).expanduser(), Path(key_path).expanduser()
    cert_pem = _read(cert_path, "CA certificate")
    key = Secret(_read(key_path, "CA key"), f"CA key {key_path}")
    _check(cert_pem, key, str(cert_path), str(key_path))
    return CA(cert_pem, key, f"{cert_path} and {key_path}")


def load(ca_dir: str | Path) -> CA:
    """The console's CA in ca_dir; CAError when it is not there complete and sound."""
    ca_dir = Path(ca_dir).expanduser()
    cert_path, key_path = ca_dir / CA_CERT, ca_dir / CA_KEY
    have_cert, have_key = cert_path.exists(), key_path.exists()
    if not have_cert and not have_key:
        raise CAError(f"no CA in {ca_dir} (neither {CA_CERT} nor {CA_KEY})")
    if have_cert != have_key:
        there, missing = (cert_path, key_path) if have_cert else (key_path, cert_path)
        raise CAError(f"{there} is there but {missing} is not (an interrupted creation?): move {there} "
                      "away to create a new CA, or put the missing file back; nothing was overwritten")
    return dataclasses.replace(load_given(cert_path, key_path), where=str(ca_dir))


def _write_atomic(path: Path, data: bytes, mode: int) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, mode)  # the umask may have taken bits away; never more than asked
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _private_dir(ca_dir: Path) -> None:
    ca_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    if ca_dir.stat().st_mode & 0o077:
        os.chmod(ca_dir, 0o700)  # the CA key's directory is the console user's alone


def load_or_create(ca_dir: str | Path, *, name: str, days: int = CA_DAYS,
                   now: dt.datetime | None = None) -> tuple[CA, bool]:
    """(the CA, whether it was created now): loaded when ca_dir holds one, else created."""
    ca_dir = Path(ca_dir).expanduser()
    cert_path, key_path = ca_dir / CA_CERT, ca_dir / CA_KEY
    if cert_path.exists() or key_path.exists():
        return load(ca_dir), False
    try:
        _private_dir(ca_dir)
        cert_pem, key = pki.create_ca(ca_name(name), days=days, now=now)
        _write_atomic(key_path, key.reveal(), 0o600)
        _write_atomic(cert_path, cert_pem, 0o644)
    except OSError as exc:
        raise CAError(f"cannot create the CA in {ca_dir}: {exc.strerror or exc}") from None
    except CertError as exc:
        raise CAError(f"cannot create the CA: {exc}") from None
    return CA(cert_pem, key, str(ca_dir)), True


def common_name(csr: x509.CertificateSigningRequest) -> str | None:
    names = csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else None


def sign(ca: CA, csr_pem: bytes | str, node: str, *, days: int = 825, now: dt.datetime | None = None) -> bytes:
    """The node's certificate for the CSR read from it; CAError when the CSR is not PEM, does
    not verify, or its common name is not `node` (a CSR of another node is never signed)."""
    data = csr_pem.encode() if isinstance(csr_pem, str) else bytes(csr_pem)
    try:
        csr = x509.load_pem_x509_csr(data)
    except ValueError:
        raise CAError(f"{node}: what the node gave is not a PEM certificate request") from None
    cn = common_name(csr)
    if cn != node:
        raise CAError(f"{node}: the certificate request is for "
                      f"{one_line(cn, 80) if cn else 'no common name'}, not for {node}: refused")
    try:
        return pki.sign_csr(data, ca.cert_pem, ca.key, days=days, now=now, node_name=node)
    except CertError as exc:
        raise CAError(f"{node}: {exc}") from None
