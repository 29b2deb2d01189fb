"""crm_mon XML -> the status model.

Reads both shapes crm_mon has printed:
- `crm_mon --output-as=xml` (Pacemaker >= 2.0.3): a `<pacemaker-result api-version=...>`
  envelope with the state and a `<status code= message=>` child (api-version 2.0 ... 2.42);
- legacy `crm_mon -X` / `--as-xml` (Pacemaker 2.0.x and older): a `<crm_mon version=...>` root.

Every failure is a value: `parse_status` never raises for bad input, it returns
`Unavailable(Condition(...))`. Unknown elements and attributes are ignored; missing optional
ones take defaults, so newer or older crm_mon output still parses.

Speed: one `fromstring` and direct child iteration with `.get()`; no XPath per node; with
a `Reuse`, what an unchanged subtree made in the last parse.
"""

from __future__ import annotations

import re
from dataclasses import replace
from types import MappingProxyType

from lxml import etree

from tui import gc_hold
from tui.loop_first import pause
from tui.pacemaker.model import (
    EMPTY,
    Ban,
    Condition,
    ConditionKind,
    Failure,
    FenceEvent,
    Node,
    NodeKind,
    Resource,
    ResourceHistory,
    ResourceKind,
    Snapshot,
    StatusOutcome,
    Summary,
    Ticket,
    Unavailable,
    keyword_constructor,
    operation_row,
)
from tui.pacemaker.xmlsafe import (
    UnsafeXml,
    clip,
    get_bool,
    get_count,
    get_int,
    get_opt_bool,
    parse_int,
    parse_ms,
    parse_xml,
)

# crm_exit_t values crm_mon uses for "no state here"
EXIT_INSUFFICIENT_PRIVILEGES = 4
EXIT_NOT_CONNECTED = 102

# pacemakerd's states (pcmk_pacemakerd_state) that mean "no cluster state yet / any more"
PACEMAKERD_STARTING = frozenset(("init", "starting_daemons", "wait_for_ping"))
PACEMAKERD_STOPPING = frozenset(("shutting_down", "shutdown_complete"))

REMOTE_AGENT = "ocf:pacemaker:remote"

# Pacemaker < 2.1 role names, normalised so a diff across an upgrade is not a role change.
_ROLE_ALIASES = {"Master": "Promoted", "Slave": "Unpromoted"}

_VERSION = re.compile(r"\d+(?:\.\d+)+")

# Hot-path readers: crm_mon repeats the same few values ("true", "0ms", "10000ms") tens of
# thousands of times in a big cluster, so common answers come from dicts, junk from the
# lenient readers in xmlsafe.
_BOOL = {"true": True, "false": False}
_CACHE_LIMIT = 4096
# None (attribute absent) is seeded so the inlined `cache[v] if v in cache` lookups hit for it too
_int_cache: dict[str | None, int | None] = {None: None}
_ms_cache: dict[str | None, int | None] = {None: None}
_tostring = etree.tostring  # a subtree's bytes: the key of what it made (Reuse)


# Fast keyword-only constructors for the objects built thousands of times per parse (see
# model.py): every value named, every field left out takes the model's default.
_new_history = keyword_constructor(ResourceHistory)
_new_resource = keyword_constructor(Resource)
_new_node = keyword_constructor(Node)


def _flag(el, name: str, default: bool = False) -> bool:
    value = el.get(name)
    if value is None:
        return default
    known = _BOOL.get(value)
    return known if known is not None else get_bool(el, name, default)


def _cached(cache: dict, parse, value: str | None):
    if value is None:
        return None
    try:
        return cache[value]
    except KeyError:
        result = parse(value)
        # a full cache stops growing but never drops a key: a parse in another thread (the
        # session parses in a worker thread) may be between its `in` test and its lookup
        if len(cache) < _CACHE_LIMIT:
            cache[value] = result
        return result


def _int(value: str | None) -> int | None:
    return _cached(_int_cache, parse_int, value)


def _ms(value: str | None) -> int | None:
    return _cached(_ms_cache, parse_ms, value)


class Reuse:
    """One cluster's last parse, for its next: what each top-level resource and each node's
    history (and each resource's history on it) made, keyed by the subtree's serialized XML.

    A refresh changes few of them (a resource failed, a node went standby); an unchanged
    subtree parses to the same immutable objects, and serializing it (libxml2, in C) costs a
    third to a half of reading its attributes. Only the last parse's subtrees are kept. The key is the
    subtree's whole content, so a parse of any output may use any Reuse: it is only less
    useful. A parse publishes its own tables by assignment when it has a snapshot: one
    running alongside (another thread) reads either the old or the new ones, both right."""

    __slots__ = ("resources", "node_histories", "histories")

    def __init__(self) -> None:
        self.resources: dict[bytes, Resource] = {}  # a top-level resource
        self.node_histories: dict[bytes, tuple[ResourceHistory, ...]] = {}  # a node's history
        self.histories: dict[str, dict[bytes, ResourceHistory]] = {}  # node name -> each resource's


def parse_status(
    data: bytes | str, exit_code: int | None = None, stderr: str = "", *, reuse: Reuse | None = None
) -> StatusOutcome:
    """One crm_mon run (stdout, exit code, stderr) -> Snapshot or Unavailable."""
    # Tens of thousands of new objects would start full collections over the whole heap
    # (they hold no cycles): held off for the parse. Not the young collections: with the
    # collector off the next young collection, in whichever thread, walked all of them
    # (~90 ms at 20,000 resources, the event loop waiting for the GIL).
    with gc_hold.held():
        try:
            root = parse_xml(data)
        except (etree.XMLSyntaxError, UnsafeXml, ValueError) as exc:
            return Unavailable(_unparsable(exc, data, exit_code, stderr))
        try:
            return _parse_root(root, exit_code, stderr, reuse)
        except RecursionError:
            return Unavailable(Condition(kind=ConditionKind.MALFORMED,
                                         message="crm_mon output nests too deeply",
                                         exit_code=exit_code))


def pacemaker_version(dc_version: str | None) -> str | None:
    """ "2.1.5-a3f44794f94" / "2.0.4+20200616.2deceaa3a-3.3.1-..." -> "2.1.5"."""
    if not dc_version:
        return None
    match = _VERSION.match(dc_version.strip())
    return match.group(0) if match else None


# --- failure shapes -------------------------------------------------------------------------


def _exit_condition(exit_code: int | None, message: str, details=()) -> Condition | None:
    if exit_code == EXIT_NOT_CONNECTED:
        return Condition(kind=ConditionKind.NOT_CONNECTED, message=message or "Not connected",
                         exit_code=exit_code, details=details)
    if exit_code == EXIT_INSUFFICIENT_PRIVILEGES:
        return Condition(kind=ConditionKind.INSUFFICIENT_PRIVILEGES,
                         message=message or "Insufficient privileges",
                         exit_code=exit_code, details=details)
    if exit_code:
        return Condition(kind=ConditionKind.COMMAND_FAILED,
                         message=message or f"crm_mon exited with code {exit_code}",
                         exit_code=exit_code, details=details)
    return None


def _unparsable(exc: Exception, data, exit_code: int | None, stderr: str) -> Condition:
    stderr_lines = tuple(clip(line) for line in stderr.strip().splitlines()[:20] if line.strip())
    first = stderr_lines[0] if stderr_lines else ""
    by_exit = _exit_condition(exit_code, first, stderr_lines)
    if by_exit is not None:
        return by_exit
    if isinstance(exc, UnsafeXml):
        reason = str(exc)
    elif not data or not str(data).strip():
        reason = "crm_mon printed nothing"
    else:
        reason = f"crm_mon output is not well-formed XML: {clip(str(exc), 300)}"
    return Condition(kind=ConditionKind.MALFORMED, message=reason,
                     exit_code=exit_code, details=stderr_lines)


def _errors(status) -> tuple[str, ...]:
    errors = status.find("errors") if status is not None else None
    if errors is None:
        return ()
    return tuple(clip(e.text or "").strip() for e in errors.iterchildren("error"))[:50]


def _pacemakerd_condition(state: str | None, message: str, exit_code, details) -> Condition | None:
    if state in PACEMAKERD_STARTING:
        return Condition(kind=ConditionKind.PACEMAKERD_STARTING,
                         message=message or f"pacemakerd is starting ({state})",
                         exit_code=exit_code, details=details)
    if state in PACEMAKERD_STOPPING:
        return Condition(kind=ConditionKind.PACEMAKERD_STOPPING,
                         message=message or f"pacemakerd is shutting down ({state})",
                         exit_code=exit_code, details=details)
    return None


# --- the document ---------------------------------------------------------------------------


def _parse_root(root, exit_code: int | None, stderr: str, reuse: Reuse | None) -> StatusOutcome:
    tag = root.tag
    if tag == "pacemaker-result":
        api_version = root.get("api-version")
        legacy_version = None
    elif tag == "crm_mon":
        api_version = None
        legacy_version = root.get("version")
    else:
        shown = tag if isinstance(tag, str) else "a non-element node"
        return Unavailable(Condition(
            kind=ConditionKind.MALFORMED,
            message=f"unexpected root element <{clip(shown, 80)}>: "
                    "expected <pacemaker-result> or <crm_mon>",
            exit_code=exit_code))

    sections = {}
    for child in root:
        if isinstance(child.tag, str) and child.tag not in sections:
            sections[child.tag] = child

    status = sections.get("status")
    code = get_int(status, "code") if status is not None else None
    message = clip(status.get("message")) if status is not None else ""
    errors = _errors(status)
    effective_code = code if code is not None else exit_code

    disconnected = sections.get("crm-mon-disconnected")
    if disconnected is not None:
        state = disconnected.get("pacemakerd-state")
        desc = clip(disconnected.get("description")) or message
        cond = _pacemakerd_condition(state, desc, effective_code, errors)
        return Unavailable(cond or Condition(
            kind=ConditionKind.DISCONNECTED,
            message=desc or "crm_mon is disconnected from the cluster",
            exit_code=effective_code, details=errors))

    summary_el = sections.get("summary")
    pacemakerd = sections.get("pacemakerd")
    if summary_el is None:
        state = pacemakerd.get("state") if pacemakerd is not None else None
        cond = _pacemakerd_condition(state, message if effective_code else "", effective_code,
                                     errors)
        if cond is not None:
            return Unavailable(cond)
        if state and not effective_code and sections.get("nodes") is None:
            # e.g. "query failed", "invalid": pacemakerd answered but no state followed
            return Unavailable(Condition(kind=ConditionKind.DISCONNECTED,
                                         message=f"pacemakerd state: {clip(state, 100)}",
                                         exit_code=effective_code, details=errors))

    has_state = summary_el is not None or sections.get("nodes") is not None
    if effective_code:
        cond = _exit_condition(effective_code, message, errors)
        if not has_state:
            return Unavailable(cond)  # type: ignore[arg-type]
        conditions = (cond,)  # a failing exit that still printed state: keep both
    elif not has_state:
        if errors:
            return Unavailable(Condition(kind=ConditionKind.ERRORS,
                                         message=errors[0] or message or "error",
                                         exit_code=effective_code, details=errors))
        return Unavailable(Condition(
            kind=ConditionKind.MALFORMED,
            message="crm_mon output carries no cluster state (no <summary>)",
            exit_code=effective_code))
    elif errors:
        conditions = (Condition(kind=ConditionKind.ERRORS, message=errors[0] or message or "error",
                                exit_code=effective_code, details=errors),)
    else:
        conditions = ()
    return _snapshot(sections, api_version, legacy_version, pacemakerd, conditions, reuse)


def _snapshot(sections, api_version, legacy_version, pacemakerd, conditions,
              reuse: Reuse | None) -> Snapshot:
    summary = _summary(sections.get("summary"), pacemakerd)
    made = None if reuse is None else Reuse()  # this parse's tables: the next parse's reuse
    resources = _top_resources(sections.get("resources"), reuse, made)
    attributes = _node_attributes(sections.get("node_attributes"))
    nodes = _nodes(sections.get("nodes"), resources, attributes)
    resources = _mark_guest_connections(resources, nodes)  # by the nodes: never reused
    history = _history(sections.get("node_history"), reuse, made)
    if reuse is not None and made is not None:  # one assignment each: see Reuse
        reuse.resources, reuse.node_histories, reuse.histories = made.resources, made.node_histories, made.histories
    return Snapshot(
        summary=summary,
        nodes=nodes,
        resources=resources,
        history=history,
        failures=_failures(sections.get("failures")),
        fence_history=_fence_history(sections.get("fence_history")),
        tickets=_tickets(sections.get("tickets")),
        bans=_bans(sections.get("bans")),
        api_version=api_version,
        pacemaker_version=pacemaker_version(summary.dc_version) or pacemaker_version(legacy_version),
        conditions=conditions,
    )


def _children(el, tag: str):
    return () if el is None else el.iterchildren(tag)


def _summary(el, pacemakerd) -> Summary:
    if el is None:
        el = etree.Element("summary")
    found = {child.tag: child for child in el if isinstance(child.tag, str)}
    stack = found.get("stack")
    dc = found.get("current_dc")
    update = found.get("last_update")
    change = found.get("last_change")
    nodes = found.get("nodes_configured")
    rscs = found.get("resources_configured")
    opts = found.get("cluster_options")

    dc_present = dc is not None and get_bool(dc, "present")
    pcmkd_state = None
    if stack is not None:
        pcmkd_state = stack.get("pacemakerd-state")
    if pcmkd_state is None and pacemakerd is not None:
        pcmkd_state = pacemakerd.get("state")

    stonith = True
    if opts is not None:
        # 3.0.2 renamed stonith-enabled to fencing-enabled (both printed for now)
        fencing = get_opt_bool(opts, "fencing-enabled")
        stonith = fencing if fencing is not None else get_bool(opts, "stonith-enabled", True)
    return Summary(
        stack=_text(stack, "type"),
        dc=_text(dc, "name") if dc_present else None,
        dc_version=_text(dc, "version") if dc_present else None,
        with_quorum=get_opt_bool(dc, "with_quorum") if dc_present else None,
        last_update=_text(update, "time"),
        last_change=_text(change, "time"),
        last_change_user=_text(change, "user"),
        last_change_client=_text(change, "client"),
        last_change_origin=_text(change, "origin"),
        nodes_configured=get_count(nodes, "number") if nodes is not None else 0,
        resources_configured=get_count(rscs, "number") if rscs is not None else 0,
        resources_disabled=get_count(rscs, "disabled") if rscs is not None else 0,
        resources_blocked=get_count(rscs, "blocked") if rscs is not None else 0,
        stonith_enabled=stonith,
        symmetric_cluster=get_bool(opts, "symmetric-cluster", True) if opts is not None else True,
        no_quorum_policy=_text(opts, "no-quorum-policy"),
        maintenance_mode=get_bool(opts, "maintenance-mode") if opts is not None else False,
        stop_all_resources=get_bool(opts, "stop-all-resources") if opts is not None else False,
        pacemakerd_state=clip(pcmkd_state, 100) or None,
    )


def _text(el, name: str, limit: int = 1000) -> str | None:
    if el is None:
        return None
    value = el.get(name)
    if value is None:
        return None
    return clip(value, limit) if len(value) > limit else value


# --- resources ------------------------------------------------------------------------------


def _resource_list(el) -> tuple[Resource, ...]:
    """The resources directly under `el`."""
    if el is None:
        return ()
    result = []
    for child in el:
        pause()
        resource = _resource(child)
        if resource is not None:
            result.append(resource)
    return tuple(result)


def _resource(el) -> Resource | None:
    tag = el.tag
    if tag == "resource":
        return _primitive(el)
    if tag == "group":
        return _collective(el, ResourceKind.GROUP)
    if tag == "clone":
        return _collective(el, ResourceKind.CLONE)
    if tag == "bundle":
        return _bundle(el)
    return None


def _top_resources(el, reuse: Reuse | None, made: Reuse | None) -> tuple[Resource, ...]:
    """_resource_list of <resources>, taking what an unchanged subtree made last time."""
    if el is None or reuse is None or made is None:
        return _resource_list(el)
    before, now = reuse.resources, made.resources
    result = []
    for child in el:
        pause()
        key = _tostring(child, with_tail=False)
        resource = before.get(key)
        if resource is None:
            resource = _resource(child)
            if resource is None:
                continue
        now[key] = resource
        result.append(resource)
    return tuple(result)


def _node_names(el) -> tuple[str, ...]:
    count = len(el)
    if not count:
        return ()
    if count == 1:  # the usual case: running on one node
        child = el[0]
        return (child.get("name") or "",) if child.tag == "node" else ()
    return tuple(n.get("name") or "" for n in el.iterchildren("node"))


def _agent(agent: str | None) -> str | None:
    # crm_mon < 2.0.3 printed "ocf::heartbeat:IPaddr2"
    if agent and "::" in agent:
        return agent.replace("::", ":", 1)
    return agent


def _primitive(el) -> Resource:
    # crm_mon prints "true"/"false"; anything else is the default, so a flag defaulting to
    # False is `== "true"` and one defaulting to True is `!= "false"`. Bytes names: see _history.
    get = el.get
    role = get(b"role") or "Stopped"
    agent = get(b"resource_agent")
    if len(el) == 1:  # the usual case, running on one node (inline _node_names)
        child = el[0]
        nodes = (child.get(b"name") or "",) if child.tag == "node" else ()
    else:
        nodes = _node_names(el)
    # implicit is left False here: _bundle and _mark_guest_connections mark it
    return _new_resource(
        id=get(b"id") or "",
        kind=ResourceKind.PRIMITIVE,
        agent=_agent(agent) if agent and "::" in agent else agent,
        role=_ROLE_ALIASES.get(role, role),
        target_role=get(b"target_role"),
        active=get(b"active") == "true",
        # 3.0.2 renamed orphaned -> removed (both printed for now)
        orphaned=get(b"removed") == "true" or get(b"orphaned") == "true",
        blocked=get(b"blocked") == "true",
        managed=get(b"managed") != "false",
        failed=get(b"failed") == "true",
        failure_ignored=get(b"failure_ignored") == "true",
        maintenance=get(b"maintenance") == "true",
        pending=get(b"pending"),
        nodes=nodes,
        description=get(b"description"),
        locked_to=get(b"locked_to"),
    )


def _union_nodes(children) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for child in children:
        for name in child.nodes:
            seen[name] = None
    return tuple(seen)


def _aggregate_role(children) -> str:
    roles = {c.role for c in children if c.active}
    if "Promoted" in roles:
        return "Promoted"
    if not roles:
        return "Stopped"
    return "Started"


def _collective(el, kind: ResourceKind) -> Resource:
    children = _resource_list(el)
    # one pass over the children for what the any()s, _aggregate_role and _union_nodes say
    active = orphaned = blocked = failed = False
    roles: set[str] = set()
    nodes: dict[str, None] = {}
    for child in children:
        if child.active:
            active = True
            roles.add(child.role)
        if child.orphaned:
            orphaned = True
        if child.blocked:
            blocked = True
        if child.failed:
            failed = True
        for name in child.nodes:
            nodes[name] = None
    role = "Promoted" if "Promoted" in roles else "Started" if roles else "Stopped"
    return _new_resource(
        id=el.get("id") or "",
        kind=kind,
        role=role,
        target_role=el.get("target_role"),
        active=active,
        orphaned=orphaned,
        blocked=blocked,
        managed=_flag(el, "managed", True),
        failed=_flag(el, "failed") or failed,
        failure_ignored=_flag(el, "failure_ignored"),
        maintenance=_flag(el, "maintenance"),
        nodes=tuple(nodes),
        children=children,
        description=el.get("description"),
        promotable=kind is ResourceKind.CLONE and _flag(el, "multi_state"),
        unique=_flag(el, "unique"),
        disabled=_flag(el, "disabled"),
    )


def _bundle(el) -> Resource:
    replicas = []
    bundle_id = el.get("id") or ""
    for rep in el.iterchildren("replica"):
        children = _replica_parts(_resource_list(rep), bundle_id, rep.get("id") or "")
        replicas.append(Resource(
            id=rep.get("id") or str(len(replicas)),
            kind=ResourceKind.REPLICA,
            role=_aggregate_role(children),
            active=any(c.active for c in children),
            failed=any(c.failed for c in children),
            managed=all(c.managed for c in children),
            nodes=_replica_nodes(children),
            children=children,
        ))
    replicas_t = tuple(replicas)
    return Resource(
        id=el.get("id") or "",
        kind=ResourceKind.BUNDLE,
        role=_aggregate_role(replicas_t),
        active=any(r.active for r in replicas_t),
        managed=get_bool(el, "managed", True),
        failed=get_bool(el, "failed") or any(r.failed for r in replicas_t),
        maintenance=get_bool(el, "maintenance"),
        nodes=_union_nodes(replicas_t),
        children=replicas_t,
        description=el.get("description"),
        unique=get_bool(el, "unique"),
        container_type=el.get("type"),
        image=el.get("image"),
    )


def _replica_parts(children, bundle_id: str, replica: str) -> tuple[Resource, ...]:
    """A replica's resources, with the ones Pacemaker made for it marked implicit.

    Pacemaker names them "<bundle>-ip-<address>", "<bundle>-<docker|podman|rkt>-<n>" and
    "<bundle>-<n>" (the guest connection); the one other primitive is the configured one.
    """
    made = (f"{bundle_id}-ip-", f"{bundle_id}-docker-{replica}", f"{bundle_id}-podman-{replica}",
            f"{bundle_id}-rkt-{replica}", f"{bundle_id}-{replica}")
    return tuple(
        replace(child, implicit=True)
        if child.kind is ResourceKind.PRIMITIVE and (
            child.id == made[-1] or child.id in made[1:4] or child.id.startswith(made[0]))
        else child
        for child in children)


def _mark_guest_connections(resources, nodes) -> tuple[Resource, ...]:
    """Mark the ocf:pacemaker:remote primitive Pacemaker makes for each guest node implicit.

    crm_mon's text leaves it out (it is internal); a removed guest's connection is an
    ORPHANED resource and crm_mon shows it, so orphans stay visible.
    """
    guests = {n.connection_resource for n in nodes
              if n.kind is NodeKind.GUEST and n.connection_resource}
    if not guests:
        return resources
    return tuple(
        replace(r, implicit=True)
        if r.kind is ResourceKind.PRIMITIVE and r.id in guests and r.agent == REMOTE_AGENT
        and not r.orphaned else r
        for r in resources)


def _replica_nodes(children) -> tuple[str, ...]:
    """Where a replica runs: its container's node (the inner resource runs on the guest)."""
    for child in children:
        if child.agent and child.agent != REMOTE_AGENT and child.agent.startswith(
                ("ocf:heartbeat:docker", "ocf:heartbeat:podman", "ocf:heartbeat:rkt")):
            return child.nodes
    # no recognisable container: the cluster nodes any child runs on
    return _union_nodes(c for c in children if c.agent == REMOTE_AGENT) or _union_nodes(children)


# --- nodes ----------------------------------------------------------------------------------


def _index(resources):
    """id -> (primitive, bundle id or None); first occurrence wins (clone instances repeat)."""
    index: dict[str, tuple[Resource, str | None]] = {}
    setdefault = index.setdefault
    primitive, bundle_kind = ResourceKind.PRIMITIVE, ResourceKind.BUNDLE

    def visit(children, bundle: str | None) -> None:  # depth first, like Resource.walk
        for resource in children:
            if resource.kind is primitive:
                setdefault(resource.id, (resource, bundle))
            else:
                visit(resource.children,
                      resource.id if resource.kind is bundle_kind else bundle)

    visit(resources, None)
    del visit  # it refers to itself: without this, a cycle keeps what it holds until a full collection
    return index


def _still_starting(resource: Resource) -> bool:
    return bool(resource.pending) or resource.role == "Starting"


def _nodes(el, resources, attributes) -> tuple[Node, ...]:
    if el is None:
        return ()
    index = _index(resources)
    nodes = []
    for n in el.iterchildren("node"):
        pause()
        name = n.get("name") or ""
        node_type = n.get("type")
        container = n.get("id_as_resource") or n.get("container_id")
        online = _flag(n, "online")
        connection = host = container_rsc = bundle = None
        if node_type == "remote":
            if container:
                container_rsc = container
                found = index.get(container)
                bundle = found[1] if found else None
                kind = NodeKind.BUNDLE if bundle else NodeKind.GUEST
                if found and found[0].nodes:
                    host = found[0].nodes[0]
            else:
                kind = NodeKind.REMOTE
            conn = index.get(name)
            if conn is not None and conn[0].agent == REMOTE_AGENT:
                connection = name
                if kind is NodeKind.REMOTE and conn[0].nodes:
                    host = conn[0].nodes[0]
                # crm_mon can say online while the connection is still starting
                if online and _still_starting(conn[0]):
                    online = False
        elif node_type == "ping":
            kind = NodeKind.PING
        else:
            kind = NodeKind.CLUSTER
        # address, port, reconnect_interval and connect_timeout are joined from the CIB
        nodes.append(_new_node(
            name=name,
            id=n.get("id") or name,
            kind=kind,
            online=online,
            standby=_flag(n, "standby"),
            standby_onfail=_flag(n, "standby_onfail"),
            maintenance=_flag(n, "maintenance"),
            pending=_flag(n, "pending"),
            unclean=_flag(n, "unclean"),
            shutdown=_flag(n, "shutdown"),
            expected_up=_flag(n, "expected_up"),
            is_dc=_flag(n, "is_dc"),
            resources_running=get_count(n, "resources_running"),
            feature_set=n.get("feature_set"),
            connection_resource=connection,
            container_resource=container_rsc,
            host=host,
            bundle=bundle,
            attributes=attributes.get(name, EMPTY),
            health=n.get("health"),
        ))
    return tuple(nodes)


def _node_attributes(el) -> dict[str, MappingProxyType]:
    result = {}
    for node in _children(el, "node"):
        values = {a.get("name") or "": a.get("value") or "" for a in node.iterchildren("attribute")}
        result[node.get("name") or ""] = MappingProxyType(values)
    return result


# --- history, failures, fencing, tickets, bans -----------------------------------------------


def _history(el, reuse: Reuse | None, made: Reuse | None) -> tuple[ResourceHistory, ...]:
    """Every node's resource histories: with a Reuse, a node's whole history unchanged since
    the last parse is taken as it was, else each unchanged resource history on it."""
    result: list[ResourceHistory] = []
    for node in _children(el, "node"):
        if reuse is None or made is None:
            result.extend(_node_history(node, None, None))
            continue
        pause()
        key = _tostring(node, with_tail=False)
        name = node.get("name") or ""
        histories = reuse.node_histories.get(key)
        if histories is None:
            made.histories[name] = each = {}
            histories = _node_history(node, reuse.histories.get(name, {}), each)
        elif name in reuse.histories:  # carried on: the node may change in the next refresh
            made.histories[name] = reuse.histories[name]
        made.node_histories[key] = histories
        result.extend(histories)
    return tuple(result)


def _node_history(node, before: dict[bytes, ResourceHistory] | None,
                  made: dict[bytes, ResourceHistory] | None) -> tuple[ResourceHistory, ...]:
    # The bulk of a big cluster's output (two or more operations per resource per node), so
    # this loop is written for speed: cached conversions inlined, call ids (unique, so never
    # cached) converted directly, histories and operation rows built by fast keyword
    # constructors, and bytes attribute names (lxml would encode a str name on every read;
    # ~15% of a read). A resource history unchanged since the last parse is taken as it was.
    result = []
    append = result.append
    ints, ms = _int_cache, _ms_cache
    node_name = node.get("name") or ""
    for rh in node.iterchildren("resource_history"):
        pause()
        if made is not None and before is not None:
            key = _tostring(rh, with_tail=False)
            kept = before.get(key)
            if kept is not None:
                made[key] = kept
                append(kept)
                continue
        else:
            key = None
        rsc = rh.get(b"id") or ""
        ops = []
        for op in rh:  # plain iteration + tag test: half the cost of iterchildren(tag)
            if op.tag != "operation_history":
                continue
            get = op.get
            call, rc, interval = get(b"call"), get(b"rc"), get(b"interval")
            exec_time, queue_time = get(b"exec-time"), get(b"queue-time")
            ops.append(operation_row(
                node=node_name,
                resource=rsc,
                task=get(b"task") or "",
                call=int(call) if call and len(call) <= 20 and call.isdecimal()
                else _int(call),
                rc=ints[rc] if rc in ints else _int(rc),
                rc_text=get(b"rc_text"),
                interval_ms=(ms[interval] if interval in ms else _ms(interval)) or 0,
                last_rc_change=get(b"last-rc-change"),
                exec_time_ms=ms[exec_time] if exec_time in ms else _ms(exec_time),
                queue_time_ms=ms[queue_time] if queue_time in ms else _ms(queue_time),
            ))
        fail_count, threshold = rh.get(b"fail-count"), rh.get(b"migration-threshold")
        fail_count = (ints[fail_count] if fail_count in ints else _int(fail_count)) or 0
        history = _new_history(
            node=node_name,
            resource=rsc,
            fail_count=fail_count if fail_count > 0 else 0,
            migration_threshold=ints[threshold] if threshold in ints else _int(threshold),
            last_failure=rh.get(b"last-failure"),
            operation_rows=tuple(ops),
        )
        if made is not None:
            made[key] = history
        append(history)
    return tuple(result)


def _resource_of_op_key(op_key: str, task: str | None, interval: str | None) -> str | None:
    """ "rsc_monitor_10000" -> "rsc" (resource ids may contain underscores)."""
    if task and interval is not None:
        suffix = f"_{task}_{interval}"
        if op_key.endswith(suffix) and len(op_key) > len(suffix):
            return op_key[: -len(suffix)]
    head, sep, tail = op_key.rpartition("_")
    if not sep or not tail.isdigit():
        return None
    for known in ("_migrate_to", "_migrate_from"):
        if head.endswith(known):
            return head[: -len(known)] or None
    rsc, sep, _task = head.rpartition("_")
    return rsc or None


def _failures(el) -> tuple[Failure, ...]:
    result = []
    for f in _children(el, "failure"):
        op_key = f.get("op_key") or f.get("id") or ""
        task = f.get("task")
        interval = f.get("interval")
        result.append(Failure(
            op_key=op_key,
            node=f.get("node") or "",
            resource=_resource_of_op_key(op_key, task, interval),
            task=task or _task_of_op_key(op_key),
            exit_status=f.get("exitstatus"),
            exit_reason=_reason(f.get("exitreason")),
            exit_code=get_int(f, "exitcode"),
            call=get_int(f, "call"),
            status=f.get("status"),
            last_rc_change=f.get("last-rc-change"),
            interval_ms=parse_int(interval, 0) or 0,
        ))
    return tuple(result)


# What some crm_mon versions write when there is no reason (1.1/2.0: exitreason="none").
_NO_REASON = frozenset(("", "none", "(null)"))


def _reason(value: str | None) -> str | None:
    """An exit reason, or None where crm_mon wrote a placeholder for "no reason"."""
    if value is None or value.strip().lower() in _NO_REASON:
        return None
    return clip(value) or None


def _task_of_op_key(op_key: str) -> str | None:
    head, sep, tail = op_key.rpartition("_")
    if not sep:
        return None
    for known in ("migrate_to", "migrate_from"):
        if head.endswith("_" + known):
            return known
    return head.rpartition("_")[2] or None


def _fence_history(el) -> tuple[FenceEvent, ...]:
    return tuple(
        FenceEvent(
            target=e.get("target") or "",
            action=e.get("action") or "",
            status=e.get("status") or "",
            delegate=e.get("delegate"),
            client=e.get("client"),
            origin=e.get("origin"),
            completed=e.get("completed"),
            exit_reason=_reason(e.get("exit-reason")) or _reason(e.get("extended-status")),
        )
        for e in _children(el, "fence_event")
    )


def _tickets(el) -> tuple[Ticket, ...]:
    return tuple(
        Ticket(
            id=t.get("id") or "",
            granted=(t.get("status") == "granted") or get_bool(t, "granted"),
            standby=get_bool(t, "standby"),
            last_granted=t.get("last-granted"),
        )
        for t in _children(el, "ticket")
    )


def _bans(el) -> tuple[Ban, ...]:
    return tuple(
        Ban(
            id=b.get("id") or "",
            resource=b.get("resource") or "",
            node=b.get("node") or "",
            weight=get_int(b, "weight"),
            promoted_only=get_bool(b, "promoted-only") or get_bool(b, "master_only"),
        )
        for b in _children(el, "ban")
    )
