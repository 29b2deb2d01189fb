"""The impact preview of a plan: what the cluster would do, before the user confirms.

A plan that may change placement carries a PreviewSpec (Plan.preview): the CIB edits to try
and the nodes to take down. compute_impact runs nodecmds.simulate_changes on a cluster node:
the live CIB is copied into a temporary file there, the edits run against the copy (CIB_file),
crm_simulate plans the transition on it, the copy is removed. Nothing touches the cluster, so
it runs in read-only mode too (pool.run(..., read=True): a read, in the read log).

The answer is a tui.pacemaker.impact.Impact, from crm_simulate's XML where the cluster's
Pacemaker has it (features.SIMULATE_XML, 2.1.0), from its text Transition Summary before. It
never raises: a host that cannot be reached, a change the copy refuses, a crm_simulate that
fails or hangs are an Impact whose `error` says so.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from tui.pacemaker import nodecmds
from tui.pacemaker.features import SIMULATE_XML, supports
from tui.pacemaker.impact import Impact, failed, parse_simulate_text, parse_simulate_xml
from tui.plaintext import one_line
from tui.remote.transport import ReadOnlyError, TransportError

Argv = tuple[str, ...]

PREVIEW_TIMEOUT = 60.0  # seconds: crm_simulate on a big CIB takes a few
PURPOSE = "impact preview"
_OWN_PREFIX = "impact preview: "  # the lines nodecmds.SIMULATE_SCRIPT itself writes to stderr


@dataclass(frozen=True, slots=True)
class PreviewSpec:
    """What to simulate: `changes` run one after the other on a copy of the CIB (each with
    CIB_file at the copy); `nodes_down` are taken down by crm_simulate (a fence's result)."""

    changes: tuple[Argv, ...] = ()
    nodes_down: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "changes", tuple(tuple(change) for change in self.changes))
        object.__setattr__(self, "nodes_down", tuple(self.nodes_down))


def preview_argv(spec: PreviewSpec, *, xml: bool) -> Argv:
    return nodecmds.simulate_changes(spec.changes, nodes_down=spec.nodes_down, xml=xml)


def _stderr_lines(data: bytes) -> list[str]:
    return [line.strip() for line in data.decode("utf-8", "replace").splitlines() if line.strip()]


def explain_failure(exit_status: int | None, stdout: bytes, stderr: bytes, *, xml: bool) -> str:
    """Why the preview script failed, in one line: which part, and the tool's own words."""
    lines = _stderr_lines(stderr)
    own = [line for line in lines if line.startswith(_OWN_PREFIX)]
    if own:  # a change failed on the copy: the tool's words before the script's line
        said = [line for line in lines if not line.startswith(_OWN_PREFIX)]
        why = own[-1][len(_OWN_PREFIX):]
        return why + (f": {said[-1]}" if said else "")
    connect = next((line for line in lines if "Could not connect to the CIB" in line), None)
    if connect is not None and b"Transition Summary" not in stdout and b"<pacemaker-result" not in stdout:
        return f"could not read the live CIB: {connect}"
    assertion = next((line for line in lines if "fatal assertion" in line), None)
    if assertion is not None:
        return f"crm_simulate aborted (exit {exit_status}): {assertion}"
    if xml and b"<pacemaker-result" in stdout:
        parsed = parse_simulate_xml(stdout)
        if parsed.error and parsed.error.startswith("crm_simulate failed"):
            return parsed.error
    if exit_status == 127 or any("not found" in line and "crm_simulate" in line for line in lines):
        return "crm_simulate is not installed there"
    return f"crm_simulate failed (exit {exit_status})" + (f": {lines[-1]}" if lines else "")


def impact_of(exit_status: int | None, stdout: bytes, stderr: bytes, *, xml: bool) -> Impact:
    """The Impact of a finished preview command (its exit status and output)."""
    if exit_status != 0:
        return failed(explain_failure(exit_status, stdout, stderr, xml=xml))
    return parse_simulate_xml(stdout) if xml else parse_simulate_text(stdout)


async def compute_impact(spec: PreviewSpec, pool, host: str, *, version: str | None = None,
                         timeout: float = PREVIEW_TIMEOUT) -> Impact:
    """Run the preview of `spec` on `host` through `pool` (a WorkerPool); never raises
    (except cancellation)."""
    # 3.0.0's XML output stops after <modifications> whenever a node is taken down (no
    # <actions>: lab finding); its text summary is whole, and parses to the same list
    xml = supports(SIMULATE_XML, version) and not spec.nodes_down
    try:
        argv = preview_argv(spec, xml=xml)
    except ValueError as exc:
        return failed(f"nothing that can be previewed: {exc}")
    try:
        result = await pool.run(host, argv, purpose=PURPOSE, read=True, timeout=timeout)
    except asyncio.CancelledError:
        raise
    except asyncio.TimeoutError:
        return failed(f"crm_simulate did not finish on {host} within {timeout:g} s")
    except TransportError as exc:
        return failed(f"{host} could not be reached: {exc.message}" + (f" ({exc.hint})" if exc.hint else ""))
    except ReadOnlyError as exc:
        return failed(f"read-only mode refused it: {exc}")
    except Exception as exc:  # noqa: BLE001 - OutputTooLarge, a transport's own bug: said, not raised
        return failed(f"the preview could not run on {host}: {getattr(exc, 'reason', None) or exc}")
    if result.timed_out:
        return failed(f"crm_simulate did not finish on {host} within {timeout:g} s")
    if result.exit_status is None:
        return failed(f"the preview on {host} was cut off: {result.error or 'no exit status'}")
    if result.stdout_spill:
        return failed(f"crm_simulate's output on {host} was too large to read")
    return impact_of(result.exit_status, result.stdout, result.stderr, xml=xml)


def describe(impact: Impact) -> str:
    """The preview in one line (a journal detail, a notification)."""
    return one_line("; ".join(impact.lines()))
