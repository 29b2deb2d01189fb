"""`pcmk-console plan|apply add-remote|add-guest|remove-remote|remove-guest ...`: the node
wizards of tui.ops.nodes without a screen, driving the same Wizard the TUI drives.

    plan  add-remote NAME [--addr A] [--port N] [--reconnect-interval D] [--method pcs|direct]
    plan  add-guest NAME RESOURCE [--addr A] [--port N] [--connect-timeout D] [--method ...]
    plan  remove-remote NAME [--method ...] [--keep-authkey]
    plan  remove-guest NAME [--method ...] [--keep-authkey]
    apply (the same) [--yes]

Order: the input's syntax is checked first (exit 2 naming the field, nothing contacted);
`apply` in read-only mode, or without --yes where nobody can be asked, is refused next
(nothing runs). Then one status read gives the cluster's facts (collisions: exit 2 naming
the field), the preflight checks run (reads only: every check, even after one failed) and
the plan is printed with them (text, or `plan --json`). A failed check: `plan` exits 1
naming it, `apply` refuses (exit 1, each failed check with its fix). `apply` asks unless
--yes, runs the plan through the session (journalled, its run id printed), and when the
verification at the end fails, prints the diagnosis of the node (tui.ops.nodes.diagnose).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import re
import sys
from typing import Any, Callable

from tui.exitcodes import ExitCode
from tui.plaintext import is_utf8_text, one_line
from tui.target import CIB_FILE, Target

WIZARD_ACTIONS = ("add-remote", "add-guest", "remove-remote", "remove-guest")

# input field -> how the command line spells it (errors name both)
OPTION = {"name": "NAME", "resource": "RESOURCE", "address": "--addr", "port": "--port", "options": "--option",
          "reconnect_interval": "--reconnect-interval", "connect_timeout": "--connect-timeout",
          "method": "--method"}


class InputError(ValueError):
    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{f}: {m}" for f, m in errors))


def add_wizard_arguments(action: Callable[[str, str], argparse.ArgumentParser], *, json_option: bool) -> None:
    """The four wizard actions, on the plan/apply sub-parsers (`action(name, help)` makes
    one with --yes and the global options, as for every other action). json_option: `plan`
    prints the checks and the plan as JSON with --json."""
    def method(p: argparse.ArgumentParser) -> None:
        p.add_argument("--method", choices=("pcs", "direct"), default=None,
                       help="how to make the change (default: pcs when the cluster has it, else direct)")
        if json_option:
            p.add_argument("--json", action="store_true", help="the checks and the plan as JSON")

    p = action("add-remote", "add a Pacemaker Remote node (guided: checks, plan, verify)")
    p.add_argument("name", metavar="NAME", help="the new node's name (an XML id)")
    p.add_argument("--addr", dest="address", default=None, metavar="A", help="its address (default: NAME)")
    p.add_argument("--port", default=None, metavar="N", help="pacemaker-remoted's TCP port (default 3121)")
    p.add_argument("--reconnect-interval", dest="reconnect_interval", default=None, metavar="D",
                   help="how long to wait before retrying a lost connection (60, 60s, 1m, PT1M)")
    p.add_argument("--option", dest="options", action="append", default=None, metavar="NAME=VALUE",
                   help="a meta attribute of the connection resource (again for more)")
    method(p)
    p = action("add-guest", "make a running primitive (a VM) a guest node")
    p.add_argument("name", metavar="NAME", help="the guest node's name (an XML id)")
    p.add_argument("resource", metavar="RESOURCE", help="the primitive that runs the guest")
    p.add_argument("--addr", dest="address", default=None, metavar="A", help="its address (default: NAME)")
    p.add_argument("--port", default=None, metavar="N", help="pacemaker-remoted's TCP port (default 3121)")
    p.add_argument("--connect-timeout", dest="connect_timeout", default=None, metavar="D",
                   help="remote-connect-timeout (60s, 1m, PT1M)")
    method(p)
    for kind in ("remote", "guest"):
        p = action(f"remove-{kind}", f"remove a {kind} node (previewed with crm_simulate)")
        p.add_argument("name", metavar="NAME", help=f"the {kind} node")
        p.add_argument("--keep-authkey", action="store_true", help="leave /etc/pacemaker/authkey on the target")
        method(p)


# --- input ----------------------------------------------------------------------------------

def _fields(args: argparse.Namespace) -> dict[str, Any]:
    """The wizard input's keyword arguments, from the parsed command line."""
    method = args.method or "auto"
    if args.action == "add-remote":
        fields = {"name": args.name, "address": args.address, "port": args.port,
                  "reconnect_interval": args.reconnect_interval, "method": method,
                  "options": _options(args.options)}
    elif args.action == "add-guest":
        fields = {"name": args.name, "resource": args.resource, "address": args.address, "port": args.port,
                  "connect_timeout": args.connect_timeout, "method": method}
    else:
        fields = {"name": args.name, "kind": args.action.removeprefix("remove-"), "method": method,
                  "remove_authkey": not args.keep_authkey}
    return {k: v for k, v in fields.items() if v is not None}


def _options(words: list[str] | None) -> tuple[tuple[str, str], ...] | None:
    """--option NAME=VALUE ...; a word without "=" stays a pair whose check names it."""
    if not words:
        return None
    return tuple(tuple(word.split("=", 1)) if "=" in word else (word, None) for word in words)


def input_type(action: str):
    from tui.ops.nodes import inputs

    return {"add-remote": inputs.AddRemote, "add-guest": inputs.AddGuest,
            "remove-remote": inputs.RemoveNode, "remove-guest": inputs.RemoveNode}[action]


def build_input(action: str, fields: dict[str, Any]):
    """The wizard's input value; a port that is not digits stays words (its check names it)."""
    values = dict(fields)
    if isinstance(values.get("port"), str) and re.fullmatch(r"[0-9]{1,6}", values["port"]):
        values["port"] = int(values["port"])
    return input_type(action)(**values)


def syntax_errors(fields: dict[str, Any], inp) -> list[tuple[str, str]]:
    """(field, message) for every value Pacemaker would refuse; checked before anything runs."""
    text = [(field, "is not UTF-8 text") for field, value in fields.items()
            if isinstance(value, str) and not is_utf8_text(value)]
    return text or [(e.field, e.message) for e in inp.syntax_errors()]


def _field_line(field: str, message: str) -> str:
    option = OPTION.get(field)
    shown = f"{field} ({option})" if option and option.lower() != field else field
    return f"{shown}: {message}"


def _refuse(prefix: str, message: str, code: int) -> int:
    print(f"{prefix}: {one_line(message, None)}; nothing ran", file=sys.stderr)
    return code


# --- output ---------------------------------------------------------------------------------

_LEVEL = {"ok": "ok", "warn": "WARN", "fail": "FAIL"}


def render_checks(outcomes) -> str:
    if not outcomes:
        return "preflight: not run"
    lines = ["preflight:"]
    for o in outcomes:
        where = f"{one_line(o.host)}: " if o.host else ""
        lines.append(f"  [{_LEVEL.get(o.level, one_line(o.level)):>4}] {where}{one_line(o.title)}: {one_line(o.observed)}")
        if o.fix and o.level != "ok":
            lines.append(f"         fix: {one_line(o.fix, None)}")
    return "\n".join(lines)


def check_json(o) -> dict:
    return {"step_id": o.step_id, "title": o.title, "host": o.host, "level": o.level,
            "observed": o.observed, "fix": o.fix}


def step_json(step, default_host: str | None) -> dict:
    """A step as data: exact argv and paths; content only by size (a secret never)."""
    from tui.ops import plan as p
    from tui.ops.render import step_rows

    out: dict[str, Any] = {"id": step.id, "kind": type(step).__name__, "title": step.title,
                           "host": step.host or default_host, "mutates": bool(step.mutates)}
    if isinstance(step, p.RunStep):
        out["argv"] = list(step.argv)
        out["stdin"] = p.describe_content(step.stdin) if step.stdin is not None else None
        for name in ("precondition", "verify", "undo"):
            value = getattr(step, name)
            out[name] = list(value) if value else None
    elif isinstance(step, p.WriteFileStep):
        out.update(path=step.path, owner=step.owner, group=step.group, mode=f"{step.mode:04o}",
                   content=p.describe_content(step.content))
    elif isinstance(step, p.ReadSecretStep):
        out.update(path=step.path, output=step.output)
    elif isinstance(step, (p.WaitStep, p.CheckStep)):
        out["probe"] = list(step.probe) if not callable(step.probe) else getattr(step.probe, "__name__", "a probe")
    elif isinstance(step, p.EnvFileStep):
        out.update(path=step.path, set=sorted(step.set), unset=sorted(step.unset))
    if step.done is not None:
        out["done"] = list(step.done.argv)
    out["shown"] = [text for _, text in step_rows(step, step.host or default_host or "a cluster node")]
    return out


def plan_json(plan, default_host: str | None) -> dict:
    recipe = None
    if plan.recipe is not None:
        recipe = {"name": plan.recipe[0], "kwargs": dict(plan.recipe[1])}
    return {"title": plan.title, "mutates": plan.mutates, "recipe": recipe,
            "steps": [step_json(s, default_host) for s in plan.steps]}


def _jsonable(value):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _jsonable(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    return value


# --- the verb -------------------------------------------------------------------------------

def main(args: argparse.Namespace, target: Target, *, apply: bool) -> int:
    verb = "apply" if apply else "plan"
    prefix = f"pcmk-console {verb} {args.action}"
    fields = _fields(args)
    inp = build_input(args.action, fields)
    errors = syntax_errors(fields, inp)
    if errors:
        for field, message in errors:
            print(f"{prefix}: {one_line(_field_line(field, message), None)}", file=sys.stderr)
        return _refuse(prefix, "invalid input", ExitCode.USAGE)
    if apply and target.read_only:
        why = "a saved CIB is read-only" if target.kind == CIB_FILE else "read-only mode"
        return _refuse(prefix, f"refused ({why}: {target.describe()})", ExitCode.READ_ONLY)
    if apply and not args.yes and not sys.stdin.isatty():
        return _refuse(prefix, "refused: not a terminal to confirm on; pass --yes to run it", ExitCode.USAGE)
    from tui.ops.nodes.wizards import WIZARDS

    wizard = WIZARDS[args.action]
    return asyncio.run(_run(prefix, args, target, wizard, inp, apply))


async def _run(prefix: str, args: argparse.Namespace, target: Target, wizard, inp, apply: bool) -> int:
    from tui.ops.nodes.facts import facts_from_snapshot
    from tui.ops.nodes.preflight import run_checks
    from tui.ops.nodes.wizards import resolve_method

    as_json = bool(getattr(args, "json", False)) and not apply
    session = target.session(demo_life=False, demo_settled=True)
    try:
        looked = await session.refresh()  # a read: the facts the checks and the plan need
        if looked.snapshot is None:
            return _refuse(prefix, f"cannot check against {target.describe()}: {looked.error or 'no status'}",
                           ExitCode.UNREACHABLE)
        facts = facts_from_snapshot(looked.snapshot)
        errors = [(e.field, e.message) for e in inp.errors(facts)]
        if errors:
            for field, message in errors:
                print(f"{prefix}: {one_line(_field_line(field, message), None)}", file=sys.stderr)
            return _refuse(prefix, "invalid input", ExitCode.USAGE)
        host = None if target.kind == CIB_FILE else session.action_host
        checks = wizard.preflight(inp, facts)
        if checks.mutates:  # the preflight is reads only; a plan that changes things is not one
            return _refuse(prefix, f"the preflight {checks.title!r} would change the cluster", ExitCode.FAILED)
        if target.kind == CIB_FILE:  # a file has no hosts to ask: the plan alone (apply is refused above)
            outcomes: tuple = ()
            print(f"{prefix}: a saved CIB has no hosts to check; the preflight did not run", file=sys.stderr)
        else:
            outcomes = tuple(await run_checks(checks, session.pool, default_host=session.action_host))
        failed = [o for o in outcomes if o.level == "fail"]
        method = resolve_method(inp, facts, outcomes)
        plan = make_plan(wizard, inp, facts, method, outcomes)
        if as_json:
            json.dump({"action": args.action, "input": _jsonable(inp), "method": method,
                       "checks": [check_json(o) for o in outcomes], "ok": not failed,
                       "plan": plan_json(plan, host)}, sys.stdout, indent=2, ensure_ascii=True)
            print()
        else:
            print(render_checks(outcomes))
            print(f"method: {one_line(method)}")
            print(plan.describe(default_host=host), flush=True)
        if failed:
            names = "; ".join(f"{o.title}" + (f" (fix: {o.fix})" if o.fix else "") for o in failed)
            print(f"{prefix}: {len(failed)} check(s) failed: {one_line(names, None)}"
                  + ("; nothing ran" if apply else ""), file=sys.stderr)
            return ExitCode.FAILED
        if not apply:
            return ExitCode.OK
        return await _apply(prefix, args, session, wizard, inp, plan)
    finally:
        await session.close()


def make_plan(wizard, inp, facts, method: str, outcomes):
    """The wizard's mutating plan for this input, facts and resolved method; the checks'
    outcomes carry what the plan needs from them (the key's location and hash)."""
    return wizard.plan(inp, facts, method, outcomes)


async def _apply(prefix: str, args: argparse.Namespace, session, wizard, inp, plan) -> int:
    from tui.headless.actions import confirm_and_run

    async def diagnose_a_failed_verification(result) -> None:
        failed = result.failed
        if failed is not None and _is_verification(failed.step) and args.action.startswith("add-"):
            await print_diagnosis(session, inp.name)

    return await confirm_and_run(prefix, session, plan, yes=args.yes, after=diagnose_a_failed_verification,
                                 confirm_name=getattr(args, "confirm_name", None))


def _is_verification(step) -> bool:
    from tui.ops.plan import WaitStep

    return isinstance(step, WaitStep)


async def print_diagnosis(session, name: str) -> None:
    """After a failed verification: why the node is not online, from a fresh status."""
    from tui.ops.nodes.diagnose import NotDiagnosable, diagnose, render_diagnosis

    looked = await session.refresh()
    if looked.snapshot is None:
        print(f"diagnosis: no status: {one_line(looked.error or 'no status')}")
        return
    try:
        found = await diagnose(session.pool, looked.snapshot, name, default_host=session.action_host)
    except NotDiagnosable as exc:
        print(f"diagnosis: {one_line(exc)}")
        return
    print("diagnosis:")
    print(render_diagnosis(found))
