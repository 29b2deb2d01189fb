"""The four wizards, one shape, so the CLI and the TUI drive each the same way.

    wizard = WIZARDS["add-remote"]
    inp = wizard.input_type(name="rn3", address="10.20.0.23")
    inp.errors(facts)                                  # inline, per field
    outcomes = await run_checks(wizard.preflight(inp, facts), pool, default_host=host)
    method = resolve_method(inp, facts, outcomes)       # "pcs" | "direct"
    plan = wizard.plan(inp, facts, method, outcomes)    # outcomes: key location and hash

`plan` without outcomes still builds a safe plan: it assumes /etc/pacemaker/authkey, checks
that PCMK_authkey_location says the same before it copies, and refuses any key already on the
target (it cannot compare without the checks' hash).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable, Iterable

from tui.ops.nodes import plans
from tui.ops.nodes.facts import ClusterFacts
from tui.ops.nodes.inputs import AddGuest, AddRemote, Input, RemoveNode
from tui.ops.nodes.preflight import CheckOutcome, preflight
from tui.ops.plan import Plan
from tui.pacemaker import nodecmds


@dataclass(frozen=True)
class Wizard:
    kind: str  # "add-remote", ...
    title: str
    input_type: type
    preflight: Callable[[Input, ClusterFacts], Plan]
    plan: Callable[..., Plan]  # (inp, facts, method, outcomes=()) -> Plan


def _outcome(outcomes: Iterable[CheckOutcome], step_id: str) -> CheckOutcome | None:
    return next((o for o in outcomes if o.step_id == step_id), None)


def _passed(outcomes, step_id: str) -> bool:
    found = _outcome(outcomes, step_id)
    return found is not None and found.level == "ok"


def resolve_method(inp: Input, facts: ClusterFacts, outcomes: Iterable[CheckOutcome] = ()) -> str:
    """The method asked for; for "auto": pcs when the checks show it can do the job (pcs
    there, pcsd authenticated to the node, no pacemaker-remoted running yet, nothing pcs
    cannot take), else direct. remove-guest always goes direct: pcs stops the daemon before
    the CIB change and the cluster records a lost connection."""
    if inp.method in ("pcs", "direct"):
        return inp.method
    outcomes = tuple(outcomes)
    if isinstance(inp, RemoveNode):
        if inp.kind == "guest":
            return "direct"
        if outcomes:
            return "pcs" if _passed(outcomes, "pcs-present") and _passed(outcomes, "pcs-host-known") else "direct"
        return "pcs" if facts.has_pcs else "direct"
    if not outcomes:
        return "pcs" if facts.has_pcs else "direct"
    wanted = ["pcs-present", "pcs-host-known", "remoted-not-running"]
    if _outcome(outcomes, "pcs-cluster-known") is not None:
        wanted.append("pcs-cluster-known")
    if isinstance(inp, AddGuest) and inp.connect_timeout:
        wanted.append("pcs-duration")
    return "pcs" if all(_passed(outcomes, s) for s in wanted) else "direct"


def _found(outcomes, step_id: str) -> dict[str, str]:
    found = _outcome(outcomes, step_id)
    return dict(found.found) if found is not None else {}


def _key_kwargs(outcomes) -> dict:
    cluster, target = _found(outcomes, "authkey-cluster"), _found(outcomes, "authkey-target")
    key_host = cluster.get("key_host")
    if cluster.get("new_key") == "1":
        paths = {k.removeprefix("location:"): v for k, v in cluster.items() if k.startswith("location:")}
        return {"new_key_paths": paths, "authkey_target": target.get("target_location", nodecmds.AUTHKEY)}
    return {
        "key_host": key_host,
        "authkey_source": cluster.get(f"location:{key_host}", nodecmds.AUTHKEY),
        "authkey_target": target.get("target_location", nodecmds.AUTHKEY),
        "authkey_sha256": cluster.get("sha256"),
    }


def _resolved(inp: Input, facts: ClusterFacts, method: str | None, outcomes) -> str:
    method = method or resolve_method(inp, facts, outcomes)
    if method == "auto":
        method = resolve_method(inp, facts, outcomes)
    return method


def plan_add_remote(inp: AddRemote, facts: ClusterFacts, method: str | None = None, outcomes=()) -> Plan:
    fields = dataclasses.asdict(inp)
    fields["method"] = _resolved(inp, facts, method, outcomes)
    return plans.add_remote(**fields, facts=facts.to_json(), **_key_kwargs(outcomes))


def plan_add_guest(inp: AddGuest, facts: ClusterFacts, method: str | None = None, outcomes=()) -> Plan:
    fields = dataclasses.asdict(inp)
    fields["method"] = _resolved(inp, facts, method, outcomes)
    return plans.add_guest(**fields, facts=facts.to_json(), **_key_kwargs(outcomes))


def _plan_remove(builder):
    def plan_remove(inp: RemoveNode, facts: ClusterFacts, method: str | None = None, outcomes=()) -> Plan:
        fields = dataclasses.asdict(inp)
        fields["method"] = _resolved(inp, facts, method, outcomes)
        return builder(**fields, facts=facts.to_json())
    return plan_remove


def _typed(kind: str, cls: type, build: Callable) -> Callable:
    def check(inp, *args, **kwargs):
        if not isinstance(inp, cls):
            raise TypeError(f"{kind} takes a {cls.__name__}, not a {type(inp).__name__}")
        return build(inp, *args, **kwargs)
    return check


WIZARDS: dict[str, Wizard] = {
    "add-remote": Wizard("add-remote", "Add a remote node", AddRemote, _typed("add-remote", AddRemote, preflight),
                         _typed("add-remote", AddRemote, plan_add_remote)),
    "add-guest": Wizard("add-guest", "Add a guest node", AddGuest, _typed("add-guest", AddGuest, preflight),
                        _typed("add-guest", AddGuest, plan_add_guest)),
    "remove-remote": Wizard("remove-remote", "Remove a remote node", RemoveNode,
                            _typed("remove-remote", RemoveNode, preflight),
                            _typed("remove-remote", RemoveNode, _plan_remove(plans.remove_remote))),
    "remove-guest": Wizard("remove-guest", "Remove a guest node", RemoveNode,
                           _typed("remove-guest", RemoveNode, preflight),
                           _typed("remove-guest", RemoveNode, _plan_remove(plans.remove_guest))),
}
