"""Pacemaker version parsing and the feature gates (tui.pacemaker.features)."""

from __future__ import annotations

import pytest

from tui.pacemaker.features import (
    FEATURES,
    X509_REMOTE,
    Version,
    parse_version,
    supports,
    unmet,
)


@pytest.mark.parametrize("text, parts", [
    ("2.1.5-a3f44794f94", (2, 1, 5)),
    ("2.0.4+20200616.2deceaa3a-3.3.1-2.0.4+20200616.2deceaa3a", (2, 0, 4)),
    ("3.0.0", (3,)),
    ("3.0", (3,)),
    ("3.0.1-1.el10", (3, 0, 1)),
    ("2.1.10", (2, 1, 10)),
    (" 2.1.7 (Build: 0f7f88312)", (2, 1, 7)),
    ("1.1.23-1.el7_9.1-9acf116022", (1, 1, 23)),
])
def test_versions_crm_mon_reports_parse(text, parts):
    assert parse_version(text) == Version(parts)


@pytest.mark.parametrize("text", [None, "", "unknown", "abc", "-1.2", "2.1.5.6.7", "1234567.1",
                                  "\x1b[31m3.0.0"])
def test_unreadable_versions_are_unknown(text):
    assert parse_version(text) is None


def test_versions_compare_numerically_not_as_text():
    assert parse_version("2.1.10") > parse_version("2.1.9")
    assert parse_version("3.0.0") == parse_version("3.0") == parse_version("3")
    assert parse_version("2.1.5") < parse_version("3.0.0") < parse_version("3.0.1")
    assert str(parse_version("3")) == "3.0.0" and str(parse_version("2.1.10-x")) == "2.1.10"


@pytest.mark.parametrize("version, ok", [
    ("2.1.5-a3f44794f94", False), ("2.1.99", False), ("3.0.0", True), ("3.0.0-rc1", True),
    ("3.0.1-1.el10", True), ("10.0", True), (None, False), ("garbage", False),
])
def test_x509_for_remote_nodes_needs_pacemaker_3(version, ok):
    assert supports(X509_REMOTE, version) is ok
    reason = unmet(X509_REMOTE, version)
    assert (reason is None) is ok
    if not ok:
        assert "3.0.0" in reason and "X.509" in reason
        assert ("unknown" in reason) is (parse_version(version) is None)


def test_every_gate_holds_at_its_release_and_not_just_before():
    for feature in FEATURES:
        since = feature.since.parts + (0,) * (3 - len(feature.since.parts))
        assert supports(feature, str(feature.since)), feature
        assert supports(feature, Version(since)), feature
        major, minor, patch = since
        before = (f"{major}.{minor}.{patch - 1}" if patch else
                  f"{major}.{minor - 1}.99" if minor else f"{major - 1}.99.99")
        assert not supports(feature, before), (feature, before)
        assert unmet(feature, before).startswith(feature.what)
    assert len({f.name for f in FEATURES}) == len(FEATURES)


def test_a_snapshots_version_feeds_the_gates(full):
    # the parser's pacemaker_version (the DC's, as crm_mon printed it) is what a wizard asks with
    assert parse_version(full.pacemaker_version) is not None
    assert supports(X509_REMOTE, full.pacemaker_version) is (
        parse_version(full.pacemaker_version) >= Version((3,)))
