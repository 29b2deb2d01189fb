"""tui.ops.certs.pki: the private CA, node keys and CSRs, signing, CRLs, CertFacts."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from tests.hostile import ALL, short
from tests.ops.test_certs_support import NOW, T0, encrypted
from tui.ops.certs import pki
from tui.ops.certs.pki import CertError
from tui.plaintext import is_safe, one_line
from tui.remote.secret import Secret


@pytest.fixture(scope="module")
def ca():
    return pki.create_ca("pcmk-console CA", 3650, now=T0)


@pytest.fixture(scope="module")
def node_key():
    return pki.make_key()


@pytest.fixture(scope="module")
def node_cert(ca, node_key):
    csr = pki.make_csr(node_key, "rn1")
    return pki.sign_csr(csr, *ca, days=365, now=T0, node_name="rn1", extra_names=["192.0.2.7"])


def ext(cert_pem, cls):
    return pki.load_certificate(cert_pem).extensions.get_extension_for_class(cls)


def test_ca_is_a_self_signed_ca_with_an_unencrypted_secret_key(ca):
    cert_pem, key_pem = ca
    assert isinstance(key_pem, Secret)
    assert "PRIVATE" not in str(key_pem) and "PRIVATE" not in repr(key_pem)
    assert key_pem.reveal().startswith(b"-----BEGIN PRIVATE KEY-----")  # PKCS#8, unencrypted
    cert = pki.load_certificate(cert_pem)
    assert pki.verify_issued_by(cert, cert)
    basic = ext(cert_pem, x509.BasicConstraints)
    assert basic.critical and basic.value.ca
    usage = ext(cert_pem, x509.KeyUsage).value
    assert usage.key_cert_sign and usage.crl_sign
    facts = pki.cert_facts(cert_pem)
    assert facts.is_ca and facts.subject == facts.issuer == "CN=pcmk-console CA"
    assert facts.not_before == T0 - pki.BACKDATE
    assert facts.not_after == T0 + dt.timedelta(days=3650)


def test_rsa_ca_is_3072_bits():
    cert_pem, key_pem = pki.create_ca("rsa CA", 10, now=T0, kind="rsa")
    key = pki.load_private_key(key_pem)
    assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == 3072
    assert pki.cert_facts(cert_pem).is_ca


@pytest.mark.parametrize("name", ["", " ", "x" * 65, "tab\there"])
def test_ca_refuses_bad_common_names(name):
    with pytest.raises(CertError):
        pki.create_ca(name, 10, now=T0)


@pytest.mark.parametrize("days", [0, -1, True, 1.5, 10**6])
def test_days_must_be_a_sane_whole_number(ca, node_key, days):
    with pytest.raises(CertError, match="days"):
        pki.create_ca("CA", days, now=T0)
    with pytest.raises(CertError, match="days"):
        pki.sign_csr(pki.make_csr(node_key, "rn1"), *ca, days=days, now=T0)


def test_node_key_is_ec_p256_unencrypted_pem(node_key):
    key = pki.load_private_key(node_key)
    assert isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == "secp256r1"
    assert b"ENCRYPTED" not in node_key.reveal()


def test_node_certificate_has_both_ekus_san_and_key_usage(ca, node_cert):
    cert = pki.load_certificate(node_cert)
    assert pki.verify_issued_by(cert, pki.load_certificate(ca[0]))
    eku = ext(node_cert, x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.SERVER_AUTH in eku and ExtendedKeyUsageOID.CLIENT_AUTH in eku
    usage = ext(node_cert, x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and usage.value.key_encipherment
    assert not usage.value.key_cert_sign
    basic = ext(node_cert, x509.BasicConstraints)
    assert basic.critical and basic.value.ca is False
    san = ext(node_cert, x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["rn1", "192.0.2.7"]
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["192.0.2.7"]
    facts = pki.cert_facts(node_cert)
    assert facts.subject == "CN=rn1" and facts.issuer == "CN=pcmk-console CA"
    assert not facts.is_ca and facts.server_auth and facts.client_auth
    assert facts.names == ("rn1", "192.0.2.7")


def test_ip_node_name_gets_an_ip_san(ca):
    key = pki.make_key()
    cert = pki.sign_csr(pki.make_csr(key, "2001:db8::1"), *ca, days=30, now=T0)
    san = ext(cert, x509.SubjectAlternativeName).value
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["2001:db8::1"]


def test_long_node_name_goes_in_the_san_only(ca):
    name = "a" * 70 + ".example.com"
    cert = pki.sign_csr(pki.make_csr(pki.make_key(), name), *ca, days=30, now=T0)
    assert pki.cert_facts(cert).subject == ""
    san = ext(cert, x509.SubjectAlternativeName)
    assert san.critical and san.value.get_values_for_type(x509.DNSName) == [name]


def test_cert_facts_days_left_and_fingerprint(node_cert):
    facts = pki.cert_facts(node_cert)
    end = T0 + dt.timedelta(days=365)
    assert facts.not_after == end
    assert facts.days_left(end - dt.timedelta(days=10, hours=1)) == 10
    assert facts.days_left(end + dt.timedelta(days=1)) == -1
    assert facts.days_left(NOW.replace(tzinfo=None)) == (end - NOW).days  # naive = UTC
    assert len(facts.sha256) == 95 and facts.sha256.count(":") == 31
    assert facts.serial_hex == format(facts.serial, "X")


def test_certificate_never_outlives_its_ca(ca, node_key):
    cert = pki.sign_csr(pki.make_csr(node_key, "rn1"), *ca, days=36500, now=T0)
    assert pki.cert_facts(cert).not_after == pki.cert_facts(ca[0]).not_after


def test_signing_refuses_a_csr_whose_signature_does_not_verify(ca, node_key):
    csr = x509.load_pem_x509_csr(pki.make_csr(node_key, "rn1"))
    der = bytearray(csr.public_bytes(serialization.Encoding.DER))
    der[-1] ^= 0x01  # flip a bit of the signature
    tampered = x509.load_der_x509_csr(bytes(der)).public_bytes(serialization.Encoding.PEM)
    with pytest.raises(CertError, match="signature does not verify"):
        pki.sign_csr(tampered, *ca, days=30, now=T0)


def test_signing_refuses_a_csr_for_another_node(ca, node_key):
    csr = pki.make_csr(node_key, "rn2")
    with pytest.raises(CertError, match="not for this node"):
        pki.sign_csr(csr, *ca, days=30, now=T0, node_name="rn1")


def test_signing_refuses_garbage_and_a_wrong_ca_key(ca, node_key):
    with pytest.raises(CertError, match="signing request"):
        pki.sign_csr(b"not a csr", *ca, days=30, now=T0)
    other = pki.create_ca("other", 10, now=T0)
    with pytest.raises(CertError, match="CA key does not match"):
        pki.sign_csr(pki.make_csr(node_key, "rn1"), ca[0], other[1], days=30, now=T0)


def test_signing_with_an_expired_ca_refuses(ca, node_key):
    later = T0 + dt.timedelta(days=4000)
    with pytest.raises(CertError, match="CA has expired"):
        pki.sign_csr(pki.make_csr(node_key, "rn1"), *ca, days=30, now=later)


def test_load_private_key_says_encrypted_without_the_bytes(node_key):
    with pytest.raises(CertError, match="encrypted") as err:
        pki.load_private_key(encrypted(node_key))
    assert "BEGIN" not in str(err.value)


def test_make_crl_revokes_the_serials(ca, node_cert):
    serial = pki.cert_facts(node_cert).serial
    crl = x509.load_pem_x509_crl(pki.make_crl(*ca, [serial], days=30, now=NOW))
    assert crl.is_signature_valid(pki.load_certificate(ca[0]).public_key())
    assert crl.get_revoked_certificate_by_serial_number(serial) is not None
    assert crl.next_update_utc == NOW + dt.timedelta(days=30)


@pytest.mark.parametrize("value", ALL, ids=short)
def test_hostile_node_names_are_refused_with_a_safe_line_or_signed(ca, node_key, value):
    """A hostile node name never crashes signing with anything but one safe CertError line."""
    try:
        csr = pki.make_csr(node_key, value)
    except CertError as err:
        assert is_safe(str(err)) and len(str(err)) < 400
    else:
        cert = pki.sign_csr(csr, *ca, days=30, now=T0)
        assert is_safe(one_line(pki.cert_facts(cert).subject))
    try:
        pki.sign_csr(pki.make_csr(node_key, "rn1"), *ca, days=30, now=T0, node_name=value)
    except CertError as err:
        assert is_safe(str(err)) and len(str(err)) < 400
    with pytest.raises(CertError) as err:
        pki.cert_facts(value)
    assert is_safe(str(err.value))
