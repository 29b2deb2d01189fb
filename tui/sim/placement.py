"""The demo cluster's answer to the operator's placement actions (a mixin of ClusterState):
the cli-prefer / cli-ban location constraints crm_resource --move / --ban / --clear write,
where resources then run, crm_resource --restart, and fencing (stonith_admin --reboot/--fence).

The demo's scheduler is explicit, not Pacemaker's: after a constraint changes, the resource it
names is placed again by these rules, which give what Pacemaker gives on the demo's resources:

- a preference (INFINITY) wins when its node can run the resource and no ban forbids it;
- otherwise a resource stays where it runs (resource-stickiness 100) unless a ban forbids that
  node, and then goes to the allowed cluster node running the fewest resources;
- a group moves as one (a constraint on a member moves the group: members are colocated);
- a promotable clone's promoted role follows a Promoted preference or leaves a Promoted ban's
  node, onto a node where an instance runs;
- a clone's instance leaves a banned node and starts on an allowed one while clone-max allows;
- a guest node's VM takes its guest along (the guest's resources stop and start again); a
  remote connection moves without stopping what runs on the remote node.
A fenced cluster node leaves at once (what can move moves), a reboot brings it back
FENCE_REBOOT_SECONDS later; a power-off leaves it down.
"""

from __future__ import annotations

from tui.sim.model import BUNDLE, CLUSTER, GUEST, REMOTE, Ban, Bundle, Clone, FenceEvent, Group

FENCE_REBOOT_SECONDS = 20.0  # the fenced node's pacemaker is back (then RESTART_SECONDS to rejoin)
KIND = {CLUSTER: "cluster", REMOTE: "remote", GUEST: "container", BUNDLE: "container"}


class Placement:
    """Constraint bookkeeping and the placement that follows it (ClusterState provides the rest)."""

    # ---- constraints -------------------------------------------------------------------------

    def location(self, cid: str) -> Ban | None:
        return next((b for b in self.bans if b.id == cid), None)

    def effective(self, ban: Ban) -> bool:
        return ban.end is None or ban.end > self.now

    def set_location(self, ban: Ban, client: str = "crm_resource") -> None:
        """Create or replace (same id, same place in the CIB) a location constraint."""
        for i, old in enumerate(self.bans):
            if old.id == ban.id:
                self.bans[i] = ban
                break
        else:
            self.bans.append(ban)
        self._config_changed(client)

    def remove_location(self, cid: str, client: str = "crm_resource") -> bool:
        found = self.location(cid)
        if found is None:
            return False
        self.bans.remove(found)
        self._config_changed(client)
        return True

    def _constrained_ids(self, rsc: str) -> set[str]:
        """The ids whose constraints apply to lrm resource rsc: itself, its group or clone."""
        ids = {rsc}
        parent = self.parent_of(rsc)
        if parent:
            ids.add(parent)
            group = next((r for r in self.resources if isinstance(r, Group) and r.id == parent), None)
            if group is not None:
                ids |= {c.id for c in group.children}  # a member's constraint holds the group
        return ids

    def banned_nodes(self, rsc: str, *, promoted: bool = False) -> set[str]:
        """Nodes a -INFINITY constraint forbids for rsc (promoted: for its promoted role;
        a ban without a role forbids the promoted role too)."""
        ids = self._constrained_ids(rsc)
        return {b.node for b in self.bans if b.rsc in ids and b.negative and self.effective(b)
                and (promoted or b.role != "Promoted")}

    def preferred_node(self, rsc: str, *, promoted: bool = False) -> str | None:
        ids = self._constrained_ids(rsc)
        found = [b.node for b in self.bans if b.rsc in ids and not b.negative and self.effective(b)
                 and (b.role == "Promoted") == promoted]
        return found[-1] if found else None

    def rule_allows(self, top: str, node: str) -> bool:
        """The demo's -INFINITY rules (#kind ne cluster ...) for the top resource on node."""
        for rule in self.rules:
            if rule.rsc != top or not rule.score.startswith("-"):
                continue
            value = KIND[self.nodes[node].kind] if rule.attribute == "#kind" else \
                {**self.nodes[node].attrs, **self.nodes[node].transient}.get(rule.attribute)
            matches = {"eq": value == rule.value, "ne": value != rule.value,
                       "defined": value is not None, "not_defined": value is None}.get(rule.operation, False)
            if matches:
                return False
        return True

    # ---- placement that follows --------------------------------------------------------------

    def top_of(self, rsc: str):
        """The configured resource (primitive, group, clone, bundle) that rsc is or is in."""
        for res in self.resources:
            if res.id == rsc:
                return res
            if isinstance(res, Group) and any(c.id == rsc for c in res.children):
                return res
            if isinstance(res, (Clone, Bundle)) and res.child.id == rsc:
                return res
        return None

    def follow(self, rsc: str) -> None:
        """Place rsc (and what goes with it) again after its constraints changed."""
        top = self.top_of(rsc)
        if top is None or isinstance(top, Bundle) or not self._managed(top):
            return  # unmanaged (is-managed=false, maintenance-mode): the constraint waits
        if isinstance(top, Clone):
            self._follow_clone(top)
        else:
            members = [c.id for c in top.children] if isinstance(top, Group) else [top.id]
            self._follow_single(top.id, members)
        self._settle()
        self._status_changed()

    def _managed(self, top) -> bool:
        if self.maintenance_mode:
            return False
        metas = [getattr(top, "meta", {})] + [c.meta for c in getattr(top, "children", [])]
        if isinstance(top, Clone):
            metas.append(top.child.meta)
        return not any(m.get("is-managed", "true").lower() in ("false", "no", "off", "0") for m in metas)

    def _allowed(self, top: str, lrm_id: str, node: str) -> bool:
        return (node in self.nodes and self.can_run(node) and node not in self.banned_nodes(lrm_id)
                and self.rule_allows(top, node))

    def _follow_single(self, top: str, members: list[str]) -> None:
        if any(self.stopped_by_config(m) for m in members[:1]):
            return
        first = members[0]
        current = next((n for n, _ in self.where(first)), None)
        wanted = self.preferred_node(first)
        if wanted is not None and self._allowed(top, first, wanted):
            target = wanted
        elif current is not None and self._allowed(top, first, current):
            target = current
        else:  # as the scheduler breaks the tie: the fewest resources, then the name
            candidates = [n for n, d in self.nodes.items() if d.kind != BUNDLE and self._allowed(top, first, n)]
            target = min(candidates, key=lambda n: (len(self._resources_on(n)), n)) if candidates else None
        if target == current:
            return
        self._relocate(members, current, target)

    def _relocate(self, members: list[str], source: str | None, target: str | None) -> None:
        """Stop members on source (last first), start them on target (first first)."""
        for rid in members:
            if self.remote_of(rid) is not None and source is not None and target is not None:
                # a remote connection migrates: the node stays connected, its resources keep running
                self.desired[rid] = [(n, r) for n, r in self.desired.get(rid, []) if n != source]
                self.place(rid, target)
                self.stop(rid, source)
                return
        guests = [g for rid in members for g, d in self.nodes.items() if d.kind == GUEST and d.container == rid]
        if source is not None:
            for guest in guests:  # the VM's guest goes down with it, its resources first
                for rid in reversed(self._resources_on(guest)):
                    self.stop(rid, guest)
                conn = self.nodes[guest].connection
                if conn:
                    self.stop(conn, source)
                    self.desired[conn] = [(n, r) for n, r in self.desired.get(conn, []) if n != source]
            for rid in reversed(members):
                self.stop(rid, source)
                self.desired[rid] = [(n, r) for n, r in self.desired.get(rid, []) if n != source]
        if target is None:
            for rid in members:
                self.desired.setdefault(rid, [])
            return
        for rid in members:
            self.place(rid, target)
        for guest in guests:
            conn = self.nodes[guest].connection
            if conn:
                self.place(conn, target)

    def _follow_clone(self, clone: Clone) -> None:
        child = clone.child.id
        if self.stopped_by_config(child):
            return
        places = dict(self.where(child))
        # instances leave nodes banned for them, and go where a preference asks (clone-max allowing)
        for node in [n for n in places if not self._allowed(clone.id, child, n)]:
            self.stop(child, node)
            self.desired[child] = [(n, r) for n, r in self.desired.get(child, []) if n != node]
            del places[node]
        wanted = self.preferred_node(child)
        free = sorted((n for n, d in self.nodes.items() if d.kind != BUNDLE and n not in places
                       and self._allowed(clone.id, child, n)), key=lambda n: (len(self._resources_on(n)), n))
        if wanted in free:
            free.remove(wanted)
            free.insert(0, wanted)
        maximum = int(clone.meta.get("clone-max", len(self.nodes)))
        for node in free:
            if len(places) >= maximum:
                break
            role = "Unpromoted" if clone.promotable else "Started"
            self.place(child, node, role)
            places[node] = role
        if clone.promotable:
            self._follow_promoted(clone, child, places)

    def _follow_promoted(self, clone: Clone, child: str, places: dict[str, str]) -> None:
        promoted = [n for n, r in places.items() if r == "Promoted"]
        banned = self.banned_nodes(child, promoted=True)
        wanted = self.preferred_node(child, promoted=True)
        limit = int(clone.meta.get("promoted-max", "1"))
        keep = [n for n in promoted if n not in banned]
        if wanted in places and wanted not in banned and wanted not in keep:
            keep = [wanted] + keep
        keep = keep[:limit]
        for node in promoted:
            if node not in keep:
                self.run_op(node, child, "demote", self.now)
                self._desire_role(child, node, "Unpromoted")
        if not keep:  # nothing promoted any more: the first allowed instance is promoted
            keep = [n for n in places if n not in banned][:limit]
        for node in keep:
            if places.get(node) != "Promoted":
                self.run_op(node, child, "promote", self.now + 1)
                self._desire_role(child, node, "Promoted")

    def _desire_role(self, rsc: str, node: str, role: str) -> None:
        self.desired[rsc] = [(n, role if n == node else r) for n, r in self.desired.get(rsc, [])]

    # ---- crm_resource --restart --------------------------------------------------------------

    def restart_resource(self, rsc: str, node: str | None = None) -> list[str]:
        """Stop and start again where it runs (node: only there); the lrm ids restarted."""
        top = self.top_of(rsc)
        members = ([c.id for c in top.children] if isinstance(top, Group) and top.id == rsc
                   else [top.child.id] if isinstance(top, Clone) and rsc in (top.id, top.child.id) else [rsc])
        done = []
        for rid in members:
            for where, role in self.where(rid):
                if node is not None and where != node:
                    continue
                self.stop(rid, where)
                self.start(rid, where, role, when=self.now + 1)
                done.append(rid)
        if done:
            self._status_changed()
        return done

    # ---- fencing -----------------------------------------------------------------------------

    def fence_devices_for(self, node: str) -> list[str]:
        """The stonith primitives that can fence node: pcmk_host_list names it (or is unset)."""
        found = []
        for rid, (prim, _) in self.primitives.items():
            if prim.cls != "stonith":
                continue
            hosts = prim.params.get("pcmk_host_list", "").replace(",", " ").split()
            if not hosts or node in hosts:
                found.append(rid)
        return found

    def fence(self, node: str, *, off: bool, origin: str, client: str) -> bool:
        """A cluster node fenced: out of the cluster now (what may move moves), its history
        gone; a reboot brings its pacemaker back FENCE_REBOOT_SECONDS later. False: no device."""
        devices = self.fence_devices_for(node)
        target = self.nodes.get(node)
        if not devices or target is None or target.kind != CLUSTER:
            return False
        delegate = next((h for d in devices for h, _ in self.where(d) if h != node), None) or next(
            (n for n, d in self.nodes.items() if d.kind == CLUSTER and n != node and self.node_online(n)), origin)
        if self.node_online(node):
            self._fenced(node)
        machine = self.hosts.get(node)
        service = machine.service("pacemaker") if machine is not None else None
        if service is not None:
            service.active = False
        self.fence_history.append(FenceEvent("off" if off else "reboot", node, "success", client, origin,
                                             delegate, self.now))
        if not off:
            self.schedule(self.now + FENCE_REBOOT_SECONDS, "fenced_boot", node)
        self._status_changed()
        return True

    def _fenced(self, node: str) -> None:
        """The node is gone at once: everything there stops, what may move is placed elsewhere."""
        running = list(self._resources_on(node))
        self._cluster_daemon_changed(node, False)
        for rid in reversed(self._resources_on(node)):  # maintenance-mode left them: the node is off
            self.run_op(node, rid, "stop", self.now)
        moved: dict[str, str] = {}
        for rid in reversed(running):
            targets = [n for n in self._movable(rid) if n != node]
            if not targets:
                continue
            group = self.parent_of(rid)
            target = (moved.get(group) if group else None) or targets[0]
            if group:
                moved[group] = target
            role = next((r for n, r in self.desired.get(rid, []) if n == node), "Started")
            self.desired[rid] = [(n, r) for n, r in self.desired.get(rid, []) if n != node]
            self.place(rid, target, role)
        self._promote_elsewhere(node)  # the promoted instance was there: another one is promoted
        self._settle()

    def _on_fenced_boot(self, node: str) -> None:
        machine = self.hosts.get(node)
        service = machine.service("pacemaker") if machine is not None else None
        if service is None or node not in self.nodes:
            return
        service.active = True
        self.service_changed(machine, "pacemaker")
        from tui.sim.daemons import RESTART_SECONDS

        self.schedule(self.now + RESTART_SECONDS["pacemaker"] + 1.0, "rejoined", node)

    def _on_rejoined(self, node: str) -> None:
        """Back in the cluster: a promotable clone without a promoted instance gets one again."""
        for clone in [r for r in self.resources if isinstance(r, Clone) and r.promotable]:
            self._follow_clone(clone)
        self._settle()
        self._status_changed()

