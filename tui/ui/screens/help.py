"""`?`: every key and `:` command, from the same tables the app binds."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from tui.ui.commands import COMMANDS

KEY_HELP: tuple[tuple[str, str], ...] = (
    ("0", "Overview: crm_mon's one screen; there f o t r n A L c m toggle its sections"),
    ("1-7", "Nodes, Resources, Failures, Fencing, Tickets, Bans, Action log"),
    ("tab / shift+tab", "Next / previous pane"),
    ("enter", "Node: details   Log: full output"),
    ("/", "Filter the current pane (esc clears)"),
    (":", "Command mode (see below)"),
    ("ctrl+p", "Command palette"),
    ("F5, ctrl+r", "Refresh now"),
    ("p", "Pause / resume live refresh"),
    ("f", "Failures and fail counts  ·  on the Overview: fail counts (migration summary)"),
    ("o", "Show operations (with failures)  ·  on the Overview: operations"),
    ("t", "Show timing of operations  ·  on the Overview: timing of its operations"),
    ("r", "Show / hide inactive resources  ·  on the Overview: its inactive resources"),
    ("n", "Resources: only those on the selected node  ·  on the Overview: group resources by node"),
    ("A", "Show node attributes  ·  on the Overview: its node attributes section"),
    ("L", "Bans  ·  on the Overview: bans (negative location constraints)"),
    ("c", "Tickets  ·  on the Overview: tickets"),
    ("m", "Fence history (again: cycle level 0-3)  ·  on the Overview: cycle its fencing history 0-3"),
    ("R", "More details (ids)"),
    ("s", "Standby / unstandby the selected node *"),
    ("M", "Maintenance on / off for the selected node *"),
    ("C", "Clean up failures of the selection *"),
    ("x", "Resources: actions on the selected resource (move, ban, clear, restart, enable/disable, "
          "manage, cleanup, refresh, meta; promote/demote); enter on a resource without children too *"),
    ("F / Z", "Node details: fence the node (names the fence device) / clear its fail counts *"),
    ("W", "Cluster-wide maintenance mode on / off *"),
    ("a / g", "Add a remote / guest node (wizard) *"),
    ("X", "Remove the selected remote or guest node (wizard) *"),
    ("K", "Certificates: convert PSK to X.509 (wizard; :certs-renew renews) *"),
    ("D", "Diagnose the selected remote or guest node: why is it offline?"),
    ("?", "This help"),
    ("q", "Quit"),
)


def help_tables(read_only: bool) -> tuple[Table, Table]:
    keys = Table(title="Keys", title_justify="left", expand=True, show_edge=False)
    keys.add_column("Key", style="bold", no_wrap=True)
    keys.add_column("Does")
    for key, does in KEY_HELP:
        keys.add_row(key, does)
    commands = Table(title="Commands (:word)", title_justify="left", expand=True, show_edge=False)
    commands.add_column("Command", style="bold", no_wrap=True)
    commands.add_column("Aliases", no_wrap=True)
    commands.add_column("Does")
    for command in COMMANDS:
        does = command.help + (" *" if command.mutates else "")
        commands.add_row(":" + command.name, " ".join(command.aliases), does)
    return keys, commands


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen VerticalScroll { width: 95%; max-width: 120; height: 90%; border: round $primary;
        background: $surface; padding: 0 1; }
    """
    BINDINGS = [Binding("escape,q,question_mark", "close", "Close")]

    def __init__(self, read_only: bool) -> None:
        super().__init__()
        self.read_only = read_only

    def compose(self) -> ComposeResult:
        keys, commands = help_tables(self.read_only)
        note = ("* changes the cluster: shows the exact command and what the cluster will do "
                "(a crm_simulate preview), and asks first; on a production cluster, fencing, "
                "cluster-wide changes and anything that stops a resource need the cluster's name typed"
                + ("  —  READ-ONLY: these are blocked" if self.read_only else ""))
        with VerticalScroll() as box:
            box.border_title = "Help"
            yield Static(keys)
            yield Static(note, classes="note")
            yield Static(commands)
        yield Footer()

    def action_close(self) -> None:
        self.dismiss(None)
