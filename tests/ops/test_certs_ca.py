"""The console's CA (load-or-create in the state directory) and the operator's, and signing a
CSR read from a node (tui.ops.certs.ca)."""

from __future__ import annotations

import os
import stat

import pytest

from tui.ops.certs import ca as calib
from tui.ops.certs import pki
from tui.ops.certs.ca import CAError


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_created_once_then_loaded_the_same(tmp_path):
    folder = tmp_path / "state" / "certs" / "prod"
    first, created = calib.load_or_create(folder, name="prod")
    assert created and mode(folder) == 0o700
    assert mode(folder / "ca.key") == 0o600 and mode(folder / "ca.crt") == 0o644
    again, created_again = calib.load_or_create(folder, name="prod")
    assert not created_again
    assert again.cert_pem == first.cert_pem and again.key.reveal() == first.key.reveal()
    assert "prod" in pki.cert_facts(first.cert_pem).subject
    assert not [p for p in os.listdir(folder) if p.startswith(".")]  # no temporary file left


def test_the_key_never_shows_in_its_repr(tmp_path):
    made, _ = calib.load_or_create(tmp_path / "ca", name="x")
    body = made.key.reveal().decode().splitlines()[1]
    assert body not in repr(made) and body not in made.describe()


def test_a_loose_directory_is_tightened(tmp_path):
    folder = tmp_path / "ca"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    calib.load_or_create(folder, name="x")
    assert mode(folder) == 0o700


@pytest.mark.parametrize("damage, words", [
    ("corrupt-cert", "ca.crt: not a PEM certificate"),
    ("corrupt-key", "ca.key: not a PEM private key"),
    ("other-key", "ca.key does not match the CA certificate"),
    ("no-key", "ca.crt is there but"),
    ("no-cert", "ca.key is there but"),
])
def test_a_damaged_ca_is_an_error_naming_the_path_and_is_never_overwritten(tmp_path, damage, words):
    folder = tmp_path / "ca"
    calib.load_or_create(folder, name="x")
    cert, key = folder / "ca.crt", folder / "ca.key"
    if damage == "corrupt-cert":
        cert.write_bytes(b"garbage")
    elif damage == "corrupt-key":
        key.write_bytes(b"garbage")
    elif damage == "other-key":
        key.write_bytes(pki.make_key().reveal())
    elif damage == "no-key":
        key.unlink()
    else:
        cert.unlink()
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    with pytest.raises(CAError) as err:
        calib.load_or_create(folder, name="x")
    assert words in str(err.value) and str(folder) in str(err.value)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_a_given_ca_must_be_a_ca_with_its_key(tmp_path):
    ca_cert, ca_key = pki.create_ca("ops CA")
    (tmp_path / "ca.crt").write_bytes(ca_cert)
    (tmp_path / "ca.key").write_bytes(ca_key.reveal())
    loaded = calib.load_given(tmp_path / "ca.crt", tmp_path / "ca.key")
    assert loaded.cert_pem == ca_cert
    # a node certificate is no CA
    leaf = pki.sign_csr(pki.make_csr(pki.make_key(), "n1"), ca_cert, ca_key, node_name="n1")
    (tmp_path / "leaf.crt").write_bytes(leaf)
    with pytest.raises(CAError, match="leaf.crt: the certificate is not a CA"):
        calib.load_given(tmp_path / "leaf.crt", tmp_path / "ca.key")
    (tmp_path / "other.key").write_bytes(pki.make_key().reveal())
    with pytest.raises(CAError, match="other.key does not match the CA certificate"):
        calib.load_given(tmp_path / "ca.crt", tmp_path / "other.key")
    with pytest.raises(CAError, match="cannot read the CA key .*missing.key"):
        calib.load_given(tmp_path / "ca.crt", tmp_path / "missing.key")


def test_sign_refuses_a_csr_for_another_node(tmp_path):
    made, _ = calib.load_or_create(tmp_path / "ca", name="x")
    csr = pki.make_csr(pki.make_key(), "rn2")
    with pytest.raises(CAError, match="rn1: the certificate request is for rn2, not for rn1: refused"):
        calib.sign(made, csr, "rn1")
    with pytest.raises(CAError, match="not a PEM certificate request"):
        calib.sign(made, b"hello", "rn1")
    cert = calib.sign(made, pki.make_csr(pki.make_key(), "rn1"), "rn1", days=10)
    facts = pki.cert_facts(cert)
    assert facts.subject == "CN=rn1" and facts.server_auth and facts.client_auth
    assert pki.verify_issued_by(pki.load_certificate(cert), pki.load_certificate(made.cert_pem))


def test_the_default_location_is_per_cluster_in_the_state_dir(tmp_path):
    assert calib.default_ca_dir(tmp_path, "prod") == tmp_path / "certs" / "prod"
    assert calib.default_ca_dir(tmp_path, "../etc") == tmp_path / "certs" / "_etc"
