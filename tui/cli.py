"""Entry point `pcmk-console`: the console by default, plus headless verbs.

    pcmk-console [--demo | --cib-file FILE] [--config PATH] [--cluster NAME] [--read-only]
    pcmk-console status [--json] [--xml FILE] [--cib FILE]
    pcmk-console run [--nodes all|cluster|remote|guest|NAMES] [--timeout S] -- COMMAND ...
    pcmk-console plan ACTION ...      show the exact commands an action would run
    pcmk-console apply ACTION ... [--yes]
    pcmk-console log [--json | --export-sh] [--limit N]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
from pathlib import Path

from tui import __version__
from tui.config import Config, ConfigError, default_config_path, effective_config, local_config, with_read_only
from tui.exitcodes import ExitCode


def _global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    # Subcommands repeat the global options (so `pcmk-console status --config X` works);
    # SUPPRESS keeps a subcommand's unset copy from overwriting the top-level value.
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument("--config", type=Path, default=default, metavar="PATH", help="config file (default: %s)" % default_config_path())
    parser.add_argument("--cluster", default=default, metavar="NAME", help="which configured cluster")
    parser.add_argument("--read-only", action="store_true", default=argparse.SUPPRESS if suppress else False, help="refuse every action that would change the cluster")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pcmk-console", description="A terminal console for Pacemaker clusters.")
    parser.add_argument("--version", action="version", version=f"pcmk-console {__version__}")
    _global_options(parser, suppress=False)
    parser.add_argument("--demo", action="store_true", help="open the built-in demo cluster")
    parser.add_argument("--cib-file", type=Path, metavar="FILE", help="show a saved CIB, read-only")
    sub = parser.add_subparsers(dest="verb", metavar="VERB")

    status = sub.add_parser("status", help="print the cluster status and exit")
    _global_options(status, suppress=True)
    status.add_argument("--json", action="store_true", help="the model as JSON (schema: docs/status-json.md)")
    status.add_argument("--xml", type=Path, metavar="FILE", help="parse a saved `crm_mon --output-as=xml` instead of running it")
    status.add_argument("--cib", type=Path, metavar="FILE", help="a saved CIB (cibadmin --query): joined onto --xml, or rendered by crm_mon offline")
    status.add_argument("--demo", action="store_true", help="the built-in demo cluster")

    run = sub.add_parser("run", help="run one command on many nodes")
    _global_options(run, suppress=True)
    run.add_argument("--nodes", default="all", help="all, cluster, remote, guest or comma-separated node names")
    run.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS")
    run.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND ARGS...")

    from tui.headless.actions import add_action_arguments

    for verb, text in (("plan", "show the exact commands an action would run"), ("apply", "run an action's commands")):
        action_parser = sub.add_parser(verb, help=text)
        _global_options(action_parser, suppress=True)
        add_action_arguments(action_parser, confirm=(verb == "apply"))

    log = sub.add_parser("log", help="list the action log")
    _global_options(log, suppress=True)
    log_format = log.add_mutually_exclusive_group()
    log_format.add_argument("--json", action="store_true", help="one JSON record per line")
    log_format.add_argument("--export-sh", action="store_true", help="a commented shell script replaying the commands")
    log.add_argument("--limit", type=int, default=None, metavar="N", help="only the last N records")
    return parser


def resolve_config(args: argparse.Namespace, *, local_fallback: bool = True) -> Config | None:
    return effective_config(args.config, read_only=args.read_only, local_fallback=local_fallback)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return _dispatch(parser, args)
    except ConfigError as exc:
        print(f"pcmk-console: config error: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED


def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.verb == "status":
        from tui.headless.status import main as status_main

        return status_main(args)
    if args.verb == "run":
        from tui.headless.run import main as run_main

        command = args.command[1:] if args.command[:1] == ["--"] else args.command
        if not command:
            parser.error("run: give a command after --, e.g. `pcmk-console run -- hostname`")
        args.command = command
        config = resolve_config(args)
        args.snapshot = asyncio.run(_discover_nodes(config, args.cluster))
        return asyncio.run(run_main(args, config))
    if args.verb in ("plan", "apply"):
        from tui.headless.actions import main as actions_main

        return actions_main(args, resolve_config(args), apply=(args.verb == "apply"))
    if args.verb == "log":
        from tui.headless.log import main as log_main

        return log_main(args, resolve_config(args))
    return _console(args)


async def _discover_nodes(config: Config, cluster: str | None):
    """The cluster's own node list (remote and guest nodes the config need not name)."""
    from tui.session import build_session

    session = build_session(config, cluster)
    try:
        result = await session.refresh()
    finally:
        await session.close()
    if result.snapshot is None:
        print(f"pcmk-console run: no cluster status ({result.error}); using the configured nodes only", file=sys.stderr)
    return result.snapshot


def _console(args: argparse.Namespace) -> int:
    from tui.session import build_session

    if args.demo and args.cib_file:
        print("pcmk-console: --demo and --cib-file exclude each other", file=sys.stderr)
        return ExitCode.USAGE
    config = resolve_config(args, local_fallback=False)
    demo = args.demo
    if config is None and not demo and args.cib_file is None:
        if shutil.which("crm_mon"):
            config = with_read_only(local_config(), args.read_only)
        else:
            print("pcmk-console: no config and no crm_mon on PATH: opening the built-in demo cluster (--demo).", file=sys.stderr)
            demo = True
    if config is None:
        config = with_read_only(Config(), args.read_only)
    session = build_session(config, args.cluster, demo=demo, cib_file=args.cib_file)
    from tui.ui.run import run_app

    return run_app(session, config)


if __name__ == "__main__":
    raise SystemExit(main())
