"""Plans by name: (builder name, JSON-able kwargs) -> the same Plan again.

A Plan carries its recipe (Plan.recipe); the journal stores it, and `apply --resume` rebuilds
the plan from it. Builders are pure: the same kwargs give the same steps and step ids.
Wizards register their builders here too.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Mapping

from tui.ops import actions
from tui.ops.plan import Plan

Builder = Callable[..., Plan]

BUILDERS: dict[str, Builder] = {
    "standby": actions.standby,
    "node_maintenance": actions.node_maintenance,
    "cluster_maintenance": actions.cluster_maintenance,
    "cleanup": actions.cleanup,
    # resource and node actions (issue 13)
    "move": actions.move,
    "ban": actions.ban,
    "clear": actions.clear,
    "restart": actions.restart,
    "enable": actions.enable,
    "disable": actions.disable,
    "manage": actions.manage,
    "unmanage": actions.unmanage,
    "refresh": actions.refresh,
    "meta_set": actions.meta_set,
    "meta_delete": actions.meta_delete,
    "fence": actions.fence,
    "clear_failcounts": actions.clear_failcounts,
    "promote": actions.promote,
    "demote": actions.demote,
}


# the node wizards' plans (tui.ops.nodes.plans: pure builders, no import of this module)
from tui.ops.nodes import plans as _node_plans  # noqa: E402

BUILDERS.update(_node_plans.BUILDERS)


class UnknownRecipe(ValueError):
    pass


def register(name: str, builder: Builder) -> Builder:
    if name in BUILDERS and BUILDERS[name] is not builder:
        raise ValueError(f"a recipe named {name!r} is registered already")
    BUILDERS[name] = builder
    return builder


def build(name: str, kwargs: Mapping[str, Any]) -> Plan:
    """The plan `name` builds from `kwargs`; UnknownRecipe names what is known."""
    builder = BUILDERS.get(name)
    if builder is None:
        raise UnknownRecipe(f"no plan recipe named {name!r} (known: {', '.join(sorted(BUILDERS))})")
    try:
        plan = builder(**dict(kwargs))
    except TypeError as exc:
        raise UnknownRecipe(f"recipe {name!r} cannot be built from {sorted(kwargs)}: {exc}") from None
    return plan


def encode(plan: Plan) -> str:
    """The plan's recipe as one JSON line (what the journal stores)."""
    if plan.recipe is None:
        raise ValueError(f"plan {plan.title!r} has no recipe: it cannot be rebuilt")
    name, kwargs = plan.recipe
    return json.dumps({"recipe": name, "kwargs": dict(kwargs)}, ensure_ascii=True, sort_keys=True)


def decode(line: str) -> Plan:
    data = json.loads(line)
    return build(data["recipe"], data.get("kwargs") or {})

# the certificate plans (tui.ops.certs.plans: pure builders too)
from tui.ops.certs import plans as _cert_plans  # noqa: E402

BUILDERS.update(_cert_plans.BUILDERS)
