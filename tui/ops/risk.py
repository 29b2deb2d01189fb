"""Confirmation that fits the risk.

Everything keeps the one-key confirm with the exact commands shown, except on a cluster
marked `production: true`, where the cluster's name must be typed for

- a cluster-wide action (Plan.cluster_wide: cluster maintenance, fencing, removing a node),
- a plan whose impact preview stops a resource,
- a plan that should have had a preview and has none (not computed yet, or it failed): what
  it would do is unknown, so it is treated as the worst case.
"""

from __future__ import annotations

from tui.pacemaker.impact import Impact


def needs_typed_confirmation(plan, impact: Impact | None, *, production: bool) -> bool:
    if not production:
        return False
    if getattr(plan, "cluster_wide", False):
        return True
    if impact is not None and impact.stops:
        return True
    return getattr(plan, "preview", None) is not None and (impact is None or not impact.computed)


def typed_ok(typed: str, cluster_name: str) -> bool:
    """The typed text is the cluster's name exactly (surrounding blanks aside)."""
    if not isinstance(typed, str) or not isinstance(cluster_name, str):
        return False
    name = cluster_name.strip()
    return bool(name) and typed.strip() == name
