"""The three certificate wizards, in the node wizards' shape, so the CLI and the TUI drive
each the same way.

    wizard = WIZARDS["certs-convert"]
    inp = wizard.input_type(ca="create")
    context = CertsContext(state_dir=session.state_dir, cluster="prod")
    outcomes = await run_checks(wizard.preflight(inp, facts, context), pool, default_host=host)
    plan = wizard.plan(inp, facts, context, outcomes)      # the mutating plan, with its recipe

`facts` is tui.ops.nodes.facts.ClusterFacts. `plan` without outcomes still builds a plan, but
its env-file steps then carry no `before` (the review shows the variables, not a diff).
certs-renew picks its nodes from the auth view (context.auth: authview.NodeAuth tuples);
certs-rollback reads the convert run's recipe from the journal (context.journal: a
RunRecord, or None to load it from state_dir).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from tui.ops import journal as journal_mod
from tui.ops.certs import ca as calib
from tui.ops.certs import plans, preflight
from tui.ops.certs.inputs import CertsConvert, CertsRenew, CertsRollback
from tui.ops.events import StepState
from tui.ops.nodes.facts import ClusterFacts
from tui.ops.nodes.preflight import CheckOutcome
from tui.ops.plan import Plan


@dataclass(frozen=True)
class CertsContext:
    state_dir: Path | str
    cluster: str
    journal: Any = None  # rollback: the convert run's journal.RunRecord (None: loaded from state_dir)
    now: dt.datetime | None = None
    auth: tuple = ()  # renew: authview.NodeAuth of every node (collect_auth)


@dataclass(frozen=True)
class Wizard:
    kind: str
    title: str
    input_type: type
    preflight: Callable[..., Plan]  # (inp, facts, context) -> Plan of checks
    plan: Callable[..., Plan]  # (inp, facts, context, outcomes=()) -> Plan


def nodes_of(facts: ClusterFacts) -> list[dict]:
    """Every cluster, remote and guest node with where the console reaches it."""
    nodes = [{"name": n, "kind": "cluster", "host": n} for n in facts.cluster_nodes]
    for kind, names in (("remote", facts.remote_nodes), ("guest", facts.guest_nodes)):
        nodes += [{"name": n, "kind": kind, "host": facts.node_addresses.get(n) or n} for n in names]
    return nodes


def ca_dir_of(inp, context: CertsContext) -> str | None:
    if getattr(inp, "ca", "create") != "create":
        return None
    if inp.ca_dir:
        return str(Path(inp.ca_dir).expanduser().resolve())
    return str(calib.default_ca_dir(context.state_dir, context.cluster))


def _found(outcomes: Iterable[CheckOutcome], step_id: str) -> dict[str, str]:
    found = next((o for o in outcomes if o.step_id == step_id), None)
    return dict(found.found) if found is not None else {}


def env_records(outcomes: Iterable[CheckOutcome]) -> dict[str, dict]:
    """node -> what the env-files check read (path, text, existed, owner, group, mode, authkey)."""
    records = {}
    for key, value in _found(outcomes, "env-files").items():
        if key.startswith("env:"):
            records[key[4:]] = json.loads(value)
    return records


def _typed(kind: str, cls: type, build: Callable) -> Callable:
    def check(inp, *args, **kwargs):
        if not isinstance(inp, cls):
            raise TypeError(f"{kind} takes a {cls.__name__}, not a {type(inp).__name__}")
        return build(inp, *args, **kwargs)
    return check


# --- convert --------------------------------------------------------------------------------

def convert_preflight(inp: CertsConvert, facts: ClusterFacts, context: CertsContext) -> Plan:
    return preflight.convert_checks(inp, nodes_of(facts), ca_dir_of(inp, context), facts.bundle_replicas)


def _valid(inp) -> None:
    errors = inp.errors()
    if errors:
        raise ValueError("; ".join(f"{f}: {m}" for f, m in errors))


def convert_plan(inp: CertsConvert, facts: ClusterFacts, context: CertsContext, outcomes=()) -> Plan:
    _valid(inp)
    outcomes = tuple(outcomes)
    records = env_records(outcomes)
    env = {n: {k: r[k] for k in ("path", "before", "existed", "owner", "group", "mode")} for n, r in records.items()}
    authkeys = {n: r["authkey"] for n, r in records.items() if r.get("authkey")}
    return plans.certs_convert(
        ca=inp.ca, ca_dir=ca_dir_of(inp, context), ca_cert=_abs(inp.ca_cert), ca_key=_abs(inp.ca_key),
        ca_file=inp.ca_file, cert_file=inp.cert_file, key_file=inp.key_file, crl_file=inp.crl_file,
        days=inp.days, remove_authkey=inp.remove_authkey, force=inp.force, nodes=nodes_of(facts),
        env=env, authkeys=authkeys, cluster=context.cluster)


def _abs(path: str | None) -> str | None:
    return str(Path(path).expanduser().resolve()) if path else None


# --- rollback -------------------------------------------------------------------------------

def _convert_run(inp: CertsRollback, context: CertsContext):
    """(the convert run's record, None) or (None, why not)."""
    if inp.errors():
        return None, "; ".join(f"{f}: {m}" for f, m in inp.errors())
    run = context.journal
    if run is None:
        try:
            run = journal_mod.load(inp.run_id, context.state_dir)
        except journal_mod.JournalError as exc:
            return None, str(exc)
    if run.recipe is None or run.recipe[0] != "certs_convert":
        return None, f"run {inp.run_id} is not a conversion to X.509 (certs-convert): nothing to roll back"
    return run, None


# the env-N states after which the file may hold the conversion and its backup exists: done,
# or interrupted mid-write (the backup is taken first). Skipped (already set), failed (refused
# before writing), pending and undone ones have nothing of the run to restore.
WRITTEN = (StepState.DONE, StepState.RUNNING, StepState.CANCELLED, StepState.UNDO_FAILED)


def written_nodes(run) -> list[str]:
    """The nodes whose env-N step took effect (or may have) in the run."""
    return [step.id[4:] for step in run.steps if step.id.startswith("env-") and step.state in WRITTEN]


def rollback_preflight(inp: CertsRollback, facts: ClusterFacts, context: CertsContext) -> Plan:
    run, why = _convert_run(inp, context)
    if run is None:
        return preflight.rollback_checks([], {}, problem=why)
    kwargs = plans.rollback_kwargs(run.recipe[1], inp.run_id, written_nodes(run))
    return preflight.rollback_checks(kwargs["nodes"], kwargs["authkeys"])


def rollback_plan(inp: CertsRollback, facts: ClusterFacts, context: CertsContext, outcomes=()) -> Plan:
    run, why = _convert_run(inp, context)
    if run is None:
        raise ValueError(why)
    return plans.certs_rollback(**plans.rollback_kwargs(run.recipe[1], inp.run_id, written_nodes(run)))


# --- renew ------------------------------------------------------------------------------------

def renew_preflight(inp: CertsRenew, facts: ClusterFacts, context: CertsContext) -> Plan:
    return preflight.renew_checks(inp, nodes_of(facts), ca_dir_of(inp, context))


def renewal_nodes(nodes: list[dict], auth, days: int, now: dt.datetime | None) -> list[dict]:
    """Each node with its configured files (from the auth view) and whether it is renewed:
    X.509 in effect and its certificate expiring within `days` (or expired)."""
    by_name = {a.node: a for a in auth}
    out = []
    for node in nodes:
        a = by_name.get(node["name"])
        settings = getattr(a, "settings", None)
        record = dict(node, ca=getattr(settings, "ca_file", None), cert=getattr(settings, "cert_file", None),
                      key=getattr(settings, "key_file", None), crl=getattr(settings, "crl_file", None), renew=False)
        if a is not None and a.mode == "x509" and a.cert is not None:
            record["renew"] = a.cert.days_left(now) < days
        if record["cert"] and record["key"] and record["ca"]:
            out.append(record)
    return out


def renew_plan(inp: CertsRenew, facts: ClusterFacts, context: CertsContext, outcomes=()) -> Plan:
    _valid(inp)
    nodes = renewal_nodes(nodes_of(facts), context.auth, inp.days, context.now)
    return plans.certs_renew(ca=inp.ca, ca_dir=ca_dir_of(inp, context), ca_cert=_abs(inp.ca_cert),
                             ca_key=_abs(inp.ca_key), validity=inp.validity, days=inp.days, nodes=nodes,
                             cluster=context.cluster)


WIZARDS: dict[str, Wizard] = {
    "certs-convert": Wizard("certs-convert", "Switch Pacemaker Remote to X.509", CertsConvert,
                            _typed("certs-convert", CertsConvert, convert_preflight),
                            _typed("certs-convert", CertsConvert, convert_plan)),
    "certs-renew": Wizard("certs-renew", "Renew expiring certificates", CertsRenew,
                          _typed("certs-renew", CertsRenew, renew_preflight),
                          _typed("certs-renew", CertsRenew, renew_plan)),
    "certs-rollback": Wizard("certs-rollback", "Roll back to PSK", CertsRollback,
                             _typed("certs-rollback", CertsRollback, rollback_preflight),
                             _typed("certs-rollback", CertsRollback, rollback_plan)),
}
