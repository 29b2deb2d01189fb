"""`pcmk-console plan|apply certs-convert|certs-renew|certs-rollback`: the X.509 wizards of
tui.ops.certs without a screen, driving the same Wizard the TUI drives.

    plan  certs-convert [--create-ca [--ca-dir DIR] | --ca-cert F --ca-key K |
                         --existing --ca-file T --cert-file T --key-file T [--crl-file T]]
                        [--days N] [--remove-authkey] [--force] [--json]
    plan  certs-renew [--days N] [--ca-dir DIR | --ca-cert F --ca-key K] [--validity N]
    plan  certs-rollback RUN_ID
    apply (the same) [--yes]

The order is the node wizards' (tui/headless/nodes.py): the input first (exit 2 naming the
option; the CA files given on this machine are read and checked here, their bytes never
shown), then `apply` in read-only mode or without --yes where nobody can be asked is refused,
then one status read, the preflight checks (reads only), the plan with its env-file diffs.
`apply` asks unless --yes and runs the plan journalled; it prints how long every remote and
guest node was disconnected, and when the verification after the restarts fails, the
evidence and the rollback command (at a terminal it offers to roll back at once). A
rollback is the undo of a conversion: the generic "undo the done steps" is not offered (it
would put the old env files back without restarting anything).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shlex
import sys
from pathlib import Path
from typing import Any, Callable

from tui.exitcodes import ExitCode
from tui.plaintext import is_utf8_text, multi_line, one_line
from tui.target import CIB_FILE, CONFIG, DEMO, Target

CERTS_ACTIONS = ("certs-convert", "certs-renew", "certs-rollback")

# input field -> how the command line spells it (errors name the option)
OPTION = {"ca": "--create-ca/--ca-cert/--existing", "ca_dir": "--ca-dir", "ca_cert": "--ca-cert",
          "ca_key": "--ca-key", "ca_file": "--ca-file", "cert_file": "--cert-file", "key_file": "--key-file",
          "crl_file": "--crl-file", "days": "--days", "validity": "--validity",
          "remove_authkey": "--remove-authkey", "force": "--force", "run_id": "RUN_ID"}
FILE_TEMPLATES = ("ca_file", "cert_file", "key_file", "crl_file")
GIVEN = ("ca_cert", "ca_key")


def add_certs_arguments(action: Callable[[str, str], argparse.ArgumentParser], *, json_option: bool) -> None:
    """The three certificate actions on the plan/apply sub-parsers (`action(name, help)`
    makes one with --yes and the global options). json_option: `plan --json`."""
    def json_flag(p: argparse.ArgumentParser) -> None:
        if json_option:
            p.add_argument("--json", action="store_true", help="the checks and the plan as JSON")

    def ca_source(p: argparse.ArgumentParser) -> None:
        p.add_argument("--ca-dir", dest="ca_dir", default=None, metavar="DIR",
                       help="where the console's own CA lives (default: the state directory's certs/CLUSTER/)")
        p.add_argument("--ca-cert", dest="ca_cert", default=None, metavar="FILE",
                       help="your CA certificate on this machine (PEM), with --ca-key")
        p.add_argument("--ca-key", dest="ca_key", default=None, metavar="FILE",
                       help="your CA's unencrypted private key on this machine (PEM), with --ca-cert")

    p = action("certs-convert", "move Pacemaker Remote connections from the PSK authkey to X.509 certificates")
    p.add_argument("--create-ca", dest="create_ca", action="store_true",
                   help="a private CA made by the console (the default)")
    ca_source(p)
    p.add_argument("--existing", action="store_true",
                   help="your own files, already on every node: --ca-file, --cert-file, --key-file")
    for name, what in (("ca-file", "the CA file"), ("cert-file", "the node's certificate"),
                       ("key-file", "the node's private key"), ("crl-file", "a CRL (optional)")):
        p.add_argument(f"--{name}", dest=name.replace("-", "_"), default=None, metavar="TEMPLATE",
                       help=f"with --existing: {what} on each node; {{node}} becomes the node's name")
    p.add_argument("--days", default=None, metavar="N", help="how long the new certificates are valid (default 825)")
    p.add_argument("--remove-authkey", dest="remove_authkey", action="store_true",
                   help="at the end, once X.509 is proven on every node, remove the authkey files")
    p.add_argument("--force", action="store_true",
                   help="run even when validation finds errors (to test a rollback only: the restart hangs)")
    json_flag(p)
    p = action("certs-renew", "reissue the node certificates that expire soon (same CA, no PSK phase)")
    p.add_argument("--days", default=None, metavar="N", help="renew what expires within N days (default 30)")
    ca_source(p)
    p.add_argument("--validity", default=None, metavar="N", help="how long the new certificates are valid (default 825)")
    json_flag(p)
    p = action("certs-rollback", "undo a certs-convert run: the env files restored, PSK back, nodes restarted")
    p.add_argument("run_id", metavar="RUN_ID", help="the certs-convert run (`pcmk-console runs` lists them)")
    json_flag(p)


# --- input ----------------------------------------------------------------------------------

def _number(value: str | None, option: str, errors: list) -> int | None:
    if value is None:
        return None
    if not re.fullmatch(r"[0-9]{1,6}", value.strip()):
        errors.append((option, f"'{one_line(value, 40)}' is not a whole number of days"))
        return None
    return int(value)


def fields_from_args(args: argparse.Namespace) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The input's keyword arguments, and what is wrong with the options as given: errors
    name the option (`--ca-key: goes with --ca-cert`)."""
    errors: list[tuple[str, str]] = []
    given = {k: getattr(args, k, None) for k in ("ca_dir", "ca_cert", "ca_key", *FILE_TEMPLATES)}
    for name, value in given.items():
        if isinstance(value, str) and not is_utf8_text(value):
            errors.append((OPTION[name], "is not UTF-8 text"))
    if args.action == "certs-rollback":
        return {"run_id": args.run_id}, errors
    if args.action == "certs-renew":
        fields: dict[str, Any] = {"ca_dir": given["ca_dir"], "ca_cert": given["ca_cert"], "ca_key": given["ca_key"],
                                  "days": _number(args.days, "--days", errors),
                                  "validity": _number(args.validity, "--validity", errors)}
        errors += _ca_conflicts(given, create=False)
        return {k: v for k, v in fields.items() if v is not None}, errors
    templates = [n for n in FILE_TEMPLATES if given[n] is not None]
    if getattr(args, "existing", False) or templates:
        ca = "files"
        if not getattr(args, "existing", False):
            errors.append((OPTION[templates[0]], "goes with --existing (your files already on the nodes)"))
        for clash in ("ca_dir", "ca_cert", "ca_key"):
            if given[clash] is not None:
                errors.append((OPTION[clash], "excludes --existing: the files on the nodes are used, nothing is signed"))
        if getattr(args, "create_ca", False):
            errors.append(("--create-ca", "excludes --existing"))
        for needed in ("ca_file", "cert_file", "key_file"):
            if given[needed] is None:
                errors.append((OPTION[needed], "is needed with --existing"))
    elif given["ca_cert"] is not None or given["ca_key"] is not None:
        ca = "given"
        errors += _ca_conflicts(given, create=getattr(args, "create_ca", False))
    else:
        ca = "create"
    fields = {"ca": ca, **{k: v for k, v in given.items() if v is not None},
              "days": _number(args.days, "--days", errors),
              "remove_authkey": bool(args.remove_authkey), "force": bool(args.force)}
    return {k: v for k, v in fields.items() if v is not None}, errors


def _ca_conflicts(given: dict, *, create: bool) -> list[tuple[str, str]]:
    errors = []
    if (given["ca_cert"] is None) != (given["ca_key"] is None):
        missing, present = ("--ca-key", "--ca-cert") if given["ca_key"] is None else ("--ca-cert", "--ca-key")
        errors.append((missing, f"is needed with {present}"))
    if given["ca_cert"] is not None or given["ca_key"] is not None:
        if given["ca_dir"] is not None:
            errors.append(("--ca-dir", "excludes --ca-cert/--ca-key (the console's own CA, or yours)"))
        if create:
            errors.append(("--create-ca", "excludes --ca-cert/--ca-key"))
    return errors


def _read_local(path: str, option: str, limit: int = 1 << 20) -> tuple[bytes | None, str | None]:
    """A file on this machine, or why not (its bytes are never part of the message)."""
    try:
        with open(path, "rb") as file:
            data = file.read(limit + 1)
    except FileNotFoundError:
        return None, f"{one_line(path)}: no such file"
    except IsADirectoryError:
        return None, f"{one_line(path)}: is a directory, not a file"
    except PermissionError:
        return None, f"{one_line(path)}: cannot read it (permission denied)"
    except (OSError, ValueError) as exc:
        return None, f"{one_line(path)}: cannot read it: {one_line(getattr(exc, 'strerror', None) or exc)}"
    if len(data) > limit:
        return None, f"{one_line(path)}: larger than {limit // 1024} KiB: not a PEM file"
    return data, None


def local_file_errors(fields: dict[str, Any]) -> list[tuple[str, str]]:
    """The CA given on this machine, read and checked before anything runs: a missing or
    unreadable file, a PEM that does not parse, a key that is not the certificate's."""
    from tui.ops.certs import pki
    from tui.remote.secret import Secret

    errors: list[tuple[str, str]] = []
    ca_dir = fields.get("ca_dir")
    if ca_dir is not None and os.path.exists(ca_dir) and not os.path.isdir(ca_dir):
        errors.append(("--ca-dir", f"{one_line(ca_dir)} exists and is not a directory"))
    if fields.get("ca_cert") is None or fields.get("ca_key") is None:
        return errors
    cert_pem, why = _read_local(fields["ca_cert"], "--ca-cert")
    if why:
        errors.append(("--ca-cert", why))
    key_bytes, why = _read_local(fields["ca_key"], "--ca-key")
    if why:
        errors.append(("--ca-key", why))
    cert = key = None
    if cert_pem is not None:
        try:
            cert = pki.load_certificate(cert_pem)
            if not pki.is_ca(cert):
                errors.append(("--ca-cert", f"{one_line(fields['ca_cert'])}: not a CA certificate "
                                            "(basic constraints CA:false or absent)"))
        except pki.CertError as err:
            errors.append(("--ca-cert", f"{one_line(fields['ca_cert'])}: {err}"))
    if key_bytes is not None:
        try:
            key = pki.load_private_key(Secret(key_bytes, "CA key"))
        except pki.CertError as err:  # the message never holds the key's bytes
            errors.append(("--ca-key", f"{one_line(fields['ca_key'])}: {err}"))
    if cert is not None and key is not None and not pki.same_public_key(cert.public_key(), key.public_key()):
        errors.append(("--ca-key", f"{one_line(fields['ca_key'])} is not the key of the CA certificate "
                                   f"{one_line(fields['ca_cert'])}"))
    return errors


def input_type(action: str):
    from tui.ops.certs import inputs

    return {"certs-convert": inputs.CertsConvert, "certs-renew": inputs.CertsRenew,
            "certs-rollback": inputs.CertsRollback}[action]


def _option_line(field: str, message: str) -> str:
    option = OPTION.get(field, field)
    return f"{option}: {message}"


def _refuse(prefix: str, message: str, code: int) -> int:
    print(f"{prefix}: {one_line(message, None)}; nothing ran", file=sys.stderr)
    return code


def _print_errors(prefix: str, errors) -> int:
    for field, message in errors:
        print(f"{prefix}: {one_line(_option_line(field, message), None)}", file=sys.stderr)
    return _refuse(prefix, "invalid input", ExitCode.USAGE)


# --- output ---------------------------------------------------------------------------------

_LEVEL = {"ok": "ok", "warn": "WARN", "fail": "FAIL"}


def render_checks(outcomes) -> str:
    """The node wizards' check lines, except that what a check saw may take several lines
    (validation: one line per problem, naming node and file), each shown on its own."""
    if not outcomes:
        return "preflight: not run"
    lines = ["preflight:"]
    for o in outcomes:
        where = f"{one_line(o.host)}: " if o.host else ""
        seen = [one_line(line) for line in str(o.observed or "").strip("\n").split("\n")]
        lines.append(f"  [{_LEVEL.get(o.level, one_line(o.level)):>4}] {where}{one_line(o.title)}: {seen[0]}")
        lines += [f"         {line}" for line in seen[1:]]
        if o.fix and o.level != "ok":
            lines.append(f"         fix: {one_line(o.fix, None)}")
    return "\n".join(lines)


# --- the verb -------------------------------------------------------------------------------

def main(args: argparse.Namespace, target: Target, *, apply: bool) -> int:
    verb = "apply" if apply else "plan"
    prefix = f"pcmk-console {verb} {args.action}"
    fields, errors = fields_from_args(args)
    if errors:
        return _print_errors(prefix, errors)
    errors = local_file_errors(fields)
    if errors:
        return _print_errors(prefix, errors)
    try:
        kind = input_type(args.action)
        from tui.ops.certs.wizard import WIZARDS
    except ImportError as exc:
        return _refuse(prefix, f"the certificate wizards are not installed ({exc.name or exc})", ExitCode.FAILED)
    try:
        inp = kind(**fields)
    except (TypeError, ValueError) as exc:
        return _refuse(prefix, f"invalid input: {exc}", ExitCode.USAGE)
    errors = list(inp.errors())
    if errors:
        return _print_errors(prefix, errors)
    if apply and target.read_only:
        why = "a saved CIB is read-only" if target.kind == CIB_FILE else "read-only mode"
        return _refuse(prefix, f"refused ({why}: {target.describe()})", ExitCode.READ_ONLY)
    if apply and not args.yes and not sys.stdin.isatty():
        return _refuse(prefix, "refused: not a terminal to confirm on; pass --yes to run it", ExitCode.USAGE)
    if target.kind == CIB_FILE:  # no hosts to read versions, env files or certificates from
        return _refuse(prefix, f"{target.describe()} has no hosts to check or change; "
                               "use --demo, --config or the local cluster", ExitCode.USAGE)
    run = None
    if args.action == "certs-rollback":
        run, why, code = _convert_run(args.run_id)
        if why:
            return _refuse(prefix, why, code)
    return asyncio.run(_run(prefix, args, target, WIZARDS, inp, run, apply))


def _convert_run(run_id: str):
    """(the journal's record of the certs-convert run, None, 0) or (None, why not, exit code)."""
    from tui.ops import journal

    try:
        run = journal.load(run_id)
    except journal.JournalError as exc:
        return None, str(exc), ExitCode.USAGE
    if run.recipe is None or run.recipe[0] != "certs_convert":
        what = run.recipe[0] if run.recipe else "no recipe"
        return None, f"run {run_id} is not a certs-convert run ({what}): there is nothing to roll back", ExitCode.USAGE
    if run.busy:
        return None, f"run {run_id} is being run by another console right now", ExitCode.USAGE
    return run, None, 0


def _context(session, run=None, auth=None):
    from tui.ops.certs.wizard import CertsContext
    from tui.remote.actionlog import default_state_dir

    state_dir = session.state_dir or default_state_dir()
    extra = {"auth": auth} if auth is not None else {}
    return CertsContext(state_dir=Path(state_dir), cluster=session.cluster.name, journal=run, **extra)


async def _auth(session, snapshot) -> tuple:
    """Every node's auth view (renewal picks the certificates that expire from it)."""
    from tui.ops.certs.authview import collect_auth

    return tuple(await collect_auth(session.pool, snapshot, default_host=session.action_host))


def again_words(target: Target) -> str:
    """The global options that reach this cluster again, for a command the user may type."""
    words = []
    if target.kind == DEMO:
        words.append("--demo")
    elif target.kind == CONFIG:
        source = getattr(target.config, "source", None)
        if source:
            words += ["--config", str(source)]
        if target.cluster:
            words += ["--cluster", target.cluster]
    return " ".join(shlex.quote(w) for w in words)


def rollback_command(target: Target, run_id: str) -> str:
    where = again_words(target)
    return f"pcmk-console {where + ' ' if where else ''}apply certs-rollback {run_id}"


async def _run(prefix: str, args, target: Target, wizards, inp, run, apply: bool) -> int:
    from tui.headless.resume import mismatch
    from tui.ops.certs import pki
    from tui.remote.transport import TransportError

    as_json = bool(getattr(args, "json", False)) and not apply
    session = target.session(demo_life=False, demo_settled=True)
    try:
        if run is not None:
            why = mismatch(run, session.demo, session.cluster.name, target.describe())
            if why is not None:
                return _refuse(prefix, why, ExitCode.USAGE)
        looked = await session.refresh()  # a read: the facts the checks and the plan need
        if looked.snapshot is None:
            return _refuse(prefix, f"cannot check against {target.describe()}: {looked.error or 'no status'}",
                           ExitCode.UNREACHABLE)
        try:
            return await _checked(prefix, args, target, session, wizards[args.action], inp, run, looked, apply, as_json)
        except (pki.CertError, OSError, ValueError) as exc:  # a CA that cannot be read or made (CAError)
            print(f"{prefix}: {one_line(exc, None)}", file=sys.stderr)
            return ExitCode.FAILED
        except TransportError as exc:
            print(f"{prefix}: {one_line(exc.message, None)}", file=sys.stderr)
            return ExitCode.UNREACHABLE
    finally:
        await session.close()


async def _checked(prefix, args, target, session, wizard, inp, run, looked, apply: bool, as_json: bool) -> int:
    from tui.headless.nodes import _jsonable, check_json, plan_json
    from tui.ops.nodes.facts import facts_from_snapshot
    from tui.ops.nodes.preflight import run_checks

    facts = facts_from_snapshot(looked.snapshot)
    auth = await _auth(session, looked.snapshot) if args.action == "certs-renew" else None
    context = _context(session, run, auth)
    host = session.action_host
    checks = wizard.preflight(inp, facts, context)
    if checks.mutates:  # the preflight is reads only; a plan that changes things is not one
        return _refuse(prefix, f"the preflight {checks.title!r} would change the cluster", ExitCode.FAILED)
    outcomes = tuple(await run_checks(checks, session.pool, default_host=host))
    failed = [o for o in outcomes if o.level == "fail"]
    plan = wizard.plan(inp, facts, context, outcomes)
    forced = bool(getattr(inp, "force", False))
    if as_json:
        json.dump({"action": args.action, "input": _jsonable(inp), "forced": forced,
                   "checks": [check_json(o) for o in outcomes], "ok": not failed,
                   "plan": plan_json(plan, host)}, sys.stdout, indent=2, ensure_ascii=True)
        print()
    else:
        print(render_checks(outcomes))
        if forced:
            print("FORCED: validation errors are only warnings in this run; it is meant to test the "
                  "rollback (a remote that rejects a certificate hangs its cluster node's connection)")
        print(plan.describe(default_host=host), flush=True)
        if not plan.mutates:
            print("nothing to change")
    if failed:
        names = "; ".join(f"{o.title}" + (f" (fix: {o.fix})" if o.fix else "") for o in failed)
        print(f"{prefix}: {len(failed)} check(s) failed: {one_line(names, None)}"
              + ("; nothing ran" if apply else ""), file=sys.stderr)
        return ExitCode.FAILED
    if not apply:
        return ExitCode.OK
    if not plan.mutates:
        print(f"{prefix}: nothing to change; nothing ran")
        return ExitCode.OK
    from tui.ops.certs.wizard import WIZARDS  # a conversion offers its rollback

    return await _apply(prefix, args, target, session, WIZARDS, plan, facts)


# --- apply ----------------------------------------------------------------------------------

def _ask(question: str) -> bool:
    try:
        return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")
    except EOFError:
        return False


async def _apply(prefix: str, args, target: Target, session, wizards, plan, facts) -> int:
    from tui.headless.actions import confirmed, progress
    from tui.remote.transport import ReadOnlyError

    refused = confirmed(prefix, session, plan, yes=args.yes, impact=None,
                        confirm_name=getattr(args, "confirm_name", None))
    if refused is not None:
        return refused
    try:
        result = await session.apply(plan, listeners=(progress(plan),))
    except ReadOnlyError as exc:
        print(f"{prefix}: refused: {one_line(exc)}", file=sys.stderr)
        return ExitCode.READ_ONLY
    report(result)
    windows = disconnect_windows(result)
    if windows:
        print(f"disconnected: {windows}")
    if result.ok:
        return ExitCode.OK
    if args.action == "certs-convert" and needs_rollback(result):
        print_evidence(result)
        await print_connections(session)
        print(f"to restore PSK: {rollback_command(target, result.run_id)}")
        if not args.yes and sys.stdin.isatty() and _ask("Roll back now?"):
            await _rollback_now(prefix, session, wizards, result.run_id, facts)
    elif args.action == "certs-convert":
        print("no environment file was changed and nothing was restarted: PSK is still in effect")
    elif any(o.step.id.startswith("restart-") and o.ran for o in result.outcomes):
        print_evidence(result)  # a renewal or a rollback that restarted nodes: what became of them
        await print_connections(session)
    return ExitCode.FAILED


def report(result) -> None:
    """Each step's end, the failed one's output, what was and was not done (as `apply`
    says it for every action, without the offer to undo single steps: a conversion is
    taken back as a whole, by its rollback)."""
    from tui.ops.events import StepState

    for outcome in result.outcomes:
        status = {StepState.DONE: "ok", StepState.SKIPPED: "skipped"}.get(outcome.state, "FAILED")
        print(f"[{status}] {one_line(outcome.host)}: {one_line(outcome.step.title)}"
              + (f" ({one_line(outcome.detail)})" if outcome.detail and outcome.ok else ""))
        if outcome.result is not None and not outcome.ok and not _is_probe(outcome.step):
            text = (outcome.result.stderr or outcome.result.stdout).decode(errors="replace").strip()
            if text:
                print("  " + multi_line(text).replace("\n", "\n  "))
        if outcome.fix:
            print(f"  fix: {one_line(outcome.fix)}")
    print(one_line(result.summary()))
    if not result.ok:
        print(one_line(result.statement()))


def disconnect_windows(result) -> str | None:
    """"rn1 offline 7.8 s, gn1 offline 6.1 s": the watch's measurement (its step detail, or
    the context value it stored), or None when the watch did not end."""
    windows = result.context.get("disconnect_windows") if isinstance(result.context, dict) else None
    if isinstance(windows, dict) and windows:
        return ", ".join(f"{one_line(node)} offline {_seconds(seconds)}" for node, seconds in windows.items())
    for outcome in result.outcomes:
        if outcome.step.id == "watch-stop" and outcome.detail:
            return one_line(outcome.detail)
    return None


def _seconds(value) -> str:
    try:
        return f"{float(value):.1f} s"
    except (TypeError, ValueError):
        return one_line(value)


def needs_rollback(result) -> bool:
    """The run failed after an env file was changed: the nodes may be on either side."""
    changed = any(o.step.id.startswith("env-") and o.ran for o in result.outcomes)
    return result.failed is not None and changed


def _is_probe(step) -> bool:
    """A wait or a check: its last result is what it looked at (a whole crm_mon XML), and its
    detail already says what it saw in words."""
    from tui.ops.plan import CheckStep, WaitStep

    return isinstance(step, (WaitStep, CheckStep))


def print_evidence(result) -> None:
    """What the failed verification saw, every line of it, terminal-safe."""
    failed = result.failed
    print(f"verification failed: {one_line(failed.step.title)}")
    texts = [failed.detail, failed.error]
    if failed.result is not None and not _is_probe(failed.step):
        texts.append((failed.result.stdout or b"").decode("utf-8", "replace"))
        texts.append((failed.result.stderr or b"").decode("utf-8", "replace"))
    shown: list[str] = []
    for text in texts:
        text = (text or "").strip()
        if text and not any(text in earlier for earlier in shown):  # said once, not again in other words
            shown.append(text)
            print("  evidence: " + multi_line(text).replace("\n", "\n            "))


def connection_lines(snapshot) -> list[str]:
    """Every remote and guest node that is not online, with what its connection recorded
    (the failed operations of its connection or container resource, their exit reasons)."""
    from tui.pacemaker.model import NodeKind

    lines = []
    for node in snapshot.nodes:
        if node.kind not in (NodeKind.REMOTE, NodeKind.GUEST) or node.online:
            continue
        resources = {r for r in (node.connection_resource, node.container_resource, node.name) if r}
        failures = [f for f in snapshot.failures if f.resource in resources]
        said = "; ".join(f"{one_line(f.op_key)} on {one_line(f.node)}: {one_line(f.exit_status or f.exit_code)}"
                         + (f" ({one_line(f.exit_reason)})" if f.exit_reason else "") for f in failures)
        lines.append(f"{one_line(node.name)} offline" + (f": {said}" if said else ": no failed operation recorded"))
    return lines


async def print_connections(session) -> None:
    """The cluster's own account of the nodes that did not come back (a fresh status read)."""
    looked = await session.refresh()
    if looked.snapshot is None:
        print(f"  evidence: no cluster status now: {one_line(looked.error or 'no status')}")
        return
    for line in connection_lines(looked.snapshot):
        print(f"  evidence: {line}")


async def _rollback_now(prefix: str, session, wizards, run_id: str, facts) -> None:
    """The rollback of run_id on this session, with its own checks (no second question)."""
    from tui.headless.actions import progress
    from tui.ops import journal
    from tui.ops.certs.inputs import CertsRollback
    from tui.ops.nodes.facts import facts_from_snapshot
    from tui.ops.nodes.preflight import run_checks

    try:
        run = journal.load(run_id, session.state_dir)
    except journal.JournalError as exc:
        print(f"{prefix}: rollback: {one_line(exc)}", file=sys.stderr)
        return
    looked = await session.refresh()
    if looked.snapshot is not None:
        facts = facts_from_snapshot(looked.snapshot)
    wizard = wizards["certs-rollback"]
    inp = CertsRollback(run_id=run_id)
    context = _context(session, run)
    outcomes = tuple(await run_checks(wizard.preflight(inp, facts, context), session.pool,
                                      default_host=session.action_host))
    failed = [o for o in outcomes if o.level == "fail"]
    print(render_checks(outcomes))
    if failed:
        names = "; ".join(one_line(o.title) + (f" (fix: {one_line(o.fix)})" if o.fix else "") for o in failed)
        print(f"{prefix}: rollback refused: {names}; nothing ran", file=sys.stderr)
        return
    plan = wizard.plan(inp, facts, context, outcomes)
    print(plan.describe(default_host=session.action_host), flush=True)
    result = await session.apply(plan, listeners=(progress(plan),))
    report(result)
    windows = disconnect_windows(result)
    if windows:
        print(f"disconnected: {windows}")
