"""`:` command mode (k9s style): words and aliases -> screen actions.

One table feeds the parser, the help screen and the command palette, so they cannot drift.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    aliases: tuple[str, ...]
    action: str  # an action string on the main screen, e.g. "show('remote')"
    help: str
    mutates: bool = False
    takes_argument: bool = False  # an optional argument (`:theme` alone lists the themes)


COMMANDS: tuple[Command, ...] = (
    Command("overview", ("ov", "mon"), "show('overview')", "Overview: crm_mon's one screen, its keys toggle sections"),
    Command("cluster", ("nodes", "no", "cl"), "show('cluster')", "Cluster nodes"),
    Command("remote", ("rn", "remotes"), "show('remote')", "Remote nodes (pacemaker_remote)"),
    Command("guest", ("gn", "guests", "vm"), "show('guest')", "Guest nodes (VMs, containers, bundles)"),
    Command("resources", ("res", "rs", "r"), "show('resources')", "Resource tree"),
    Command("failures", ("fail", "failcounts", "f"), "show('failures')", "Failed actions and fail counts"),
    Command("fencing", ("fence", "stonith", "m"), "show('fencing')", "Fence history"),
    Command("tickets", ("ticket", "c"), "show('tickets')", "Tickets"),
    Command("bans", ("ban", "constraints", "L"), "show('bans')", "Bans (location constraints)"),
    Command("log", ("actions", "al"), "show('log')", "Action log"),
    Command("detail", ("describe", "d"), "node_detail", "Details of the selected node"),
    Command("refresh", ("reload",), "app.refresh_now", "Refresh now"),
    Command("pause", (), "app.pause(True)", "Pause live refresh"),
    Command("resume", (), "app.pause(False)", "Resume live refresh"),
    Command("standby", (), "standby(True)", "Put the selected node into standby", mutates=True),
    Command("unstandby", ("online",), "standby(False)", "Take the selected node out of standby", mutates=True),
    Command("maint", ("maintenance",), "node_maintenance(True)", "Maintenance on for the selected node", mutates=True),
    Command("unmaint", ("ready",), "node_maintenance(False)", "Maintenance off for the selected node", mutates=True),
    Command("cleanup", ("clean",), "cleanup", "Clean up failures of the selection", mutates=True),
    Command("cluster-maint", ("maintenance-mode",), "cluster_maintenance", "Toggle cluster-wide maintenance mode", mutates=True),
    Command("add-remote", ("addremote", "ar"), "wizard('add-remote')", "Add a remote node (wizard)", mutates=True),
    Command("add-guest", ("addguest", "ag"), "wizard('add-guest')", "Add a guest node (wizard)", mutates=True),
    Command("remove", ("remove-node", "rm"), "remove_node", "Remove the selected remote or guest node (wizard)", mutates=True),
    Command("certs-convert", ("convert", "x509"), "wizard('certs-convert')",
            "Convert Pacemaker Remote from the PSK authkey to X.509 certificates (wizard)", mutates=True),
    Command("certs-renew", ("renew",), "wizard('certs-renew')", "Renew the certificates that expire soon (wizard)",
            mutates=True),
    Command("diagnose", ("why",), "diagnose", "Why is the selected remote or guest node offline?"),
    Command("theme", (), "app.set_theme_named", "Switch theme: :theme NAME (alone: list them)", takes_argument=True),
    Command("help", ("h", "?"), "app.help", "Keys and commands"),
    Command("quit", ("q", "q!", "exit"), "app.quit", "Quit"),
)

_INDEX = {word: c for c in COMMANDS for word in (c.name, *c.aliases)}


class CommandError(ValueError):
    pass


def parse(line: str) -> tuple[Command, str | None]:
    """":remote" -> (Command, None); ":theme pcmk-light" -> (theme Command, "pcmk-light")."""
    words = line.strip().lstrip(":").split(maxsplit=1)
    if not words:
        raise CommandError("empty command")
    word = words[0]
    command = _INDEX.get(word) or _INDEX.get(word.lower())
    if command is None:
        raise CommandError(f"unknown command :{word} (try :help)")
    argument = words[1].strip() if len(words) > 1 else None
    if argument and not command.takes_argument:
        raise CommandError(f":{command.name} takes no argument")
    return command, argument
