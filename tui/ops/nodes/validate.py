"""The wizards' inputs checked as Pacemaker checks them, each error naming its field.

    check_name("rn3")        -> None        (valid)
    check_name("3rn")        -> "must start with a letter or _ (it becomes an XML id)"
    FieldError("port", "must be 1-65535")

A node name becomes a resource id (add-remote) or a `remote-node` value that must not equal
any id, so it must be an XML id (NCName, ASCII as the console's argv builders take it); a
port is 1-65535; a duration is what Pacemaker's interval parser reads: a whole number with an
optional unit (`60`, `60s`, `1m`, `1h`, `500ms`, also us/usec/msec/sec/min/hr) or an ISO
8601 duration (`PT1M`). Messages never repeat the value (it may be hostile); a character is
named by its escaped code.
"""

from __future__ import annotations

import ipaddress
import re
from typing import NamedTuple

NAME_MAX = 255  # longer ids are legal XML but no host name is longer
ADDRESS_MAX = 253  # a DNS name
DURATION_MAX_MS = 2**32 - 1  # Pacemaker keeps intervals as milliseconds in an unsigned int


class FieldError(NamedTuple):
    field: str  # the input's field name: "name", "address", "port", ...
    message: str  # without the field name

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def _char(ch: str) -> str:
    return ascii(ch)


_NAME_FIRST = re.compile(r"[A-Za-z_]")
_NAME_REST = re.compile(r"[A-Za-z0-9_.-]")


def check_name(value) -> str | None:
    """A node name (or a resource id): an XML id."""
    if not isinstance(value, str) or value == "":
        return "is required"
    if len(value) > NAME_MAX:
        return f"is longer than {NAME_MAX} characters"
    if not _NAME_FIRST.fullmatch(value[0]):
        what = "a digit" if value[0].isdigit() else _char(value[0])
        return f"must start with a letter or _, not {what} (it becomes an XML id)"
    for ch in value[1:]:
        if not _NAME_REST.fullmatch(ch):
            return f"may hold only letters, digits, _ . and -, not {_char(ch)} (it becomes an XML id)"
    return None


def check_port(value) -> str | None:
    """A TCP port, 1-65535 (a number or its digits)."""
    if isinstance(value, bool) or value is None or value == "":
        return "is required: a number 1-65535"
    if isinstance(value, str):
        if not re.fullmatch(r"[0-9]{1,6}", value):
            return "must be a number 1-65535"
        value = int(value)
    if not isinstance(value, int):
        return "must be a number 1-65535"
    if not 1 <= value <= 65535:
        return "must be 1-65535"
    return None


_UNITS = {"": 1000, "s": 1000, "sec": 1000, "ms": 1, "msec": 1, "us": 0.001, "usec": 0.001,
          "m": 60_000, "min": 60_000, "h": 3_600_000, "hr": 3_600_000}
_PLAIN = re.compile(r"([0-9]{1,12})([A-Za-z]*)")
_ISO = re.compile(r"P(?!$)(?:([0-9]+)Y)?(?:([0-9]+)M)?(?:([0-9]+)W)?(?:([0-9]+)D)?"
                  r"(?:T(?=[0-9])(?:([0-9]+)H)?(?:([0-9]+)M)?(?:([0-9]+)S)?)?")
_ISO_SECONDS = (365 * 86400, 30 * 86400, 7 * 86400, 86400, 3600, 60, 1)


def duration_ms(value) -> int | None:
    """Milliseconds of a Pacemaker duration, None when it is not one."""
    if not isinstance(value, str):
        return None
    match = _PLAIN.fullmatch(value)
    if match:
        unit = match.group(2).lower()
        if unit not in _UNITS:
            return None
        return int(int(match.group(1)) * _UNITS[unit])
    match = _ISO.fullmatch(value)
    if match and any(match.groups()):
        return 1000 * sum(int(g or 0) * s for g, s in zip(match.groups(), _ISO_SECONDS))
    return None


def check_duration(value) -> str | None:
    """A time interval: `60`, `60s`, `1m`, `1h`, `500ms`, `PT1M`."""
    if not isinstance(value, str) or value == "":
        return "is required: a time such as 60s, 1m or PT1M"
    ms = duration_ms(value)
    if ms is None:
        return "must be a time such as 60, 60s, 500ms, 1m, 1h or PT1M"
    if ms > DURATION_MAX_MS:
        return "is too long (at most about 49 days)"
    return None


_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


def check_address(value) -> str | None:
    """A host name or an IPv4/IPv6 address (what `server=` / `remote-addr` take)."""
    if not isinstance(value, str) or value == "":
        return "is required: a host name or an IP address"
    if len(value) > ADDRESS_MAX:
        return f"is longer than {ADDRESS_MAX} characters"
    try:
        ipaddress.ip_address(value)
        return None
    except ValueError:
        pass
    bad = next((ch for ch in value if not (ch.isascii() and (ch.isalnum() or ch in ".-"))), None)
    if bad is not None:
        return f"must be a host name or an IP address, not hold {_char(bad)}"
    labels = value.removesuffix(".").split(".")
    if not all(_LABEL.fullmatch(label) for label in labels):
        return "must be a host name (labels of letters, digits and -, not starting or ending with -) or an IP address"
    if all(label.isdigit() for label in labels):
        return "is not a valid IP address"
    return None


_META_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,99}")


def check_option(name, value) -> str | None:
    """An extra option of add-remote: a meta attribute of the connection resource."""
    if not isinstance(name, str) or not _META_NAME.fullmatch(name):
        return "names must be letters, digits, _ . - (a letter or _ first)"
    if name in ("server", "port", "reconnect_interval"):
        return f"{name} has its own field"
    if name.startswith("remote-"):
        return f"{name} makes a guest node, not a remote node"
    if value is None:
        return f"{name} needs a value: {name}=VALUE"
    if not isinstance(value, str) or len(value) > 1024:
        return f"the value of {name} must be text of at most 1024 characters"
    bad = next((ch for ch in value if ch.isspace() and ch != " " or not ch.isprintable()), None)
    if bad is not None:
        return f"the value of {name} may not hold {_char(bad)}"
    return None
