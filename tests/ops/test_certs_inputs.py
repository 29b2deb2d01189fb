"""The certificate wizards' inputs (tui.ops.certs.inputs): every field's error names it."""

from __future__ import annotations

import dataclasses

import pytest

from tui.ops.certs.inputs import CertsConvert, CertsRenew, CertsRollback


def fields(errors):
    return [f for f, _ in errors]


def test_defaults_are_fine_and_json_able():
    assert CertsConvert().errors() == [] and CertsRenew().errors() == []
    assert dataclasses.asdict(CertsConvert())["ca"] == "create"


@pytest.mark.parametrize("inp, wanted", [
    (CertsConvert(ca="mine"), ["ca"]),
    (CertsConvert(ca="given"), ["ca_cert", "ca_key"]),
    (CertsConvert(ca="given", ca_cert="/a", ca_key="/b", ca_dir="/d"), ["ca_dir"]),
    (CertsConvert(ca="create", ca_file="/x"), ["ca_file"]),
    (CertsConvert(ca="files"), ["ca_file", "cert_file", "key_file"]),
    (CertsConvert(ca="files", ca_file="rel/ca", cert_file="/c", key_file="/k"), ["ca_file"]),
    (CertsConvert(ca="files", ca_file="/ca", cert_file="/c/{host}", key_file="/k"), ["cert_file"]),
    (CertsConvert(ca="files", ca_file="/ca", cert_file="/same", key_file="/same"), ["key_file"]),
    (CertsConvert(days=0), ["days"]),
    (CertsConvert(days="9"), ["days"]),
    (CertsConvert(remove_authkey="yes"), ["remove_authkey"]),
    (CertsRenew(days=-1), ["days"]),
    (CertsRenew(validity=0), ["validity"]),
    (CertsRenew(ca_cert="/a"), ["ca_key"]),
    (CertsRenew(ca_cert="/a", ca_key="/b", ca_dir="/d"), ["ca_dir"]),
    (CertsRollback(run_id="../etc"), ["run_id"]),
])
def test_each_error_names_its_field(inp, wanted):
    errors = inp.errors()
    assert fields(errors) == wanted, errors
    assert all(message for _, message in errors)


def test_files_templates_take_the_node_placeholder():
    inp = CertsConvert(ca="files", ca_file="/etc/pki/ca.pem", cert_file="/etc/pki/{node}.crt",
                       key_file="/etc/pki/{node}.key", crl_file="/etc/pki/crl.pem")
    assert inp.errors() == []
    assert CertsRollback(run_id="20261201T210326123456Z-1a2b3c4d").errors() == []
