"""Which parameter names hold secrets, and redacting their values wherever they show up.

A CIB keeps fence-device passwords (fence_ipmilan's `passwd`/`password`, SNMP's
`snmp_priv_passwd`, `passwd_script`, ...) as plain nvpairs, and node attributes or resource
parameters may carry tokens and keys. Their values are shown and logged as REDACTED:

    is_sensitive(name)         by name: password/passwd/passphrase/secret/token/credential,
                               private/api/auth/shared keys, psk
    redact_mapping(mapping)    a {name: value} copy with sensitive values replaced
    redact_snapshot(snapshot)  the status model with sensitive node attributes redacted
    redact_text(text)          text that may hold such pairs: CIB or crm_mon XML
                               (name="passwd" ... value="..."), `name=passwd value=...`
                               (crm_attribute), `passwd=...` (pcs, crm_resource)

Pure stdlib, importable from every layer.
"""

from __future__ import annotations

import re
from typing import Mapping

REDACTED = "REDACTED"

# whole words of a parameter name (split on - _ . and space) that make it sensitive
_WORDS = frozenset({
    "password", "passwd", "passphrase", "pass", "pwd", "pw", "secret", "secrets", "token",
    "credential", "credentials", "psk", "authkey", "apikey", "privkey", "community",
})
# "<word> key" pairs: key material (an ssh private key, an API key), not a lookup key
_KEY_QUALIFIERS = frozenset({"private", "priv", "api", "auth", "shared", "secret", "access",
                             "encryption", "session", "signing", "master"})
_SUBSTRINGS = ("passw", "secret")  # passwd_script, snmp_priv_passwd, client_secret_file


def is_sensitive(name: object) -> bool:
    """True when a parameter or attribute called `name` holds a secret value."""
    text = str(name or "").lower()
    if any(s in text for s in _SUBSTRINGS):
        return True
    words = [w for w in re.split(r"[-_.\s:]+", text) if w]
    if any(w in _WORDS for w in words):
        return True
    return any(w == "key" and i and words[i - 1] in _KEY_QUALIFIERS for i, w in enumerate(words))


def redact_value(name: object, value):
    """`value`, or REDACTED when `name` is sensitive (None stays None)."""
    return REDACTED if value is not None and is_sensitive(name) else value


def redact_mapping(mapping: Mapping) -> dict:
    """A copy of {name: value} with the values of sensitive names redacted."""
    return {k: redact_value(k, v) for k, v in mapping.items()}


def redact_snapshot(snapshot):
    """The snapshot with the values of sensitive node attributes redacted (the same object
    when there are none): every view built on it (TUI, JSON) shows REDACTED."""
    import dataclasses
    from types import MappingProxyType

    if not any(is_sensitive(k) for n in snapshot.nodes for k in n.attributes):
        return snapshot
    nodes = tuple(
        dataclasses.replace(n, attributes=MappingProxyType(redact_mapping(n.attributes)))
        if any(is_sensitive(k) for k in n.attributes) else n
        for n in snapshot.nodes
    )
    return dataclasses.replace(snapshot, nodes=nodes)


# one XML start tag (nvpair, attribute, param, ...); the quoted parts may hold any character
_TAG = re.compile(r"""<[A-Za-z_][\w.:-]*(?:\s+[\w.:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*"""
                  r"""(?:\s+[\w.:-]+\s*=\s*["'][^"']*\Z)?\s*/?>?""")
_ATTR = re.compile(r"""([\w.:-]+)(\s*=\s*)(?:"([^"]*)"|'([^']*)')""")
# a value cut off by an excerpt boundary or a chunk: name="passwd" value="abc<end of text>
_OPEN_VALUE = re.compile(r"""(\bvalue\s*=\s*)(["'])[^"']*\Z""")
# name=passwd value=... (crm_attribute --query); passwd=... (pcs, shell-style listings)
_NAMED_PAIR = re.compile(r"""(\bname=)(["']?)([\w.:-]+)\2(\s+value=)(?!["'])(\S*)""")
_PLAIN_PAIR = re.compile(r"""(?<![\w.:-])([\w.:-]+)=("[^"\n]*"|'[^'\n]*'|[^\s"'<>]*)""")


def _redact_tag(match: re.Match[str]) -> str:
    tag = match.group()
    attrs = {m.group(1): (m.group(3) if m.group(3) is not None else m.group(4))
             for m in _ATTR.finditer(tag)}
    name = attrs.get("name")
    if not is_sensitive(name) and not any(is_sensitive(k) for k in attrs if k not in ("id", "name", "value")):
        return tag

    def one(m: re.Match[str]) -> str:
        key = m.group(1)
        secret = (key == "value" and is_sensitive(name)) or (
            key not in ("id", "name", "value") and is_sensitive(key))
        if not secret:
            return m.group()
        quote = '"' if m.group(3) is not None else "'"
        return f"{key}{m.group(2)}{quote}{REDACTED}{quote}"

    tag = _ATTR.sub(one, tag)
    if is_sensitive(name) and not tag.endswith(">"):  # cut inside this tag: the value may be cut too
        tag = _OPEN_VALUE.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", tag)
    return tag


def _redact_named(match: re.Match[str]) -> str:
    if not is_sensitive(match.group(3)):
        return match.group()
    return f"{match.group(1)}{match.group(2)}{match.group(3)}{match.group(2)}{match.group(4)}{REDACTED}"


def _redact_plain(match: re.Match[str]) -> str:
    value = match.group(2)
    if not is_sensitive(match.group(1)) or value.strip("\"'") in ("", REDACTED):
        return match.group()
    quote = value[0] if value[:1] in ("'", '"') else ""
    return f"{match.group(1)}={quote}{REDACTED}{quote}"


def redact_text(text: str) -> str:
    """`text` with the values of sensitive parameters replaced by REDACTED."""
    if not text or "=" not in text:
        return text
    text = _TAG.sub(_redact_tag, text)
    text = _NAMED_PAIR.sub(_redact_named, text)
    return _PLAIN_PAIR.sub(_redact_plain, text)


def may_hold_secrets(text: str) -> bool:
    """Cheap pre-check: could redact_text change anything?"""
    lowered = text.lower()
    return "=" in text and any(w in lowered for w in ("pass", "secret", "token", "key", "pw",
                                                      "psk", "credential", "community"))
