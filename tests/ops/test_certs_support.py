"""Shared material for the certificate tests (no tests here; named test_certs_* to stay in
this area): fixed times and hand-built certificates that tui.ops.certs.pki would never make
(no EKU, a hostile subject, a CA:false issuer)."""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tui.ops.certs import pki

# no wall clock: every certificate is made and checked at these instants
T0 = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.timezone.utc)
NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.timezone.utc)


def raw_cert(
    ca_cert_pem: bytes,
    ca_key_pem,
    key_pem,
    *,
    subject: str = "rn1",
    eku: bool = True,
    start: dt.datetime = T0,
    days: int = 365,
    serial: int | None = None,
) -> bytes:
    """A leaf certificate built directly (so a test can leave out what pki always adds)."""
    ca = pki.load_certificate(ca_cert_pem)
    ca_key = pki.load_private_key(ca_key_pem)
    key = pki.load_private_key(key_pem)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(serial if serial is not None else x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    )
    if eku:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
    return builder.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def encrypted(key_pem) -> bytes:
    """The same key, encrypted with a passphrase (what Pacemaker cannot read)."""
    key = pki.load_private_key(key_pem)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"passphrase"),
    )


def der(cert_pem: bytes) -> bytes:
    return pki.load_certificate(cert_pem).public_bytes(serialization.Encoding.DER)


def self_signed_not_ca(name: str = "fake CA") -> tuple[bytes, bytes]:
    """A self-signed certificate with CA:false (and its key PEM)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(T0)
        .not_valid_after(T0 + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def ca_pair(name: str, *, issuer: tuple[bytes, bytes] | None = None, path_length: int | None = None):
    """A CA (cert PEM, key PEM): self-signed, or an intermediate signed by `issuer`."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    if issuer is None:
        issuer_name, signer = subject, key
    else:
        issuer_name = pki.load_certificate(issuer[0]).subject
        signer = pki.load_private_key(issuer[1])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(T0)
        .not_valid_after(T0 + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .sign(signer, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem
