"""The CLI's entry into the TUI."""

from __future__ import annotations

from typing import Any


def run_app(session: Any, config: Any) -> int:
    """Run the console on one ClusterSession until the user quits; returns an exit code."""
    from tui.ui.app import PcmkConsoleApp, default_auth_collector

    app = PcmkConsoleApp(session, config, auth_collector=default_auth_collector)
    app.run()
    if app._exception is not None:  # an unhandled error ended the app: one line + crash file
        from tui.crash import crash_report
        from tui.exitcodes import ExitCode

        crash_report(app._exception)
        return ExitCode.FAILED
    return app.return_code or 0
