"""`[user@]host[:port]` as ssh -J writes it: parsing and the checks the config runs on it.

Pure (no asyncssh), so the config can refuse a bad jump host when it is read, not when a
connection is first tried.
"""

from __future__ import annotations

import re

from tui.plaintext import one_line

# no whitespace, no control characters, no leading "-" (an ssh option in `--export-sh`)
_NAME = re.compile(r"[^\s\x00-\x1f\x7f-\x9f-][^\s\x00-\x1f\x7f-\x9f]*")
NAME_LIMIT = 255


def is_host_name(text: str) -> bool:
    """A host name or address, or a user name: one word, no controls, no leading '-'."""
    return (len(text) <= NAME_LIMIT and _NAME.fullmatch(text) is not None
            and one_line(text, None) == text)  # nor bidi overrides and other format characters


def parse_host_spec(spec: str, *, default_user: str, default_port: int = 22) -> tuple[str, str, int]:
    """'[user@]host[:port]' (or '[user@][v6addr]:port') -> (user, host, port)."""
    given, _, rest = spec.rpartition("@")
    user = given or default_user
    host, port = rest, default_port
    if rest.startswith("["):
        host, _, tail = rest[1:].partition("]")
        if tail.startswith(":"):
            port = _port(tail[1:], spec)
    elif rest.count(":") == 1:
        host, raw = rest.split(":")
        port = _port(raw, spec)
    if not host:
        raise ValueError(f"jump host {spec!r}: no host name")
    if not is_host_name(host) or (given and not is_host_name(given)):
        raise ValueError(f"jump host {spec!r}: not a [user@]host[:port]")
    return user, host, port


def jump_hops(spec: str) -> list[str]:
    """A chain 'a,b' (reach b through a, like ProxyJump) -> its hops, each checked."""
    hops = [s.strip() for s in spec.split(",")]
    if not all(hops):
        raise ValueError(f"jump host {spec!r}: an empty hop")
    for hop in hops:
        parse_host_spec(hop, default_user="root")
    return hops


def _port(raw: str, spec: str) -> int:
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ValueError(f"jump host {spec!r}: port {raw!r} is not a number 1-65535")
    return int(raw)
