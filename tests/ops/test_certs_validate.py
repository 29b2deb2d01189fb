"""tui.ops.certs.validate: every failure Pacemaker's TLS would hit, caught before anything is
installed, each a Problem naming the node and the file in plain words; cluster-wide checks."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.hostile import ALL, short
from tests.ops.test_certs_support import NOW, T0, ca_pair, der, encrypted, raw_cert, self_signed_not_ca
from tui.ops.certs import pki
from tui.ops.certs.validate import (
    CA_FILE,
    CERTIFICATE,
    CRL,
    KEY,
    FileMode,
    NodeFiles,
    Problem,
    validate_cluster,
    validate_node_files,
)
from tui.plaintext import is_safe, one_line


class PKI:
    """One CA, another CA, and node keys/certificates: made once for the module."""

    def __init__(self) -> None:
        self.ca, self.ca_key = pki.create_ca("cluster CA", 3650, now=T0)
        self.other_ca, self.other_key = pki.create_ca("other CA", 3650, now=T0)
        self.keys = {n: pki.make_key() for n in ("n1", "n2", "rn1")}
        self.certs = {n: self.sign(n) for n in self.keys}

    def sign(self, node, *, days=365, now=T0, ca=None, ca_key=None, key=None):
        csr = pki.make_csr(key or self.keys[node], node)
        return pki.sign_csr(csr, ca or self.ca, ca_key or self.ca_key, days=days, now=now, node_name=node)

    def files(self, node="rn1", **changes) -> dict:
        files = dict(ca_pem=self.ca, cert_pem=self.certs[node], key_pem=self.keys[node])
        files.update(changes)
        return files


@pytest.fixture(scope="module")
def p() -> PKI:
    return PKI()


def check(node="rn1", **files):
    return validate_node_files(node, now=NOW, **files)


def only(problems, role, level="error") -> Problem:
    """The one problem of `role` (every other problem would be a false alarm)."""
    assert [(x.file, x.level) for x in problems] == [(role, level)], [x.render() for x in problems]
    problem = problems[0]
    assert is_safe(problem.message) and is_safe(problem.render())
    assert problem.render().startswith(f"{problem.node}: ")
    return problem


def test_a_good_set_has_no_problems(p):
    assert check(**p.files(), key_owner="root", key_group="haclient", key_mode=0o640) == []
    assert check(**p.files(), key_owner="hacluster", key_group="haclient", key_mode="600") == []
    crl = pki.make_crl(p.ca, p.ca_key, [12345], days=30, now=NOW)
    assert check(**p.files(crl_pem=crl)) == []


def test_secret_and_str_inputs_are_accepted(p):
    assert check(**p.files()) == []
    assert check(ca_pem=p.ca.decode(), cert_pem=p.certs["rn1"].decode(), key_pem=p.keys["rn1"].reveal()) == []


def test_expired_certificate_names_the_dates(p):
    cert = p.sign("rn1", days=30, now=NOW - dt.timedelta(days=100))
    problem = only(check(**p.files(cert_pem=cert)), CERTIFICATE)
    assert problem.node == "rn1"
    assert problem.message.startswith("expired on ") and "(now 2026-06-01 12:00 UTC)" in problem.message
    assert problem.render() == f"rn1: certificate: {problem.message}"


def test_not_yet_valid_certificate_names_the_start(p):
    cert = p.sign("rn1", now=NOW + dt.timedelta(days=3))
    problem = only(check(**p.files(cert_pem=cert)), CERTIFICATE)
    assert "is not yet valid: valid from 2026-06-04 11:00 UTC" in problem.message


def test_expiring_within_30_days_is_a_warning(p):
    cert = p.sign("rn1", days=20, now=NOW - dt.timedelta(days=5))
    problem = only(check(**p.files(cert_pem=cert)), CERTIFICATE, "warning")
    assert "expires within 30 days" in problem.message and "15 days left" in problem.message
    assert problem.render().startswith("rn1: warning: certificate: ")


def test_certificate_from_another_ca(p):
    cert = p.sign("rn1", ca=p.other_ca, ca_key=p.other_key)
    problem = only(check(**p.files(cert_pem=cert)), CERTIFICATE)
    assert "is not signed by the CA every peer will use" in problem.message
    assert "issued by CN=other CA" in problem.message and "holds CN=cluster CA" in problem.message


def test_another_ca_with_the_same_name(p):
    twin, twin_key = pki.create_ca("cluster CA", 3650, now=T0)
    cert = p.sign("rn1", ca=twin, ca_key=twin_key)
    problem = only(check(**p.files(cert_pem=cert)), CERTIFICATE)
    assert "that CA's key did not sign it" in problem.message


def test_key_that_does_not_match_the_certificate(p):
    problem = only(check(**p.files(key_pem=p.keys["n1"])), KEY)
    assert problem.message.startswith("does not match the certificate")


def test_encrypted_key(p):
    problem = only(check(**p.files(key_pem=encrypted(p.keys["rn1"]))), KEY)
    assert problem.message == "is encrypted; Pacemaker needs an unencrypted PEM key"


@pytest.mark.parametrize(
    "role, arg, wanted",
    [
        (CA_FILE, "ca_pem", "certificate"),
        (CERTIFICATE, "cert_pem", "certificate"),
        (KEY, "key_pem", "private key"),
        (CRL, "crl_pem", "CRL"),
    ],
)
def test_not_pem_for_every_file(p, role, arg, wanted):
    garbage = b"\x00\x01binary junk\xff"
    problem = [x for x in check(**p.files(**{arg: garbage})) if x.file == role]
    assert [x.message for x in problem] == [
        "is not PEM (Pacemaker reads PEM files only; a DER file must be converted)"
    ]
    # a DER certificate is the usual case of "not PEM"
    if arg == "cert_pem":
        assert only(check(**p.files(cert_pem=der(p.certs["rn1"]))), CERTIFICATE).message.startswith("is not PEM")


def test_wrong_kind_of_pem_names_what_it_found(p):
    problem = only(check(**p.files(cert_pem=p.keys["rn1"].reveal())), CERTIFICATE)
    assert problem.message == "holds no certificate (found PRIVATE KEY)"
    problem = only(check(**p.files(key_pem=p.certs["rn1"])), KEY)
    assert problem.message == "holds no private key (found CERTIFICATE)"


def test_broken_pem_body(p):
    broken = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    problems = check(**p.files(cert_pem=broken))
    assert [(x.file, x.message) for x in problems] == [
        (CERTIFICATE, "holds a PEM certificate that does not parse")
    ]


def test_missing_files(p):
    problems = check(ca_pem=None, cert_pem=None, key_pem=None)
    assert [(x.file, x.message) for x in problems] == [
        (CA_FILE, "is missing"),
        (CERTIFICATE, "is missing"),
        (KEY, "is missing"),
    ]


def test_ca_file_holding_a_non_ca_certificate(p):
    fake, fake_key = self_signed_not_ca()
    problems = check(**p.files(ca_pem=fake))
    assert {(x.file, x.level) for x in problems} == {(CA_FILE, "error"), (CERTIFICATE, "error")}
    ca_problem = next(x for x in problems if x.file == CA_FILE)
    assert "which is not a CA certificate" in ca_problem.message


def test_expired_ca(p):
    ca, ca_key = pki.create_ca("short CA", 30, now=NOW - dt.timedelta(days=60))
    cert = raw_cert(ca, ca_key, p.keys["rn1"], start=NOW - dt.timedelta(days=59), days=365)
    problems = check(**p.files(ca_pem=ca, cert_pem=cert))
    ca_problem = next(x for x in problems if x.file == CA_FILE)
    assert ca_problem.message.startswith("the CA CN=short CA expired on ")


def test_missing_eku_is_a_warning_that_says_pacemaker_does_not_check_it(p):
    cert = raw_cert(p.ca, p.ca_key, p.keys["rn1"], eku=True)  # serverAuth only
    problem = only(check(**p.files(cert_pem=cert)), CERTIFICATE, "warning")
    assert "lacks the clientAuth extended key usage" in problem.message
    assert "Pacemaker does not check" in problem.message
    cert = raw_cert(p.ca, p.ca_key, p.keys["rn1"], eku=False)
    problem = only(check(**p.files(cert_pem=cert)), CERTIFICATE, "warning")
    assert "lacks the serverAuth and clientAuth extended key usage" in problem.message


def test_crl_that_revokes_this_certificate_names_the_serial(p):
    serial = pki.cert_facts(p.certs["rn1"]).serial
    crl = pki.make_crl(p.ca, p.ca_key, [serial], days=30, now=NOW)
    problem = only(check(**p.files(crl_pem=crl)), CRL)
    assert f"revokes this node's certificate (serial {serial:X}, revoked 2026-06-01 12:00 UTC)" == problem.message


def test_crl_from_another_ca(p):
    crl = pki.make_crl(p.other_ca, p.other_key, [], days=30, now=NOW)
    problem = only(check(**p.files(crl_pem=crl)), CRL)
    assert "is not signed by the CA in the CA file (it names CN=other CA)" in problem.message


def test_crl_that_does_not_parse(p):
    broken = b"-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n"
    assert only(check(**p.files(crl_pem=broken)), CRL).message == "does not parse as a CRL"


def test_crl_issued_in_the_future_is_a_warning(p):
    crl = pki.make_crl(p.ca, p.ca_key, [], days=30, now=NOW + dt.timedelta(days=2))
    assert "is issued in the future" in only(check(**p.files(crl_pem=crl)), CRL, "warning").message


def test_chain_through_an_intermediate_in_the_certificate_file(p):
    root = ca_pair("root CA")
    inter = ca_pair("intermediate CA", issuer=root)
    leaf = p.sign("rn1", ca=inter[0], ca_key=inter[1])
    assert check(**p.files(ca_pem=root[0], cert_pem=leaf + inter[0])) == []
    # without the intermediate the peers cannot build the chain
    problem = only(check(**p.files(ca_pem=root[0], cert_pem=leaf)), CERTIFICATE)
    assert "issued by CN=intermediate CA, the CA file holds CN=root CA" in problem.message
    # a root that allows no intermediate (as pki.create_ca makes) rejects the chain
    strict = ca_pair("strict root", path_length=0)
    inter = ca_pair("intermediate CA", issuer=strict)
    leaf = p.sign("rn1", ca=inter[0], ca_key=inter[1])
    problem = only(check(**p.files(ca_pem=strict[0], cert_pem=leaf + inter[0])), CERTIFICATE)
    assert "through 1 intermediate(s) but the CA CN=strict root allows 0" in problem.message


def test_ca_bundle_with_several_cas(p):
    bundle = p.other_ca + p.ca
    assert check(**p.files(ca_pem=bundle)) == []


def test_out_of_date_crl_is_a_warning(p):
    crl = pki.make_crl(p.ca, p.ca_key, [], days=10, now=NOW - dt.timedelta(days=20))
    assert "is out of date" in only(check(**p.files(crl_pem=crl)), CRL, "warning").message


@pytest.mark.parametrize(
    "owner, group, mode, ok",
    [
        ("root", "haclient", 0o640, True),  # LAB-FACTS: works
        ("hacluster", "haclient", 0o600, True),  # LAB-FACTS: works
        ("root", "root", 0o600, False),  # LAB-FACTS: fails
        ("root", "root", 0o640, False),  # LAB-FACTS: fails
        ("hacluster", "haclient", 0o040, False),  # owner class decides: no owner read bit
        ("root", "haclient", 0o600, False),
        ("root", "wheel", 0o640, False),
    ],
)
def test_key_owner_and_mode_readable_by_hacluster(p, owner, group, mode, ok):
    problems = check(**p.files(), key_owner=owner, key_group=group, key_mode=mode)
    if ok:
        assert problems == []
    else:
        problem = only(problems, KEY)
        assert problem.message.startswith(f"is not readable by hacluster ({owner}:{group} {mode:04o})")
        assert "root:haclient 0640 or hacluster:haclient 0600" in problem.message


def test_remote_nodes_read_as_root(p):
    assert check(**p.files(), key_owner="root", key_group="root", key_mode=0o600, daemon="root") == []


def test_world_readable_key_is_a_warning(p):
    problem = only(check(**p.files(), key_owner="root", key_group="root", key_mode=0o644), KEY, "warning")
    assert "readable by every user" in problem.message


def test_ca_file_mode_is_checked_too(p):
    modes = {CA_FILE: FileMode("root", "root", "600")}
    problem = only(check(**p.files(), file_modes=modes), CA_FILE)
    assert problem.message.startswith("is not readable by hacluster (root:root 0600)")


def test_unreadable_mode_value(p):
    problem = only(check(**p.files(), key_owner="root", key_group="haclient", key_mode="rw-r-----"), KEY)
    assert "unreadable mode value" in problem.message


# ---- the whole cluster ------------------------------------------------------------------


def cluster(p, **changes) -> dict[str, NodeFiles]:
    nodes = {n: NodeFiles(**p.files(n)) for n in ("n1", "n2", "rn1")}
    nodes.update(changes)
    return nodes


def test_a_good_cluster_has_no_problems(p):
    assert validate_cluster(cluster(p), now=NOW) == []


def test_a_node_with_another_ca_file_is_named(p):
    rn1_cert = p.sign("rn1", ca=p.other_ca, ca_key=p.other_key)
    nodes = cluster(p, rn1=NodeFiles(p.other_ca, rn1_cert, p.keys["rn1"]))
    problems = validate_cluster(nodes, now=NOW)
    assert [(x.node, x.file) for x in problems] == [("rn1", CA_FILE)]
    assert "differs from the CA file on n1, n2; each side trusts only its own CA file" in problems[0].message


def test_same_ca_with_different_pem_whitespace_is_the_same(p):
    spaced = b"\n\n" + p.ca + b"\n"
    assert validate_cluster(cluster(p, rn1=NodeFiles(spaced, p.certs["rn1"], p.keys["rn1"])), now=NOW) == []


def test_duplicate_serials_and_shared_certificates(p):
    shared = cluster(p, n2=NodeFiles(p.ca, p.certs["n1"], p.keys["n1"]))
    problems = validate_cluster(shared, now=NOW)
    assert [(x.node, x.file) for x in problems] == [("n1", CERTIFICATE), ("n2", CERTIFICATE)]
    assert problems[0].message.startswith("is the same certificate as the certificate on n2")
    a = raw_cert(p.ca, p.ca_key, p.keys["n1"], subject="n1", serial=77, eku=False)
    b = raw_cert(p.ca, p.ca_key, p.keys["n2"], subject="n2", serial=77, eku=False)
    nodes = cluster(p, n1=NodeFiles(p.ca, a, p.keys["n1"]), n2=NodeFiles(p.ca, b, p.keys["n2"]))
    serial = [x for x in validate_cluster(nodes, now=NOW) if x.level == "error"]
    assert [(x.node, x.message[:26]) for x in serial] == [
        ("n1", "has the same serial 4D as "),
        ("n2", "has the same serial 4D as "),
    ]


def test_cluster_reports_every_node_problem_with_its_node(p):
    expired = p.sign("n2", days=10, now=NOW - dt.timedelta(days=30))
    nodes = cluster(p, n2=NodeFiles(p.ca, expired, p.keys["n2"], key_owner="root", key_group="root", key_mode=0o600))
    problems = validate_cluster(nodes, now=NOW)
    assert [(x.node, x.file) for x in problems] == [("n2", CERTIFICATE), ("n2", KEY)]


# ---- hostile data -----------------------------------------------------------------------


@pytest.mark.parametrize("value", ALL, ids=short)
def test_hostile_node_names_and_file_contents_never_raise_and_render_safely(p, value):
    cases = [
        dict(ca_pem=value, cert_pem=value, key_pem=value, crl_pem=value),
        dict(ca_pem=value.encode("utf-8", "surrogatepass"), cert_pem=p.certs["rn1"], key_pem=p.keys["rn1"]),
        dict(**p.files(), key_owner=value, key_group=value, key_mode=value),
        dict(**p.files(), key_owner=value, key_group=value, key_mode=0o600),
        dict(**p.files(), file_modes={CRL: FileMode(value, value, 0o600), value: FileMode(value, value, 1)}),
    ]
    for files in cases:
        problems = validate_node_files(value, now=NOW, **files)
        assert problems, files.keys()
        for problem in problems:
            assert problem.node == value  # the node is kept exact, for the UI to render
            assert is_safe(problem.message) and is_safe(one_line(problem.message))
            assert is_safe(problem.render()) and len(problem.render()) < 5000
    nodes = {f"{value}{i}": NodeFiles(**p.files(n)) for i, n in enumerate(("n1", "n2"))}
    nodes[f"{value}x"] = NodeFiles(p.other_ca, p.certs["n1"], p.keys["n1"])
    problems = validate_cluster(nodes, now=NOW)
    assert {x.file for x in problems} == {CA_FILE, CERTIFICATE}
    for problem in problems:
        assert is_safe(problem.message) and is_safe(problem.render())


@pytest.mark.parametrize("value", [v for v in ALL if len(v) <= 64], ids=short)
def test_hostile_certificate_subjects_render_safely(p, value):
    """Subjects and issuers come from certificates: hostile text in them stays data."""
    ca, ca_key = pki.create_ca("x", 3650, now=T0) if not value.isprintable() else pki.create_ca(value, 3650, now=T0)
    cert = raw_cert(ca, ca_key, p.keys["rn1"], subject=value, eku=False)
    problems = check(**p.files(cert_pem=cert))  # signed by another CA, no EKU
    assert {x.file for x in problems} == {CERTIFICATE}
    for problem in problems:
        assert is_safe(problem.message) and is_safe(problem.render())
    facts = pki.cert_facts(cert)
    assert is_safe(one_line(facts.subject)) and is_safe(one_line(facts.issuer))


# --- the key's public half in place of the key (read on the node: the key never leaves it) --

def public_half(key) -> bytes:
    from cryptography.hazmat.primitives import serialization
    return pki.load_private_key(key).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def test_a_public_key_is_accepted_in_place_of_the_private_key(p):
    assert check(**p.files(key_pem=public_half(p.keys["rn1"])), key_owner="root", key_group="haclient",
                 key_mode=0o640) == []
    rsa_key = pki.make_key("rsa")
    cert = p.sign("rn1", key=rsa_key)
    assert check(ca_pem=p.ca, cert_pem=cert, key_pem=public_half(rsa_key)) == []


def test_a_public_key_of_another_key_is_still_a_mismatch(p):
    problem = only(check(**p.files(key_pem=public_half(p.keys["n1"]))), KEY)
    assert problem.message.startswith("does not match the certificate")


def test_a_broken_public_key_is_named(p):
    broken = b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"
    assert only(check(**p.files(key_pem=broken)), KEY).message == "gave a public key that does not parse"


def test_with_the_public_half_every_other_failure_is_still_caught(p):
    pub = public_half(p.keys["rn1"])
    expired = p.sign("rn1", days=30, now=T0)
    assert "expired" in only(check(**p.files(cert_pem=expired, key_pem=pub)), CERTIFICATE).message
    other = p.sign("rn1", ca=p.other_ca, ca_key=p.other_key)
    assert only(check(**p.files(cert_pem=other, key_pem=pub)), CERTIFICATE).file == CERTIFICATE
    problem = only(check(**p.files(key_pem=pub), key_owner="root", key_group="root", key_mode=0o600), KEY)
    assert problem.message.startswith("is not readable by hacluster (root:root 0600)")
    crl = pki.make_crl(p.ca, p.ca_key, [pki.load_certificate(p.certs["rn1"]).serial_number], now=NOW)
    assert "revoke" in only(check(**p.files(key_pem=pub, crl_pem=crl)), CRL).message
