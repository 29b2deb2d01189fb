"""Entry point `pcmk-console`: the console by default, plus headless verbs.

    pcmk-console [--demo | --cib-file FILE] [--config PATH] [--cluster NAME] [--read-only]
        (these global options stand before or after the verb, same meaning: tui/target.py)
    pcmk-console status [--json] [--xml FILE] [--cib FILE] [--auth | --no-auth]
    pcmk-console run [--nodes all|cluster|remote|guest|NAMES] [--timeout S] -- COMMAND ...
    pcmk-console plan ACTION ...      show the exact commands an action would run
    pcmk-console apply ACTION ... [--yes]
        (ACTION: standby, unstandby, maintenance, cluster-maintenance, cleanup, the resource and
        node actions move, ban, clear, restart, enable, disable, manage, unmanage, refresh,
        meta-set, meta-delete, fence, clear-failcounts, promote, demote (tui/headless/actions.py:
        `plan --json`, `apply --confirm-name NAME` on production clusters), the node
        wizards add-remote, add-guest, remove-remote, remove-guest: tui/headless/nodes.py;
        certs-convert, certs-renew, certs-rollback RUN_ID: tui/headless/certs.py)
    pcmk-console apply --resume RUN_ID [--yes] [--force-rerun STEP] [--assume-done STEP]
    pcmk-console runs [RUN_ID] [--json] [--limit N]    the plan runs the journal recorded
    pcmk-console log [--json | --export-sh [--include-demo]] [--limit N] [--cluster NAME]
    pcmk-console diagnose NODE [--json]   why a remote or guest node is offline (reads only)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from tui import __version__
from tui.config import ConfigError, default_config_path
from tui.exitcodes import ExitCode
from tui.remote.actionlog import ActionLog, StateDirError
from tui.plaintext import is_utf8_text, one_line
from tui.target import TargetError, resolve_target


def global_options(parser: argparse.ArgumentParser, *, suppress: bool = True) -> None:
    """The options that say where commands go (tui.target). Every parser gets them, so they
    stand before or after the verb (and after a plan/apply action) with the same meaning;
    SUPPRESS keeps a sub-parser's unset copy from overwriting a value given earlier."""
    unset = argparse.SUPPRESS if suppress else None
    parser.add_argument("--demo", action="store_true", default=argparse.SUPPRESS if suppress else False,
                        help="the built-in demo cluster (nothing runs on this machine)")
    parser.add_argument("--cib-file", type=Path, default=unset, metavar="FILE", help="a saved CIB, read-only")
    parser.add_argument("--config", type=Path, default=unset, metavar="PATH", help="config file (default: %s)" % default_config_path())
    parser.add_argument("--cluster", default=unset, metavar="NAME", help="which configured cluster")
    parser.add_argument("--read-only", action="store_true", default=argparse.SUPPRESS if suppress else False,
                        help="refuse every action that would change the cluster")


class _Parser(argparse.ArgumentParser):
    """argparse echoes arguments in its errors ("unrecognized arguments: ..."): escaped here,
    so an argument cannot put a control sequence on the terminal. Sub-parsers inherit it."""

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(ExitCode.USAGE, f"{self.prog}: error: {one_line(message, None)}\n")


# the verbs whose arguments come from modules the console itself does not need
_HEAVY_VERBS = ("plan", "apply", "diagnose")


def build_parser(words: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The whole command line. words: what is about to be parsed; when no word in it names
    plan, apply or diagnose, those verbs are stubs (same name and help, so usage and --help
    read the same) and their modules are not imported: the console starts sooner."""
    full = words is None or any(word in _HEAVY_VERBS for word in words)
    parser = _Parser(prog="pcmk-console", description="A terminal console for Pacemaker clusters.")
    parser.add_argument("--version", action="version", version=f"pcmk-console {__version__}")
    global_options(parser, suppress=False)
    sub = parser.add_subparsers(dest="verb", metavar="VERB")

    status = sub.add_parser("status", help="print the cluster status and exit")
    global_options(status)
    status.add_argument("--json", action="store_true", help="the model as JSON (schema: docs/status-json.md)")
    status.add_argument("--xml", type=Path, metavar="FILE", help="parse a saved `crm_mon --output-as=xml` instead of running it")
    status.add_argument("--cib", type=Path, metavar="FILE", help="a saved CIB (cibadmin --query): joined onto --xml, or rendered by crm_mon offline")
    auth = status.add_mutually_exclusive_group()  # the nodes' authentication: reads on every node
    auth.add_argument("--auth", action="store_true", help="also read every node's authentication (PSK/X.509) and print its findings")
    auth.add_argument("--no-auth", dest="no_auth", action="store_true", help="with --json: do not read the nodes' authentication")

    run = sub.add_parser("run", help="run one command on many nodes")
    global_options(run)
    run.add_argument("--nodes", default="all", help="all, cluster, remote, guest or comma-separated node names")
    run.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS")
    run.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND ARGS...")

    for verb, text in (("plan", "show the exact commands an action would run"), ("apply", "run an action's commands")):
        action_parser = sub.add_parser(verb, help=text)
        global_options(action_parser)
        if full:
            from tui.headless.actions import add_action_arguments
            from tui.headless.resume import add_resume_arguments

            add_action_arguments(action_parser, confirm=(verb == "apply"), common=global_options)
            _add_certs_actions(action_parser, confirm=(verb == "apply"))
            if verb == "apply":
                add_resume_arguments(action_parser)

    diagnose = sub.add_parser("diagnose", help="why a remote or guest node is offline (reads only)")
    global_options(diagnose)
    if full:
        from tui.headless.diagnose import add_arguments as add_diagnose_arguments

        add_diagnose_arguments(diagnose)

    runs = sub.add_parser("runs", help="list the plan runs the journal recorded (or one run's steps)")
    global_options(runs)
    runs.add_argument("run_id", nargs="?", default=None, metavar="RUN_ID", help="show this run's steps")
    runs.add_argument("--json", action="store_true", help="one JSON record per run")
    runs.add_argument("--limit", type=int, default=None, metavar="N", help="only the newest N runs")

    log = sub.add_parser("log", help="list the action log")
    global_options(log)
    log_format = log.add_mutually_exclusive_group()
    log_format.add_argument("--json", action="store_true", help="one JSON record per line")
    log_format.add_argument("--export-sh", action="store_true", help="a commented shell script replaying the commands")
    log.add_argument("--limit", type=int, default=None, metavar="N", help="only the last N records")
    log.add_argument("--include-demo", action="store_true", help="with --export-sh: list demo records too, commented out")
    return parser


def _add_certs_actions(parser: argparse.ArgumentParser, *, confirm: bool) -> None:
    """certs-convert, certs-renew, certs-rollback (tui/headless/certs.py) beside the other
    actions, each with --yes (apply) and the global options, as every action has them."""
    from tui.headless.certs import add_certs_arguments

    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))

    def action(name: str, text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=text)
        if confirm:
            p.add_argument("--yes", action="store_true", help="do not ask before running")
            p.add_argument("--confirm-name", dest="confirm_name", default=None, metavar="NAME",
                           help="the cluster's name, for actions that need it typed (production clusters)")
        global_options(p)
        return p

    add_certs_arguments(action, json_option=not confirm)


def main(argv: list[str] | None = None) -> int:
    """The whole program: no traceback ever reaches the user (tui.crash writes it to a file)."""
    _tolerant_output()
    try:
        return _main(argv)
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED
    except BrokenPipeError:  # `pcmk-console log | head`: the reader left, nothing to say
        _silence_stdout()
        return ExitCode.FAILED
    except (SystemExit, GeneratorExit):
        raise  # argparse's exit (usage, --help, --version) is not a crash
    except BaseException as exc:  # anything else, asyncio.CancelledError included
        from tui.crash import crash_report

        crash_report(exc, sys.argv if argv is None else ["pcmk-console", *argv])
        return ExitCode.FAILED


def _main(argv: list[str] | None) -> int:
    words = sys.argv[1:] if argv is None else argv
    parser = build_parser(words)
    args = parser.parse_args(words)
    try:
        return _dispatch(parser, args)
    except ConfigError as exc:
        print(f"pcmk-console: config error: {one_line(exc)}", file=sys.stderr)
        return ExitCode.USAGE
    except TargetError as exc:
        print(f"pcmk-console: {one_line(exc)}", file=sys.stderr)
        return ExitCode.USAGE
    except StateDirError as exc:  # no action log to record in: nothing may run
        print(f"pcmk-console: {one_line(exc)}; nothing ran", file=sys.stderr)
        return ExitCode.USAGE


def _tolerant_output() -> None:
    # a str that cannot be encoded (an undecodable argument echoed back) is shown escaped
    # rather than raising inside print()
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                pass


def _silence_stdout() -> None:
    import os

    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass


# arguments that travel to a cluster and into the action log as text
_TEXT_ARGUMENTS = ("cluster", "nodes", "node", "resource")


def _check_text_arguments(args: argparse.Namespace) -> None:
    """Bytes that are not UTF-8 in an argument (argparse hands them over surrogate-escaped):
    refused before anything runs, naming the argument. Commands travel (SSH) and are logged
    as UTF-8 text, so they could not be passed on exactly."""
    named = [(f"--{name}", getattr(args, name, None)) for name in _TEXT_ARGUMENTS]
    command = list(getattr(args, "command", None) or [])
    command = command[1:] if command[:1] == ["--"] else command
    named += [(f"command word {i}", word) for i, word in enumerate(command, 1)]
    for what, value in named:
        if isinstance(value, str) and not is_utf8_text(value):
            raise TargetError(f"{args.verb or 'console'}: {what} '{one_line(value)}' is not UTF-8 text; nothing ran")


def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    _check_text_arguments(args)
    if args.verb in ("run", "apply"):
        ActionLog().prepare()  # every change is recorded: no usable state directory, no change
    if args.verb == "status":
        from tui.headless.status import main as status_main

        return status_main(args)
    if args.verb == "run":
        command = args.command[1:] if args.command[:1] == ["--"] else args.command
        if not command:
            parser.error("run: give a command after --, e.g. `pcmk-console run -- hostname`")
        args.command = command
        from tui.headless.run import run_on_target

        return run_on_target(args, resolve_target(args))
    resuming = ("resume", "force_rerun", "assume_done")  # any of them: the resume path (it checks them)
    if args.verb == "apply" and (any(getattr(args, name, None) for name in resuming) or args.action is None):
        from tui.headless.resume import main as resume_main

        return resume_main(parser, args, resolve_target(args))
    if args.verb == "diagnose":
        from tui.headless.diagnose import main as diagnose_main

        return diagnose_main(args, resolve_target(args))
    if args.verb == "runs":
        from tui.headless.runs import main as runs_main

        args.target = resolve_target(args)  # --demo: demo runs; --cluster NAME: that cluster's
        return runs_main(args)
    if args.verb in ("plan", "apply"):
        args.yes = bool(getattr(args, "yes", False) or getattr(args, "apply_yes", False))  # `apply --yes ACTION`
        from tui.headless import certs

        if args.action in certs.CERTS_ACTIONS:  # the X.509 wizards: checks first, then their plan
            return certs.main(args, resolve_target(args), apply=(args.verb == "apply"))
        from tui.headless.actions import main as actions_main

        return actions_main(args, resolve_target(args), apply=(args.verb == "apply"))
    if args.verb == "log":
        from tui.headless.log import main as log_main

        target = resolve_target(args)  # --cluster names a configured cluster here too
        args.target = target
        return log_main(args, target.config)
    return _console(args)


def _console(args: argparse.Namespace) -> int:
    target = resolve_target(args, interactive=True)
    if target.notice:
        print(target.notice, file=sys.stderr)
    session = target.session()
    from tui.ui.run import run_app

    return run_app(session, target.config)


if __name__ == "__main__":
    raise SystemExit(main())
