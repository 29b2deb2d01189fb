"""A stand-in for tui.ops.nodes (contract-10's API) for the wizard screens' own tests:
the screens' behaviour (pages, keys, cancel, retry, hostile text) is tested with checks and
plans the test controls; tests/ui/test_wizard_demo.py walks the real wizards on the demo.

    api = FakeNodes(verdicts={"tcp": Verdict("fail", "refused", "open the port")})
    monkeypatch.setattr(wizard_flow, "_nodes_api", api.modules)
"""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass
from types import SimpleNamespace
from typing import NamedTuple

from tui.ops.plan import CheckStep, Plan, RunStep, Verdict, WaitStep, WriteFileStep


class FieldError(NamedTuple):
    field: str
    message: str


def check_name(v):
    import re
    return None if re.match(r"^[A-Za-z_][A-Za-z0-9_.-]*$", v) else "not a valid XML id (letters, digits, _ . -)"


def check_port(v):
    try:
        n = int(v)
    except ValueError:
        return "not a number"
    return None if 1 <= n <= 65535 else "must be 1-65535"


def check_duration(v):
    import re
    return None if re.match(r"^(\d+(ms|s|m|h)?|PT\d+[SMH])$", v) else "not a duration (60, 60s, 1m, PT1M)"


def check_address(v):
    return None if v.strip() and " " not in v else "not an address"


@dataclass(frozen=True)
class AddRemote:
    name: str
    address: str | None = None
    port: int = 3121
    reconnect_interval: str | None = None
    options: tuple = ()
    method: str = "auto"

    def errors(self, facts):
        out = []
        for field, check, value in (("name", check_name, self.name), ("port", check_port, str(self.port))):
            message = check(value)
            if message:
                out.append(FieldError(field, message))
        if self.name in facts.cluster_nodes or self.name in facts.remote_nodes:
            out.append(FieldError("name", f"{self.name} is already a node of the cluster"))
        return out


@dataclass(frozen=True)
class AddGuest:
    name: str
    resource: str = ""
    address: str | None = None
    port: int | None = None
    connect_timeout: str | None = None
    method: str = "auto"

    def errors(self, facts):
        return [] if self.resource else [FieldError("resource", "choose the resource that runs the guest")]


@dataclass(frozen=True)
class RemoveNode:
    name: str
    kind: str = "remote"
    method: str = "auto"
    remove_authkey: bool = True

    def errors(self, facts):
        return []


@dataclass(frozen=True)
class CheckOutcome:
    step_id: str
    title: str
    host: str | None
    level: str
    observed: str
    fix: str | None


@dataclass(frozen=True)
class Facts:
    cluster_nodes: tuple = ("node1", "node2")
    remote_nodes: tuple = ("rn1",)
    guest_nodes: tuple = ("gn1",)
    primitives: tuple = (("dummy-a", "ocf:pacemaker:Dummy", "node1", None),
                         ("vm-free", "ocf:heartbeat:VirtualDomain", "node2", None),
                         ("vm-gn1", "ocf:heartbeat:VirtualDomain", "node1", "gn1"))


class FakeNodes:
    """verdicts: check key -> Verdict (default ok); fail_wait: the plan's wait never holds;
    gate: an asyncio.Event the plan's first step waits on (a run to cancel)."""

    CHECKS = (("ssh", "SSH to the target"), ("installed", "pacemaker-remote installed"),
              ("tcp", "TCP port 3121 from node1"), ("authkey", "authkey identical"))

    def __init__(self, verdicts=None, *, fail_wait=False, title_extra="", facts=None) -> None:
        self.verdicts = dict(verdicts or {})
        self.fail_wait = fail_wait
        self.title_extra = title_extra
        self.facts = facts or Facts()
        self.check_runs: list[tuple[str, ...]] = []  # step ids per run_checks call
        self.methods: list[str] = []

    # tui.ops.nodes.facts
    def facts_from_snapshot(self, snapshot):
        return self.facts

    # tui.ops.nodes.preflight
    def preflight(self, inp, facts):
        steps = tuple(CheckStep(f"{title}{self.title_extra}", probe=lambda ctx, k=key: self.verdicts.get(k, Verdict("ok", "fine")),
                                id=key, host=(inp.name if key in ("ssh", "installed") else None))
                      for key, title in self.CHECKS)
        return Plan(f"preflight {inp.name}", steps)

    async def run_checks(self, plan, pool, *, default_host, listeners=()):
        self.check_runs.append(tuple(s.id for s in plan.steps))
        out = []
        for step in plan.steps:
            await asyncio.sleep(0)
            verdict = step.probe({})
            out.append(CheckOutcome(step.id, step.title, step.host or default_host, verdict.level,
                                    verdict.observed, verdict.fix))
        return tuple(out)

    # tui.ops.nodes.plans via the Wizard
    def plan(self, inp, facts, method, outcomes=()):
        self.methods.append(method)
        wait = ("sh", "-c", "exit 1") if self.fail_wait else ("true",)
        return Plan(f"Add remote node {inp.name}", (
            RunStep("start pacemaker_remote", ("systemctl", "enable", "--now", "pacemaker_remote"),
                    host=inp.name, id="start", undo=("systemctl", "disable", "--now", "pacemaker_remote")),
            WriteFileStep("copy the authkey", "/etc/pacemaker/authkey", b"k" * 256, owner="hacluster",
                          group="haclient", mode=0o400, host=inp.name, id="key"),
            RunStep(f"create the connection resource {inp.name}",
                    ("cibadmin", "--create", "--scope", "resources", "--xml-text", f"<primitive id='{inp.name}'/>"),
                    id="create"),
            WaitStep(f"{inp.name} online", wait, attempts=2, interval=0.01, id="online"),
        ))

    def resolve_method(self, inp, facts, outcomes):
        return "direct" if inp.method == "auto" else inp.method

    def modules(self):
        wizards = {
            kind: SimpleNamespace(kind=kind, title=title, input_type=input_type, preflight=self.preflight,
                                  plan=self.plan)
            for kind, title, input_type in (
                ("add-remote", "Add a remote node", AddRemote), ("add-guest", "Add a guest node", AddGuest),
                ("remove-remote", "Remove a remote node", RemoveNode),
                ("remove-guest", "Remove a guest node", RemoveNode))
        }
        facts = SimpleNamespace(facts_from_snapshot=self.facts_from_snapshot)
        preflight = SimpleNamespace(run_checks=self.run_checks)
        validate = SimpleNamespace(check_name=check_name, check_port=check_port, check_duration=check_duration,
                                   check_address=check_address)
        wizards_mod = SimpleNamespace(WIZARDS=wizards, resolve_method=self.resolve_method)
        return facts, preflight, validate, wizards_mod


def with_facts(fake: FakeNodes, **changes) -> FakeNodes:
    fake.facts = dataclasses.replace(fake.facts, **changes)
    return fake
