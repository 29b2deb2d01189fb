"""The certificate wizards' way from the form to a Plan (tui.ops.certs.wizard), Textual-free:
the same shape as WizardFlow (tui.ui.screens.wizard_flow), so WizardScreen walks both.

    flow = CertsFlow.start("certs-convert", snapshot, default_host="node1",
                           state_dir=Path("~/.local/state/pcmk-console"), cluster="alpha")
    inp, errors = flow.build(values)     # the form's raw values -> CertsConvert, or errors by field
    checks = flow.preflight(inp)         # reads only
    outcomes = await flow.run_checks(checks, pool)
    plan = flow.plan(inp, outcomes)      # the mutating plan (its recipe rebuilds it)

What differs from the node wizards is said by the hooks the screen asks every flow:
review_lines (the restart order, the disconnect, FORCED), result_lines (the disconnect
windows), verification_failed and rollback_run_id (the "Roll back" offer).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from tui.ops.plan import Plan
from tui.ui.screens.wizard_flow import WizardUnavailable

KINDS = ("certs-convert", "certs-renew", "certs-rollback")
INTEGER_FIELDS = ("days", "validity")
# the steps whose failure means the conversion did not prove itself (contract-11 §4)
VERIFY_PREFIXES = ("rejoin-", "wait-online", "environ-")
WINDOWS = "disconnect_windows"


def _certs_api():
    try:
        from tui.ops.certs import wizard
        from tui.ops.nodes import facts, preflight
    except ImportError as exc:
        raise WizardUnavailable(f"the certificate wizards are not installed in this build ({exc.name or exc})") from None
    return facts, preflight, wizard


def windows_words(windows: Mapping[str, Any]) -> str:
    """{"rn1": 7.8, "gn1": 6.1} -> "rn1 offline 7.8 s, gn1 offline 6.1 s"."""
    parts = []
    for node, seconds in windows.items():
        try:
            parts.append(f"{node} offline {float(seconds):.1f} s")
        except (TypeError, ValueError):
            parts.append(f"{node} offline ? s")
    return ", ".join(parts) or "no remote or guest node"


class CertsFlow:
    adds = False  # no single node to diagnose: the result offers the offline ones
    offers_undo = False  # step-by-step undo would restore env files without restarting: rollback does both

    def __init__(self, kind: str, wizard: Any, facts: Any, context: Any, *, default_host: str | None,
                 snapshot: Any = None) -> None:
        self.kind = kind
        self.wizard = wizard
        self.facts = facts
        self.context = context
        self.default_host = default_host
        self.snapshot = snapshot

    @classmethod
    def start(cls, kind: str, snapshot: Any, *, default_host: str | None, state_dir: Path | None,
              cluster: str, journal: Any = None, now: Any = None) -> "CertsFlow":
        if kind not in KINDS:
            raise WizardUnavailable(f"no wizard named {kind!r} (wizards: {', '.join(KINDS)})")
        facts_mod, _, wizard_mod = _certs_api()
        wizard = getattr(wizard_mod, "WIZARDS", {}).get(kind)
        if wizard is None:
            raise WizardUnavailable(f"the {kind} wizard is not in this build")
        if snapshot is None:
            raise WizardUnavailable("no cluster status yet: wait for the first refresh")
        if state_dir is None:
            from tui.remote.actionlog import default_state_dir
            state_dir = default_state_dir()
        context = wizard_mod.CertsContext(state_dir=Path(state_dir), cluster=cluster, journal=journal, now=now)
        return cls(kind, wizard, facts_mod.facts_from_snapshot(snapshot), context,
                   default_host=default_host, snapshot=snapshot)

    @property
    def title(self) -> str:
        return getattr(self.wizard, "title", None) or self.kind

    # --- the input ----------------------------------------------------------------------------

    def build(self, values: Mapping[str, Any]) -> tuple[Any | None, dict[str, str]]:
        """The input from the form's values (a hidden row's value is not there), or the errors
        by field name; `force` is never taken from the TUI."""
        fields = {f.name for f in dataclasses.fields(self.wizard.input_type)}
        kwargs: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for name, value in values.items():
            if name not in fields or name == "force" or value is None or value == "":
                continue
            if name in INTEGER_FIELDS and isinstance(value, str):
                if not value.strip().isdigit():
                    errors[name] = "must be a whole number of days"
                    continue
                value = int(value)
            kwargs[name] = value
        if errors:
            return None, errors
        try:
            inp = self.wizard.input_type(**kwargs)
        except (TypeError, ValueError) as exc:
            first = next(iter(values), "ca")
            return None, {first: f"cannot take these inputs: {exc}"}
        found: dict[str, str] = {}
        for field, message, *_ in inp.errors():
            found[field] = f"{found[field]}; {message}" if field in found else message
        return (None, found) if found else (inp, {})

    # --- the checks ---------------------------------------------------------------------------

    def preflight(self, inp: Any) -> Plan:
        plan = self.wizard.preflight(inp, self.facts, self.context)
        if plan.mutates:
            raise ValueError(f"the preflight {plan.title!r} would change the cluster; not run")
        return plan

    async def run_checks(self, plan: Plan, pool: Any, *, only: Iterable[str] | None = None,
                         listeners: Iterable[Callable] = ()) -> tuple[Any, ...]:
        _, preflight, _ = _certs_api()
        if only is not None:
            wanted = set(only)
            plan = Plan(plan.title, tuple(s for s in plan.steps if s.id in wanted))
        return tuple(await preflight.run_checks(plan, pool, default_host=self.default_host,
                                                listeners=tuple(listeners)))

    # --- the plan -----------------------------------------------------------------------------

    def method(self, inp: Any, outcomes: Iterable[Any]) -> str | None:
        return None

    def plan(self, inp: Any, outcomes: Iterable[Any]) -> Plan:
        return self.wizard.plan(inp, self.facts, self.context, tuple(outcomes))

    def node_name(self, inp: Any) -> str | None:
        return None

    # --- what the screen says besides the plan --------------------------------------------------

    def review_lines(self, inp: Any, plan: Plan) -> list[tuple[str, str]]:
        """(line, style) above the plan: the restart order and what it costs."""
        lines: list[tuple[str, str]] = []
        if getattr(inp, "force", False):
            lines.append(("FORCED: validation errors are only warnings in this plan", "bold red"))
        restarts = [s for s in plan.steps if s.id.startswith("restart-")]
        if restarts:
            order = ", ".join(s.id.removeprefix("restart-") for s in restarts)  # the node, not its address
            lines.append((f"restart order: {order} (remote and guest nodes first, then each cluster node "
                          f"until it rejoins)", ""))
            if self.kind != "certs-renew" or any(self._remote(s) for s in restarts):
                kept = (": its resources keep running (maintenance mode)"
                        if any(s.id == "maintenance-on" for s in plan.steps) else "")
                lines.append(("every remote and guest node is briefly disconnected while it restarts" + kept,
                              "bold yellow"))
        elif self.kind == "certs-renew" and not plan.mutates:
            lines.append(("nothing to renew: no certificate expires within the days asked", "bold"))
        if getattr(inp, "remove_authkey", False):
            lines.append(("the authkey is removed at the end, once X.509 is proven: that is final "
                          "(no PSK to fall back on, no rollback)", "bold red"))
        return lines

    def _remote(self, step) -> bool:
        name = step.id.removeprefix("restart-")
        remotes = set(getattr(self.facts, "remote_nodes", ()) or ()) | set(getattr(self.facts, "guest_nodes", ()) or ())
        return name in remotes

    def result_lines(self, result: Any) -> list[tuple[str, str]]:
        windows = (getattr(result, "context", None) or {}).get(WINDOWS)
        lines: list[tuple[str, str]] = []
        if isinstance(windows, Mapping):
            lines.append((f"disconnected: {windows_words(windows)}", "bold"))
        else:
            stop = next((o for o in getattr(result, "outcomes", ()) if o.step.id == "watch-stop"), None)
            if stop is not None and getattr(stop, "detail", None):
                lines.append((f"disconnected: {stop.detail}", "bold"))
        return lines

    def statement(self, result: Any) -> str:
        """What ran, step by step, when it did not all run (a conversion has ~90 steps: the
        summary line says they all ran, `pcmk-console runs RUN_ID` lists them)."""
        return "" if getattr(result, "ok", False) else result.statement()

    def verification_failed(self, result: Any) -> bool:
        bad = getattr(result, "failed", None)
        return bad is not None and bad.step.id.startswith(VERIFY_PREFIXES)

    def rollback_run_id(self, result: Any) -> str | None:
        """The convert run to roll back, when it failed where a rollback applies."""
        if self.kind != "certs-convert" or result is None or getattr(result, "ok", True):
            return None
        done = set(getattr(result, "done_ids", ()))
        if not any(i.startswith(("env-", "restart-")) for i in done) and not self.verification_failed(result):
            return None  # nothing on the nodes' Pacemaker changed yet: nothing to roll back
        return getattr(result, "run_id", None) or None

    def offline_nodes(self, snapshot: Any) -> list[str]:
        """The remote and guest nodes the last status shows offline (diagnosis targets)."""
        nodes = getattr(snapshot, "nodes", ()) or ()
        return [n.name for n in nodes if str(n.kind) in ("remote", "guest") and not n.online and not n.bundle]
