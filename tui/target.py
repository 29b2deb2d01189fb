"""Where a command goes, resolved once from the global options.

Every entry (the TUI and each headless verb) calls `resolve_target` on the parsed options and
builds its session from the Target it returns, so `--demo`, `--cib-file`, `--config`,
`--cluster` and `--read-only` mean the same wherever they stand and whichever verb runs:

    demo      the built-in demo cluster: its simulated transport, nothing runs on this machine
    cib-file  a saved CIB, read-only: crm_mon and cibadmin run here with CIB_file set
    config    a configured cluster (--config PATH, else the default file; --cluster NAME)
    local     nothing configured: this machine's cluster through local commands

Nothing falls back to the local cluster when something else was asked for: an option that
cannot be honoured is a usage error (TargetError), never silently dropped.
"""

from __future__ import annotations

import argparse
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from tui.config import Config, default_config_path, load_config, local_config, with_read_only

DEMO, CIB_FILE, CONFIG, LOCAL = "demo", "cib-file", "config", "local"


class TargetError(Exception):
    """The options ask for something contradictory or impossible (exit 2)."""


@dataclass(frozen=True, slots=True)
class Target:
    kind: str  # DEMO, CIB_FILE, CONFIG or LOCAL
    config: Config  # the settings (theme, refresh interval); for CONFIG/LOCAL also the clusters
    cluster: str | None = None  # --cluster (CONFIG only)
    cib_file: Path | None = None  # CIB_FILE only
    notice: str | None = None  # something the user should be told (the TUI's demo fallback)

    @property
    def read_only(self) -> bool:
        if self.kind == CIB_FILE:
            return True  # a saved CIB is a file, not a cluster: nothing to change
        if self.config.read_only:
            return True
        if self.kind in (CONFIG, LOCAL):
            return self.config.cluster(self.cluster).read_only
        return False

    def describe(self) -> str:
        """The target in words, for messages ("refused on ...")."""
        if self.kind == DEMO:
            return "the built-in demo cluster"
        if self.kind == CIB_FILE:
            return f"the saved CIB {self.cib_file}"
        if self.kind == LOCAL:
            return "the local cluster"
        return f"cluster {self.config.cluster(self.cluster).name!r} ({self.config.source})"

    def session(self, *, log: Any = None, demo_life: bool = True, **kwargs: Any):
        """The ClusterSession for this target (tui.session.build_session)."""
        from tui.session import build_session

        return build_session(
            self.config,
            self.cluster if self.kind == CONFIG else None,
            demo=self.kind == DEMO,
            cib_file=self.cib_file,
            log=log,
            demo_life=demo_life,
            **kwargs,
        )


def _option(args: argparse.Namespace, name: str) -> Any:
    return getattr(args, name, None)


def resolve_target(
    args: argparse.Namespace,
    *,
    interactive: bool = False,
    which: Callable[[str], str | None] = shutil.which,
) -> Target:
    """The one target the options name. interactive (the TUI): with nothing configured and
    no crm_mon here, open the demo with a notice; a verb uses the local cluster and says so
    when it is not there."""
    demo, cib_file = bool(_option(args, "demo")), _option(args, "cib_file")
    config_path, cluster = _option(args, "config"), _option(args, "cluster")
    read_only = bool(_option(args, "read_only"))
    if demo and cib_file is not None:
        raise TargetError("--demo and --cib-file exclude each other")
    if cluster is not None and (demo or cib_file is not None):
        raise TargetError(f"--cluster names a configured cluster; it excludes {'--demo' if demo else '--cib-file'}")

    if demo or cib_file is not None:
        # the config still supplies settings (theme, refresh interval), not a cluster
        settings = load_config(config_path) if config_path is not None else _default_config() or Config()
        settings = with_read_only(settings, read_only)
        if demo:
            return Target(DEMO, settings)
        return Target(CIB_FILE, settings, cib_file=check_readable(Path(cib_file), "--cib-file"))

    config = load_config(config_path) if config_path is not None else _default_config()
    if config is not None:
        config = with_read_only(config, read_only)
        config.cluster(cluster)  # an unknown --cluster is a config error now, not later
        return Target(CONFIG, config, cluster=cluster)
    if cluster is not None:
        raise TargetError(
            f"--cluster {cluster}: no config file to find it in ({default_config_path()} does not exist; "
            "give --config PATH)"
        )
    if interactive and not which("crm_mon"):
        return Target(
            DEMO,
            with_read_only(Config(), read_only),
            notice="pcmk-console: no config and no crm_mon on PATH: opening the built-in demo cluster (--demo).",
        )
    return Target(LOCAL, local_config(read_only))


def _default_config() -> Config | None:
    path = default_config_path()
    return load_config(path) if path.exists() else None


def check_readable(path: Path, option: str) -> Path:
    """`path` if it is a file this process can read; else a TargetError naming it and why."""
    try:
        with open(path, "rb"):
            pass
    except FileNotFoundError:
        raise TargetError(f"{option} {path}: no such file") from None
    except IsADirectoryError:
        raise TargetError(f"{option} {path}: is a directory, not a file") from None
    except OSError as exc:
        raise TargetError(f"{option} {path}: cannot read it: {exc.strerror or exc}") from None
    if not path.is_file():
        raise TargetError(f"{option} {path}: not a regular file")
    return path
