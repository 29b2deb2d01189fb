"""A private CA, node keys, CSRs, signing and CRLs, with the `cryptography` package.

    ca_cert, ca_key = create_ca("pcmk-console CA", days=3650)
    key = make_key()                       # on the node: the key never leaves it
    csr = make_csr(key, "rn1")             # on the node
    cert = sign_csr(csr, ca_cert, ca_key, days=825, node_name="rn1")   # on the console
    cert_facts(cert).days_left(now)

Certificates carry serverAuth and clientAuth (both sides of a Pacemaker Remote connection
present one), SAN = the node name (and its IP when it is one). Private keys are unencrypted
PKCS#8 PEM because Pacemaker reads only unencrypted keys; they are returned as Secret and
accepted as Secret, bytes or str. Every failure is a CertError with one terminal-safe line.
`now` is injectable everywhere so nothing depends on the wall clock in tests.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import re
from dataclasses import dataclass
from typing import Iterable, Literal, Sequence

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tui.plaintext import one_line
from tui.remote.secret import Secret

KeyKind = Literal["ec", "rsa"]
PemInput = bytes | str | Secret

# a node whose clock lags a little must not see its new certificate as "not yet valid"
# (a rejected cluster certificate hangs the connection 80 s): start validity a bit earlier
BACKDATE = dt.timedelta(hours=1)
CN_MAX = 64  # RFC 5280 ub-common-name; longer names go in the SAN only
NAME_MAX = 253  # a DNS name
RSA_BITS = 3072
RSA_MIN_BITS = 2048
DAYS_MAX = 36500

_DNS_NAME = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?")


class CertError(ValueError):
    """A certificate operation that cannot be done; str() is one terminal-safe line."""

    def __init__(self, message: str) -> None:
        super().__init__(one_line(message, limit=300))


def to_bytes(value: PemInput) -> bytes:
    """PEM input as bytes (a Secret revealed only here, never printed)."""
    if isinstance(value, Secret):
        return value.reveal()
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape")
    return bytes(value)


def utc_now(now: dt.datetime | None = None) -> dt.datetime:
    """`now` as an aware UTC datetime (naive values are taken as UTC)."""
    if now is None:
        return dt.datetime.now(dt.timezone.utc)
    if now.tzinfo is None:
        return now.replace(tzinfo=dt.timezone.utc)
    return now.astimezone(dt.timezone.utc)


def _check_days(days: int) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= DAYS_MAX:
        raise CertError(f"validity must be a whole number of days, 1-{DAYS_MAX}")
    return days


def check_node_name(name: object) -> str | None:
    """Why `name` cannot name a certificate (a DNS name or an IP address), or None."""
    if not isinstance(name, str) or name == "":
        return "a node name is required"
    if len(name) > NAME_MAX:
        return f"the node name is longer than {NAME_MAX} characters"
    if _ip(name) is not None:
        return None
    if not _DNS_NAME.fullmatch(name):
        bad = next((ch for ch in name if not re.fullmatch(r"[A-Za-z0-9_.-]", ch)), None)
        what = ascii(bad) if bad is not None else "its first or last character"
        return f"the node name is not a host name (letters, digits, _ . -): {what}"
    return None


def _ip(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return None


def _require_name(name: object) -> str:
    why = check_node_name(name)
    if why is not None:
        raise CertError(why)
    assert isinstance(name, str)
    return name


def _subject(name: str) -> x509.Name:
    if len(name) > CN_MAX:
        return x509.Name([])
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])


def _san(names: Iterable[str]) -> x509.SubjectAlternativeName:
    general: list[x509.GeneralName] = []
    for name in dict.fromkeys(names):  # keep order, drop repeats
        general.append(x509.DNSName(name))
        ip = _ip(name)
        if ip is not None:
            general.append(x509.IPAddress(ip))
    return x509.SubjectAlternativeName(general)


# ---- keys -------------------------------------------------------------------------------


def _new_private_key(kind: KeyKind):
    if kind == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
    raise CertError("key kind must be 'ec' (P-256) or 'rsa' (3072 bits)")


def _key_pem(key) -> Secret:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),  # Pacemaker reads unencrypted PEM keys only
    )
    return Secret(pem, "private key")


def make_key(kind: KeyKind = "ec") -> Secret:
    """A new private key as unencrypted PKCS#8 PEM: EC P-256 (default) or RSA 3072."""
    return _key_pem(_new_private_key(kind))


def load_private_key(key_pem: PemInput):
    """The key object from unencrypted PEM; CertError names what is wrong, never the bytes."""
    data = to_bytes(key_pem)
    if b"ENCRYPTED" in data:
        raise CertError("the private key is encrypted; Pacemaker needs an unencrypted PEM key")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise CertError(
            "the private key is encrypted; Pacemaker needs an unencrypted PEM key"
        ) from None
    except (ValueError, UnsupportedAlgorithm):
        raise CertError("not a PEM private key") from None
    if not isinstance(key, (ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey)):
        raise CertError("the private key is neither EC nor RSA")
    return key


# ---- CA ---------------------------------------------------------------------------------


def create_ca(
    common_name: str, days: int = 3650, now: dt.datetime | None = None, *, kind: KeyKind = "ec"
) -> tuple[bytes, Secret]:
    """A self-signed CA: (certificate PEM, unencrypted key PEM as a Secret). The console keeps
    the key (state directory, 0600); it signs node CSRs and CRLs."""
    if not isinstance(common_name, str) or not common_name.strip():
        raise CertError("the CA needs a common name")
    if len(common_name) > CN_MAX:
        raise CertError(f"the CA common name is longer than {CN_MAX} characters")
    if not common_name.isprintable():
        raise CertError("the CA common name holds control characters")
    days = _check_days(days)
    start = utc_now(now)
    key = _new_private_key(kind)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start - BACKDATE)
        .not_valid_after(start + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM), _key_pem(key)


def load_certificates(pem: PemInput) -> list[x509.Certificate]:
    """Every certificate in a PEM file (a CA file may hold several); CertError when none."""
    data = to_bytes(pem)
    if b"-----BEGIN CERTIFICATE-----" not in data:
        raise CertError("not a PEM certificate")
    try:
        return x509.load_pem_x509_certificates(data)
    except ValueError:
        raise CertError("a PEM certificate in it does not parse") from None


def load_certificate(pem: PemInput) -> x509.Certificate:
    """The first certificate of a PEM file (the leaf of a certificate file)."""
    return load_certificates(pem)[0]


def _load_ca(ca_cert_pem: PemInput, ca_key_pem: PemInput):
    ca = load_certificate(ca_cert_pem)
    try:
        ca_key = load_private_key(ca_key_pem)
    except CertError as err:
        raise CertError(f"CA key: {err}") from None
    if not is_ca(ca):
        raise CertError("the CA certificate is not a CA (basic constraints CA:false or absent)")
    if not same_public_key(ca.public_key(), ca_key.public_key()):
        raise CertError("the CA key does not match the CA certificate")
    return ca, ca_key


def same_public_key(a, b) -> bool:
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    return a.public_bytes(*spki) == b.public_bytes(*spki)


def is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


# ---- node CSR and certificate -----------------------------------------------------------


def make_csr(key_pem: PemInput, node_name: str) -> bytes:
    """A CSR for `node_name` signed by the node's key (what the node does; the key stays)."""
    name = _require_name(node_name)
    key = load_private_key(key_pem)
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(_subject(name))
        .add_extension(_san([name]), critical=len(name) > CN_MAX)
        .sign(key, hashes.SHA256())
    )
    return csr.public_bytes(serialization.Encoding.PEM)


def csr_names(csr: x509.CertificateSigningRequest) -> list[str]:
    """The names a CSR asks for: its common name and its SAN DNS names."""
    names = [str(a.value) for a in csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    try:
        san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names += san.get_values_for_type(x509.DNSName)
    except x509.ExtensionNotFound:
        pass
    return names


def sign_csr(
    csr_pem: PemInput,
    ca_cert_pem: PemInput,
    ca_key_pem: PemInput,
    days: int = 825,
    now: dt.datetime | None = None,
    *,
    node_name: str | None = None,
    extra_names: Sequence[str] = (),
) -> bytes:
    """A node certificate (PEM) for the CSR, signed by the CA.

    Refuses a CSR whose signature does not verify, a weak RSA key, and (with `node_name`) a
    CSR that names another node, so CSRs of two nodes cannot be swapped. The certificate ends
    no later than the CA (a certificate outliving its CA is rejected anyway). `extra_names`
    (e.g. the address the cluster connects to) join the SAN; Pacemaker checks no name."""
    days = _check_days(days)
    try:
        csr = x509.load_pem_x509_csr(to_bytes(csr_pem))
    except ValueError:
        raise CertError("not a PEM certificate signing request") from None
    if not csr.is_signature_valid:
        raise CertError("the CSR's signature does not verify; it was not made with its key")
    public = csr.public_key()
    if isinstance(public, rsa.RSAPublicKey):
        if public.key_size < RSA_MIN_BITS:
            raise CertError(f"the CSR's RSA key has {public.key_size} bits; at least {RSA_MIN_BITS}")
    elif not isinstance(public, ec.EllipticCurvePublicKey):
        raise CertError("the CSR's key is neither EC nor RSA")
    asked = csr_names(csr)
    if node_name is None:
        if not asked:
            raise CertError("the CSR names no node (no common name, no DNS name)")
        name = _require_name(asked[0])
    else:
        name = _require_name(node_name)
        if asked and name not in asked:
            raise CertError(f"the CSR is for {one_line(asked[0], 80)}, not for this node")
    extras = [_require_name(n) for n in extra_names]
    ca, ca_key = _load_ca(ca_cert_pem, ca_key_pem)
    start = utc_now(now)
    end = min(start + dt.timedelta(days=days), ca.not_valid_after_utc)
    if end <= start:
        raise CertError("the CA has expired; create or renew the CA first")
    builder = (
        x509.CertificateBuilder()
        .subject_name(_subject(name))
        .issuer_name(ca.subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(max(start - BACKDATE, ca.not_valid_before_utc))
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
            critical=False,
        )
        .add_extension(_san([name, *extras]), critical=len(name) > CN_MAX)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
    )
    cert = builder.sign(ca_key, hashes.SHA256())
    return cert.public_bytes(serialization.Encoding.PEM)


def make_crl(
    ca_cert_pem: PemInput,
    ca_key_pem: PemInput,
    revoked_serials: Iterable[int] = (),
    days: int = 30,
    now: dt.datetime | None = None,
) -> bytes:
    """A CRL (PEM) signed by the CA revoking `revoked_serials`, next update in `days`."""
    days = _check_days(days)
    ca, ca_key = _load_ca(ca_cert_pem, ca_key_pem)
    start = utc_now(now)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.subject)
        .last_update(start - BACKDATE)
        .next_update(start + dt.timedelta(days=days))
    )
    for serial in revoked_serials:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(start).build()
        )
    return builder.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


# ---- facts for the auth view ------------------------------------------------------------


@dataclass(frozen=True)
class CertFacts:
    """What the auth view shows of a certificate. subject/issuer are RFC 4514 strings taken
    from the certificate: data, rendered through tui.plaintext.one_line."""

    subject: str
    issuer: str
    not_before: dt.datetime
    not_after: dt.datetime
    serial: int
    sha256: str  # "AB:CD:..." fingerprint of the DER certificate
    is_ca: bool
    names: tuple[str, ...] = ()  # SAN DNS names and IP addresses
    server_auth: bool = False
    client_auth: bool = False

    def days_left(self, now: dt.datetime | None = None) -> int:
        """Whole days until expiry (negative once expired)."""
        return (self.not_after - utc_now(now)).days

    @property
    def serial_hex(self) -> str:
        return format(self.serial, "X")


def fingerprint(cert: x509.Certificate) -> str:
    digest = hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def extended_key_usage(cert: x509.Certificate) -> tuple[bool, bool]:
    """(serverAuth, clientAuth) named in the certificate's EKU; (False, False) without one."""
    try:
        usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return False, False
    return ExtendedKeyUsageOID.SERVER_AUTH in usages, ExtendedKeyUsageOID.CLIENT_AUTH in usages


def _san_names(cert: x509.Certificate) -> tuple[str, ...]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return ()
    names = [str(n) for n in san.get_values_for_type(x509.DNSName)]
    names += [str(n) for n in san.get_values_for_type(x509.IPAddress)]
    return tuple(dict.fromkeys(names))


def facts_of(cert: x509.Certificate) -> CertFacts:
    server, client = extended_key_usage(cert)
    return CertFacts(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        serial=cert.serial_number,
        sha256=fingerprint(cert),
        is_ca=is_ca(cert),
        names=_san_names(cert),
        server_auth=server,
        client_auth=client,
    )


def cert_facts(cert_pem: PemInput) -> CertFacts:
    """The facts of the first certificate in `cert_pem`; CertError when it does not parse."""
    return facts_of(load_certificate(cert_pem))


def verify_issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """True when `issuer`'s subject is `cert`'s issuer and its key signed `cert`."""
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True

