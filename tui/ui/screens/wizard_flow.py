"""One node wizard's way from the form to a Plan, Textual-free: what the screens ask of
tui.ops.nodes (helper A's API, /work/contract-10.md) in one place.

    flow = WizardFlow.start("add-remote", snapshot, default_host="node1")
    inp, errors = flow.build(values)          # the form's raw values -> the input, or errors by field
    checks = flow.preflight(inp)              # a read-only Plan of CheckSteps
    outcomes = await flow.run_checks(checks, pool)   # every check, even after one failed
    plan = flow.plan(inp, outcomes)           # the mutating Plan, method resolved

The wizard's own modules are imported here lazily: the screens still open (and say why
not) when they are missing.
"""

from __future__ import annotations

import dataclasses
import shlex
from typing import Any, Callable, Iterable, Mapping

from tui.ops.plan import Plan

KINDS = ("add-remote", "add-guest", "remove-remote", "remove-guest")
ADD_KINDS = ("add-remote", "add-guest")
INTEGER_FIELDS = ("port",)


class WizardUnavailable(Exception):
    """The wizard cannot start here (its modules are missing, no cluster status yet)."""


def _nodes_api():
    try:
        from tui.ops.nodes import facts, preflight, validate, wizards
    except ImportError as exc:
        raise WizardUnavailable(f"the node wizards are not installed in this build ({exc.name or exc})") from None
    return facts, preflight, validate, wizards


def checks() -> dict[str, Callable[[str], str | None]]:
    """The field checks by name (tui.ops.nodes.validate), for the form's inline validation."""
    try:
        _, _, validate, _ = _nodes_api()
    except WizardUnavailable:
        return {}
    return {name: getattr(validate, name) for name in ("check_name", "check_port", "check_duration", "check_address")
            if callable(getattr(validate, name, None))}


def parse_options(text: str) -> tuple[tuple[str, str], ...]:
    """`name=value name2="a b"` -> ((name, value), ...); raises ValueError naming the word."""
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise ValueError(f"cannot read them: {exc}") from None
    pairs = []
    for word in words:
        key, sep, value = word.partition("=")
        if not sep or not key:
            raise ValueError(f"{word!r} is not name=value")
        pairs.append((key, value))
    return tuple(pairs)


class WizardFlow:
    def __init__(self, kind: str, wizard: Any, facts: Any, *, default_host: str | None) -> None:
        self.kind = kind
        self.wizard = wizard
        self.facts = facts
        self.default_host = default_host

    @classmethod
    def start(cls, kind: str, snapshot: Any, *, default_host: str | None) -> "WizardFlow":
        if kind not in KINDS:
            raise WizardUnavailable(f"no wizard named {kind!r} (wizards: {', '.join(KINDS)})")
        facts_mod, _, _, wizards = _nodes_api()
        wizard = getattr(wizards, "WIZARDS", {}).get(kind)
        if wizard is None:
            raise WizardUnavailable(f"the {kind} wizard is not in this build")
        if snapshot is None:
            raise WizardUnavailable("no cluster status yet: wait for the first refresh")
        return cls(kind, wizard, facts_mod.facts_from_snapshot(snapshot), default_host=default_host)

    @property
    def title(self) -> str:
        return getattr(self.wizard, "title", None) or self.kind

    @property
    def adds(self) -> bool:
        return self.kind in ADD_KINDS

    # --- the input ----------------------------------------------------------------------------

    def _kwargs(self, values: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        fields = {f.name for f in dataclasses.fields(self.wizard.input_type)}
        kwargs: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for name, value in values.items():
            if name not in fields or value is None or value == "":
                continue
            if name in INTEGER_FIELDS and isinstance(value, str):
                if not value.strip().isdigit():
                    errors[name] = "must be a number 1-65535"
                    continue
                value = int(value)
            if name == "options" and isinstance(value, str):
                try:
                    value = parse_options(value)
                except ValueError as exc:
                    errors[name] = str(exc)
                    continue
            kwargs[name] = value
        return kwargs, errors

    def build(self, values: Mapping[str, Any]) -> tuple[Any | None, dict[str, str]]:
        """The wizard's input from the form's values, or the errors by field name (the
        messages without the field: the form puts its label first): syntax first, then the
        collisions the facts show."""
        kwargs, errors = self._kwargs(values)
        if self.kind.startswith("remove-"):
            kwargs["kind"] = self.kind.removeprefix("remove-")  # RemoveNode serves both
        if errors:
            return None, errors
        try:
            inp = self.wizard.input_type(**kwargs)
        except (TypeError, ValueError) as exc:
            return None, {"name": f"cannot take these inputs: {exc}"}
        found: dict[str, str] = {}
        for error in inp.errors(self.facts):
            field, message = error[0], error[1]
            found[field] = f"{found[field]}; {message}" if field in found else message
        return (None, found) if found else (inp, {})

    # --- the checks ---------------------------------------------------------------------------

    def preflight(self, inp: Any) -> Plan:
        """The checks, a read-only Plan; one that would change anything is refused (escape
        before the run must leave the cluster as it was)."""
        plan = self.wizard.preflight(inp, self.facts)
        if plan.mutates:
            raise ValueError(f"the preflight {plan.title!r} would change the cluster; not run")
        return plan

    async def run_checks(self, plan: Plan, pool: Any, *, only: Iterable[str] | None = None,
                         listeners: Iterable[Callable] = ()) -> tuple[Any, ...]:
        """Every check of `plan` (or those in `only`: a retry), even after one failed."""
        _, preflight, _, _ = _nodes_api()
        if only is not None:
            wanted = set(only)
            plan = Plan(plan.title, tuple(s for s in plan.steps if s.id in wanted))
        return tuple(await preflight.run_checks(plan, pool, default_host=self.default_host,
                                                listeners=tuple(listeners)))

    # --- the plan -----------------------------------------------------------------------------

    def method(self, inp: Any, outcomes: Iterable[Any]) -> str:
        _, _, _, wizards = _nodes_api()
        resolve = getattr(wizards, "resolve_method", None)
        if resolve is None:
            return getattr(inp, "method", "auto")
        return resolve(inp, self.facts, tuple(outcomes))

    def plan(self, inp: Any, outcomes: Iterable[Any]) -> Plan:
        """The mutating plan; the checks' outcomes carry what it needs (the key's location
        and hash)."""
        outcomes = tuple(outcomes)
        return self.wizard.plan(inp, self.facts, self.method(inp, outcomes), outcomes)

    def node_name(self, inp: Any) -> str | None:
        return getattr(inp, "name", None)
