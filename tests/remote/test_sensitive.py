"""tui.pacemaker.sensitive: which names hold secrets, and redaction in every form they take."""

from __future__ import annotations

import pytest

from tui.pacemaker.sensitive import REDACTED, is_sensitive, redact_mapping, redact_text

SENSITIVE = ("passwd", "password", "PASSWORD", "passwd_script", "snmp_priv_passwd", "snmp_auth_prot_passwd",
             "secret", "client_secret", "api_token", "vault-token", "passphrase", "ssh_private_key",
             "api_key", "auth-key", "authkey", "psk", "community", "pw", "credentials", "db.password")
PLAIN = ("ip", "ipaddr", "login", "username", "port", "standby", "maintenance", "pcmk_host_map",
         "identity_file", "key", "monitor_key", "hostkey_fingerprint", "pingd", "fail-count-x#monitor_10000",
         "passive", "compass", "")


@pytest.mark.parametrize("name", SENSITIVE)
def test_sensitive_names(name):
    assert is_sensitive(name)


@pytest.mark.parametrize("name", PLAIN)
def test_plain_names(name):
    assert not is_sensitive(name)


def test_mapping():
    assert redact_mapping({"passwd": "x", "ip": "1.2.3.4", "api_token": ""}) == {
        "passwd": REDACTED, "ip": "1.2.3.4", "api_token": REDACTED}


# every way a value shows up in command output; (text, the secret)
FORMS = (
    ('<nvpair id="f-pw" name="passwd" value="S1"/>', "S1"),
    ("<nvpair value='S2' name='password' id='x'/>", "S2"),
    ('<nvpair id="a" name="passwd"\tvalue="S3" />', "S3"),
    ('<attribute name="vault_token" value="S4"/>', "S4"),  # crm_mon node attributes
    ('scope=nodes  name=api_token value=S6', "S6"),  # crm_attribute --query
    ('Attributes: ip=192.0.2.1 passwd=S7 login=admin', "S7"),  # pcs stonith config
    ('password="S8 with space"', "S8 with space"),
    ("passwd='S9'", "S9"),
)


@pytest.mark.parametrize("text,secret", FORMS)
def test_every_form_is_redacted_and_the_rest_kept(text, secret):
    out = redact_text(f"before {text} after ip=192.0.2.1\n")
    assert secret not in out and REDACTED in out
    assert out.startswith("before ") and out.endswith("after ip=192.0.2.1\n")


def test_a_value_cut_off_by_an_excerpt_is_redacted_to_the_end():
    out = redact_text('<nvpair id="f" name="ip" value="1"/>\n<nvpair id="z" name="passwd" value="S5-part')
    assert "S5" not in out and out.endswith('value="REDACTED') and 'value="1"' in out


def test_redaction_is_idempotent_and_keeps_xml_well_formed():
    from lxml import etree

    xml = ('<r><nvpair id="a" name="passwd" value="x"/><nvpair id="b" name="ip" value="1"/>'
           "<attribute name='secret' value='y'/></r>")
    once = redact_text(xml)
    assert redact_text(once) == once
    root = etree.fromstring(once)
    assert [e.get("value") for e in root] == [REDACTED, "1", REDACTED]


def test_text_without_pairs_is_returned_unchanged():
    for text in ("", "no pairs here", "a = b", "x" * 10000, "passwd"):
        assert redact_text(text) == text
