"""The remote/guest node wizards (add-remote, add-guest, remove-remote, remove-guest) and
the diagnosis of an offline remote or guest node.

    validate   the field checks, as Pacemaker checks them (FieldError names the field)
    inputs     AddRemote, AddGuest, RemoveNode: frozen inputs with .errors(facts)
    facts      ClusterFacts from a Snapshot (JSON-able: it travels in the plans' recipes)
    preflight  the read-only checks as a Plan, and run_checks (every check runs)
    plans      the four change plans, pcs or direct, registered in tui.ops.recipes
    wizards    WIZARDS and resolve_method: one shape for the CLI and the TUI
    diagnose   why a remote or guest node is offline
"""
