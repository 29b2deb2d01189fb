"""Which Pacemaker release can do what: version parsing and the feature gates, in one place.

A wizard asks `unmet(FEATURE, version)` before it offers a procedure (X.509 for Pacemaker
Remote needs 3.0.0); the parsers read both spellings where a release renamed something, and
the gates below name the release that did, so the code and its tests say the same thing.

A version is what crm_mon reports: the DC's `version` ("2.1.5-a3f44794f94",
"2.0.4+20200616.2deceaa3a-3.3.1-2.0.4+20200616.2deceaa3a") or the legacy root's ("2.0.1").
Only the leading dotted numbers count; anything unreadable is None (unknown), and an unknown
version meets no gate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_VERSION = re.compile(r"\s*v?(\d{1,6}(?:\.\d{1,6}){0,3})(?![\d.]*\d)")


@dataclass(frozen=True, order=True, slots=True)
class Version:
    """A Pacemaker release number; compares numerically (2.1.10 > 2.1.9), 3.0 == 3.0.0."""

    parts: tuple[int, ...]

    def __post_init__(self) -> None:
        # trailing zeros dropped, so 3.0 == 3.0.0 and they order the same
        parts = self.parts
        while len(parts) > 1 and parts[-1] == 0:
            parts = parts[:-1]
        object.__setattr__(self, "parts", parts)

    def __str__(self) -> str:
        shown = self.parts + (0,) * (3 - len(self.parts))
        return ".".join(map(str, shown))


def parse_version(text: str | None) -> Version | None:
    """ "2.1.5-a3f44794f94" -> Version(2.1.5); None for None, "", "unknown" or junk."""
    if not text or not isinstance(text, str):
        return None
    match = _VERSION.match(text)
    if match is None:
        return None
    return Version(tuple(int(part) for part in match.group(1).split(".")))


@dataclass(frozen=True, slots=True)
class Feature:
    name: str  # stable id, e.g. for a wizard's check
    since: Version  # the first release that has it
    what: str  # what a user is told it is


def _since(text: str) -> Version:
    version = parse_version(text)
    assert version is not None, text
    return version


# crm_mon --output-as=xml (the <pacemaker-result> envelope); older ones print only --as-xml
XML_OUTPUT = Feature("xml-output", _since("2.0.3"), "crm_mon --output-as=xml")
# shutdown locks: a resource's locked_to in crm_mon
SHUTDOWN_LOCK = Feature("shutdown-lock", _since("2.0.4"), "shutdown locks")
# the node health attribute crm_mon prints
NODE_HEALTH = Feature("node-health", _since("2.0.5"), "node health in crm_mon")
# Promoted/Unpromoted replace Master/Slave (the parser reads both: crm_mon._ROLE_ALIASES)
PROMOTED_ROLES = Feature("promoted-roles", _since("2.1.0"), "the Promoted/Unpromoted role names")
# TLS certificates (X.509) instead of the pre-shared key for Pacemaker Remote connections
X509_REMOTE = Feature("x509-remote", _since("3.0.0"),
                      "X.509 certificates for Pacemaker Remote connections")
# fencing-enabled replaces stonith-enabled, removed replaces orphaned (the parser reads both)
FENCING_ENABLED = Feature("fencing-enabled", _since("3.0.2"),
                          "the fencing-enabled cluster option (stonith-enabled before)")

# crm_simulate --output-as=xml (its <actions> list): the impact preview reads XML from here on,
# the "Transition Summary:" text before
SIMULATE_XML = Feature("simulate-xml", _since("2.1.0"), "crm_simulate --output-as=xml")

FEATURES: tuple[Feature, ...] = (
    XML_OUTPUT, SHUTDOWN_LOCK, NODE_HEALTH, PROMOTED_ROLES, X509_REMOTE, FENCING_ENABLED, SIMULATE_XML)


def supports(feature: Feature, version: str | Version | None) -> bool:
    """True only when the version is known and at least the feature's release."""
    known = parse_version(version) if not isinstance(version, Version) else version
    return known is not None and known >= feature.since


def unmet(feature: Feature, version: str | Version | None) -> str | None:
    """None when `version` has `feature`; else the one line that says why not."""
    if supports(feature, version):
        return None
    known = parse_version(version) if not isinstance(version, Version) else version
    runs = f"this cluster runs {known}" if known is not None else "this cluster's version is unknown"
    return f"{feature.what} needs Pacemaker {feature.since} or later; {runs}"
