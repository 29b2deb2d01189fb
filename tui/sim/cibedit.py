"""Writes to the simulated CIB's resources: cibadmin --create/--modify/--delete -o resources,
crm_resource [--meta] --set-parameter/--delete-parameter, crm_node --force --remove.

Words and exit codes are Pacemaker 2.1.5's, taken from the real tools in CIB_file mode
(tests/sim/test_cib_faithful.py keeps the comparison). The resources section holds the
model's objects, so a write is parsed into them; nvpair ids follow the convention pcs and
crm_resource use (<rsc>-meta_attributes-<name>), which is also how the CIB is written back.
"""

from __future__ import annotations

from lxml import etree

from tui.sim.model import Bundle, Clone, Group, OpSpec, Primitive
from tui.sim.state import ClusterState

Result = tuple[int, str, str]
EX_OK, EX_USAGE, EX_DATAERR, EX_CONFIG, EX_NOSUCH, EX_EXISTS = 0, 64, 65, 78, 105, 108
NO_SUCH = "Call failed: No such device or address\n"
SCHEMA = "Call failed: Update does not conform to the configured schema\n"
SETS = {"instance_attributes": "params", "meta_attributes": "meta"}


def _parse(xml: str) -> etree._Element | Result:
    try:
        return etree.fromstring(xml.encode())
    except etree.XMLSyntaxError:
        return EX_DATAERR, "", f"cibadmin: Couldn't parse input string: {xml}\n"


def _all_ids(state: ClusterState) -> set[str]:
    ids = set()
    for res in state.resources:
        ids.add(res.id)
        if isinstance(res, Group):
            ids |= {c.id for c in res.children}
        elif isinstance(res, (Clone, Bundle)):
            ids.add(res.child.id)
    return ids


def primitive_from(el: etree._Element) -> Primitive | None:
    """A <primitive> element as the model's Primitive; None when the schema would refuse it."""
    if el.tag != "primitive" or not el.get("id") or not el.get("class") or not el.get("type"):
        return None
    prim = Primitive(el.get("id"), el.get("class"), el.get("type"), el.get("provider"))
    for child in el:
        if child.tag in SETS:
            target = getattr(prim, SETS[child.tag])
            for nv in child.iter("nvpair"):
                if nv.get("name") is None or nv.get("value") is None:
                    return None
                target[nv.get("name")] = nv.get("value")
        elif child.tag == "operations":
            prim.ops = tuple(OpSpec(op.get("name"), op.get("interval", "0s"), op.get("timeout"), op.get("role"))
                             for op in child.iter("op"))
    return prim


def create(state: ClusterState, xml: str) -> Result:
    el = _parse(xml)
    if isinstance(el, tuple):
        return el
    if el.tag != "primitive":
        return EX_USAGE, "", f"cibadmin: the simulator creates only <primitive> resources, not <{el.tag}>\n"
    if el.get("id") in _all_ids(state):
        return EX_EXISTS, _failed(el, "cib_create", "File exists"), "Call failed: File exists\n"
    prim = primitive_from(el)
    if prim is None:
        return EX_CONFIG, "", SCHEMA
    state.add_primitive(prim)
    return EX_OK, "", ""


def _failed(el: etree._Element, operation: str, reason: str) -> str:
    body = etree.tostring(el, pretty_print=True, encoding="unicode").rstrip("\n")
    body = "\n".join("    " + line for line in body.splitlines())
    return (f'<failed>\n  <failed_update id="{el.get("id")}" object_type="{el.tag}" operation="{operation}" '
            f'reason="{reason}">\n{body}\n  </failed_update>\n</failed>\n')


def _owner_of_nvpair(state: ClusterState, nvpair_id: str) -> tuple[Primitive | Group | Clone, str, str] | None:
    """(resource, "params"|"meta", name) of an nvpair id in the convention the CIB is written in."""
    for res in [*state.resources, *(p for p, _ in state.primitives.values())]:
        for tag, attr in SETS.items():
            prefix = f"{res.id}-{tag}-"
            if nvpair_id.startswith(prefix) and hasattr(res, attr):
                name = nvpair_id[len(prefix):]
                if name in getattr(res, attr):
                    return res, attr, name
    return None


def modify(state: ClusterState, xml: str) -> Result:
    el = _parse(xml)
    if isinstance(el, tuple):
        return el
    if el.tag == "nvpair":
        owner = _owner_of_nvpair(state, el.get("id", ""))
        if owner is None:
            return EX_NOSUCH, "", NO_SUCH
        res, attr, name = owner
        _set(state, res, attr, el.get("name", name), el.get("value", getattr(res, attr)[name]))
        return EX_OK, "", ""
    if el.tag != "primitive":
        return EX_USAGE, "", f"cibadmin: the simulator modifies only <primitive> and <nvpair>, not <{el.tag}>\n"
    prim = state.primitives.get(el.get("id", ""), (None, None))[0]
    if prim is None:
        return EX_NOSUCH, "", NO_SUCH
    for child in el:
        if child.tag in SETS:
            for nv in child.iter("nvpair"):
                if nv.get("name") is None or nv.get("value") is None:
                    return EX_CONFIG, "", SCHEMA
                _set(state, prim, SETS[child.tag], nv.get("name"), nv.get("value"))
    return EX_OK, "", ""


def _set(state: ClusterState, res, attr: str, name: str, value: str | None) -> None:
    if attr == "meta":
        state.set_meta(res.id, name, value, client="cibadmin")
        return
    state.set_param(res.id, name, value)


def delete(state: ClusterState, xml: str) -> Result:
    """Deleting what is not there succeeds silently, as on a real CIB."""
    el = _parse(xml)
    if isinstance(el, tuple):
        return el
    if el.tag == "nvpair":
        owner = _owner_of_nvpair(state, el.get("id", ""))
        if owner is not None:
            res, attr, name = owner
            _set(state, res, attr, name, None)
        return EX_OK, "", ""
    if el.tag != "primitive":
        return EX_USAGE, "", f"cibadmin: the simulator deletes only <primitive> and <nvpair>, not <{el.tag}>\n"
    state.delete_resource(el.get("id", ""))
    return EX_OK, "", ""


# ---- crm_resource --set-parameter / --delete-parameter ---------------------------------------


def resource_parameter(state: ClusterState, rsc: str, name: str, value: str | None, *, meta: bool) -> Result:
    """value None: --delete-parameter. Output as crm_resource 2.1.5 prints it."""
    res = next((r for r in state.resources if r.id == rsc), None) or state.primitives.get(rsc, (None, None))[0]
    if res is None:
        return EX_NOSUCH, "", f"crm_resource: Resource '{rsc}' not found\nError performing operation: No such object\n"
    attr = "meta" if meta else "params"
    if not hasattr(res, attr):
        return EX_USAGE, "", f"crm_resource: the simulator sets no instance attributes on {rsc}\n"
    tag = "meta_attributes" if meta else "instance_attributes"
    # a group's or clone's members that carry the same attribute: set gets them too, first;
    # delete lists every match and deletes only the first (crm_resource 2.1.5 does just that)
    members = res.children if isinstance(res, Group) else [res.child] if isinstance(res, Clone) else []
    matches = [m for m in members if name in getattr(m, attr)]
    if value is None:
        matches += [res] if name in getattr(res, attr) else []
        if not matches:
            return EX_OK, "", ""
        out = ""
        if len(matches) > 1:
            out = f"Multiple attributes match name={name}\n" + "".join(
                f"  Value: {getattr(m, attr)[name]} \t(id={m.id}-{tag}-{name})\n" for m in matches) + "\n"
        return EX_OK, out + _apply(state, matches[0], attr, tag, name, None), ""
    out = [_apply(state, m, attr, tag, name, value) for m in [*matches, res]]
    return EX_OK, "".join(out), ""


def _apply(state: ClusterState, res, attr: str, tag: str, name: str, value: str | None) -> str:
    values = getattr(res, attr)
    nv_id = f"{res.id}-{tag}-{name}"
    if value is None:
        if name not in values:
            return ""
        _set(state, res, attr, name, None)
        return f"Deleted '{res.id}' option: id={nv_id} name={name}\n"
    created = name not in values  # a new nvpair names its set
    _set(state, res, attr, name, value)
    where = f" set={res.id}-{tag}" if created else ""
    return f"Set '{res.id}' option: id={nv_id}{where} name={name} value={value}\n"
