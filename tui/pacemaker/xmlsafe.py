"""Parsing untrusted XML from the cluster safely, and reading attributes leniently.

Output of crm_mon/cibadmin comes over SSH from machines we do not control: it may be
truncated, garbage, or hostile. One hardened parser (no entities, no network, no DTD, libxml2's
size limits kept) and attribute readers that fall back to a default instead of raising.
"""

from __future__ import annotations

from lxml import etree

MAX_TEXT = 2000  # longest cluster-supplied message we keep in a Condition


class UnsafeXml(ValueError):
    """The input declared a DTD or entities; cluster tools never emit one."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
        # Speed (~8% of a big parse): no xml:id table, and no node for the indentation between
        # elements. Nothing here reads xml:id or whitespace-only text.
        collect_ids=False,
        remove_blank_text=True,
    )


def to_bytes(data: bytes | str) -> bytes:
    if isinstance(data, str):
        return data.encode("utf-8", "replace")
    return bytes(data)


def parse_xml(data: bytes | str) -> etree._Element:
    """The root element; raises etree.XMLSyntaxError or UnsafeXml."""
    raw = to_bytes(data).strip()
    if raw and not raw.startswith(b"<"):
        # log lines ahead of the document (stderr merged into stdout): skip to the first tag
        start = raw.find(b"\n<")
        raw = raw[start + 1:] if start >= 0 else raw
    if not raw:
        raise etree.XMLSyntaxError("empty output", None, 0, 0)
    # Cheap and certain: refuse any document type declaration before libxml2 sees it.
    if b"<!DOCTYPE" in raw[:4096].upper():
        raise UnsafeXml("the output declares a DTD or entities")
    root = etree.fromstring(raw, _parser())
    # A DTD can only sit in the prolog; entities were not expanded either way.
    if root.getroottree().docinfo.doctype:
        raise UnsafeXml("the output declares a DTD or entities")
    return root


def clip(text: str | None, limit: int = MAX_TEXT) -> str:
    if not text:
        return ""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


_TRUE = frozenset(("true", "1", "yes", "on", "y"))


def get_bool(el, name: str, default: bool = False) -> bool:
    value = el.get(name)
    if value is None:
        return default
    value = value.strip().lower()
    if value in _TRUE:
        return True
    if value in ("false", "0", "no", "off", "n"):
        return False
    return default


def get_opt_bool(el, name: str) -> bool | None:
    value = el.get(name)
    if value is None:
        return None
    return get_bool(el, name)


def parse_int(value: str | None, default: int | None = None) -> int | None:
    """An integer from cluster text; "INFINITY" is Pacemaker's 1000000; junk gives default."""
    if value is None:
        return default
    value = value.strip()
    if not value or len(value) > 20:
        if value.upper().lstrip("+-") == "INFINITY":
            return -1000000 if value.startswith("-") else 1000000
        return default
    upper = value.upper()
    if upper in ("INFINITY", "+INFINITY"):
        return 1000000
    if upper == "-INFINITY":
        return -1000000
    try:
        return int(value)
    except ValueError:
        return default


def get_int(el, name: str, default: int | None = None) -> int | None:
    return parse_int(el.get(name), default)


def get_count(el, name: str) -> int:
    """A non-negative count; anything else is 0."""
    value = get_int(el, name, 0) or 0
    return value if value >= 0 else 0


def parse_ms(value: str | None) -> int | None:
    """ "10000ms" / "10000" / "10s" -> milliseconds; junk -> None."""
    if value is None:
        return None
    value = value.strip().lower()
    factor = 1
    for suffix, mult in (("ms", 1), ("s", 1000), ("m", 60000), ("h", 3600000)):
        if value.endswith(suffix):
            value, factor = value[: -len(suffix)].strip(), mult
            break
    number = parse_int(value)
    return None if number is None else number * factor
