"""A cluster session: the one object the TUI and the headless verbs talk to.

It owns the worker pool for one cluster, turns a refresh (one remote session running
`tui.pacemaker.refresh`'s script) into a snapshot, diffs it against the last one, falls back
to the next cluster node when one stops answering, and applies Plans. No Textual here.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Sequence

from tui import loop_first
from tui.config import ClusterConfig, Config, NodeConfig, host_keys_note
from tui.ops.engine import Listener, PlanResult, run_plan, undo_steps
from tui.ops.events import new_run_id
from tui.ops.journal import Journal
from tui.ops.plan import Plan
from tui.pacemaker import cib
from tui.pacemaker.crm_mon import Reuse, parse_status
from tui.pacemaker.diff import Event, diff
from tui.pacemaker.model import (
    CibVersion,
    Condition,
    ConditionKind,
    Snapshot,
    StatusOutcome,
    Unavailable,
)
from tui.pacemaker.refresh import nonce_of, refresh_argv, split_sections
from tui.pacemaker.sensitive import redact_snapshot
from tui.remote.actionlog import ActionLog
from tui.remote.pool import OutputTooLarge, WorkerPool
from tui.remote.transport import Transport, TransportError

REFRESH_TIMEOUT = 60.0
SETTLE_SECONDS = 5.0  # demo_settled: the simulated cluster as it is this long after it opened


@dataclass(frozen=True, slots=True)
class RefreshResult:
    outcome: StatusOutcome
    snapshot: Snapshot | None  # the last good snapshot (this one when outcome is a Snapshot)
    events: tuple[Event, ...] = ()
    host: str | None = None  # the cluster node the status came from
    unchanged: bool = False  # CIB version unchanged: crm_mon was not run
    error: str | None = None  # why this refresh found no state, in words
    at: float = 0.0
    duration: float = 0.0
    tried: tuple[str, ...] = ()  # "host: why" for each node that did not answer first


@dataclass(frozen=True, slots=True)
class _Change:
    """The events from `since` (the last snapshot when the refresh started) to a new one."""

    since: Snapshot | None
    events: tuple[Event, ...]


class ClusterSession:
    def __init__(
        self,
        cluster: ClusterConfig,
        pool: WorkerPool,
        log: ActionLog | None,
        *,
        read_only: bool,
        demo: bool = False,
        source_label: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.cluster = cluster
        self.pool = pool
        self.log = log
        self.read_only = read_only
        self.demo = demo
        self.source_label = source_label
        self.clock = clock
        self.last: Snapshot | None = None
        self.last_result: RefreshResult | None = None
        self._preferred: str | None = None
        self._reuse = Reuse()  # what the last parse made: a refresh re-reads only what changed

    # --- status ---------------------------------------------------------------------------

    def _status_order(self) -> list[NodeConfig]:
        nodes = list(self.cluster.status_nodes())
        if self._preferred:
            nodes.sort(key=lambda n: n.name != self._preferred)
        return nodes

    async def refresh(self) -> RefreshResult:
        started = self.clock()
        tried: list[str] = []
        first_unavailable: Unavailable | None = None
        first_host: str | None = None
        for node in self._status_order():
            try:
                outcome, unchanged, change = await self._refresh_from(node.name)
            except TransportError as exc:
                tried.append(f"{node.name}: {exc.message}")
                continue
            if isinstance(outcome, Snapshot):
                return self._accept(outcome, node.name, unchanged, started, tuple(tried), change)
            tried.append(f"{node.name}: {outcome.condition.message}")
            if first_unavailable is None:
                first_unavailable, first_host = outcome, node.name
        if first_unavailable is None:
            first_unavailable = Unavailable(
                Condition(ConditionKind.COMMAND_FAILED, "no cluster node answered", None, tuple(tried))
            )
        result = RefreshResult(
            outcome=first_unavailable,
            snapshot=self.last,
            host=first_host,
            error="; ".join(tried) or first_unavailable.condition.message,
            at=self.clock(),
            duration=self.clock() - started,
            tried=tuple(tried),
        )
        self.last_result = result
        return result

    async def _refresh_from(self, host: str) -> tuple[StatusOutcome, bool, _Change | None]:
        """(outcome, unchanged, change): `change` is the diff against the snapshot that was
        last when the refresh started, made in the worker thread with the parse."""
        previous = self.last
        known = previous.cib_version if previous is not None else None
        argv = refresh_argv(known)
        try:
            # a read: kept out of the action log (its output, the CIB, is stored nowhere)
            result = await self.pool.run(host, argv, purpose="status refresh", timeout=REFRESH_TIMEOUT, read=True)
        except OutputTooLarge as exc:
            return Unavailable(Condition(ConditionKind.COMMAND_FAILED, f"the status {exc.reason}")), False, None
        if result.exit_status is None:
            raise TransportError(host, result.error or "status command did not finish")
        # decode, split, parse, join, redact and diff: pure CPU work on immutable inputs, in a
        # worker thread (at 20,000 resources it is ~0.6 s: the UI's loop keeps taking keys)
        outcome, unchanged, change = await loop_first.run(
            self._read_status, result.stdout, result.stderr, result.exit_status, nonce_of(argv), previous)
        if unchanged:
            return previous, True, None
        return outcome, False, change

    def _read_status(self, stdout_bytes: bytes, stderr_bytes: bytes, exit_status: int, nonce: str,
                     previous: Snapshot | None) -> tuple[StatusOutcome | None, bool, _Change | None]:
        """The refresh's output -> (outcome, unchanged, change). Runs in a worker thread: it
        reads nothing of the session but its arguments and changes nothing."""
        stdout = stdout_bytes.decode("utf-8", errors="replace")
        stderr = stderr_bytes.decode("utf-8", errors="replace").strip()
        sections = split_sections(stdout, nonce)
        if "cib-version" not in sections:
            # the script itself did not run (no sh? sudo refused?): say what the host said
            message = stderr or f"status script exited {exit_status} without output"
            return Unavailable(Condition(ConditionKind.COMMAND_FAILED, message, exit_status)), False, None
        if "unchanged" in sections and previous is not None:
            return None, True, None
        crm = sections.get("crm_mon")
        if crm is None:
            return Unavailable(Condition(ConditionKind.MALFORMED, "crm_mon output missing from the refresh", exit_status)), False, None
        outcome = parse_status(crm.text, crm.rc, stderr, reuse=self._reuse)
        if isinstance(outcome, Unavailable):
            return outcome, False, None
        snapshot = redact_snapshot(self._with_cib(outcome, sections))
        return snapshot, False, _Change(previous, tuple(diff(previous, snapshot)))

    def _with_cib(self, snapshot: Snapshot, sections) -> Snapshot:
        version_section = sections.get("cib-version")
        config_section = sections.get("cib-configuration")
        version: CibVersion | None = None
        conditions = list(snapshot.conditions)
        try:
            if version_section is not None and version_section.rc == 0:
                version = cib.parse_cib_version(version_section.text)
            if config_section is not None and config_section.rc == 0:
                snapshot = cib.join(snapshot, cib.parse_configuration(config_section.text))
            elif config_section is not None:
                conditions.append(Condition(ConditionKind.COMMAND_FAILED, f"cibadmin --query exited {config_section.rc}: connection details from the CIB are missing", config_section.rc))
        except cib.CibParseError as exc:
            conditions.append(Condition(ConditionKind.MALFORMED, str(exc)))
            version = None  # never skip a refresh on the strength of a CIB we could not read
        return dataclasses.replace(snapshot, cib_version=version, conditions=tuple(conditions))

    def _accept(self, snapshot: Snapshot, host: str, unchanged: bool, started: float, tried: tuple[str, ...],
                change: _Change | None = None) -> RefreshResult:
        if unchanged:
            events: tuple[Event, ...] = ()
        elif change is not None and change.since is self.last:
            events = change.events
        else:  # another refresh landed while this one was parsed: diff against that one
            events = tuple(diff(self.last, snapshot))
        self.last = snapshot
        self._preferred = host
        result = RefreshResult(
            outcome=snapshot,
            snapshot=snapshot,
            events=tuple(events),
            host=host,
            unchanged=unchanged,
            at=self.clock(),
            duration=self.clock() - started,
            tried=tried,
        )
        self.last_result = result
        return result

    # --- actions --------------------------------------------------------------------------

    @property
    def host_keys_unverified(self) -> bool:
        """The config turned host-key checking off for this cluster: screens and `status` say so."""
        return bool(getattr(self.cluster, "host_keys_unverified", False))

    @property
    def host_keys_note(self) -> str | None:
        """The warning line for `status` (None when host keys are checked)."""
        return host_keys_note(self.cluster) if self.host_keys_unverified else None

    @property
    def action_host(self) -> str:
        """Where cluster-wide commands run: the node that last answered a refresh."""
        return self._preferred or self.cluster.status_nodes()[0].name

    async def apply(self, plan: Plan, *, listeners: Sequence[Listener] = (), cancel: asyncio.Event | None = None,
                    run_id: str | None = None, skip: Mapping[str, str] | None = None,
                    journal: Journal | None = None) -> PlanResult:
        """Run plan through the engine (tui.ops.engine): events go to listeners. The run is
        journalled beside the action log (tui.ops.journal), each event on disk before the
        listeners hear of it; `journal` (Journal.reopen) continues a recorded run."""
        record = journal if journal is not None else self._journal(plan)
        try:
            return await run_plan(plan, self.pool, default_host=self.action_host, read_only=self.read_only,
                                  listeners=(*((record,) if record else ()), *listeners), cancel=cancel,
                                  run_id=run_id or new_run_id(), skip=skip, resumed=journal is not None)
        finally:
            if record is not None:
                record.close()

    async def undo(self, result: PlanResult, *, listeners: Sequence[Listener] = ()) -> PlanResult:
        """Undo the done steps of a run, newest first (appended to the run's journal)."""
        record = None
        if self.log is not None and result.run_id:
            record = Journal.continuing(result.plan, result.run_id, cluster=self.cluster.name,
                                        demo=self.demo, state_dir=self.state_dir)
        try:
            return await undo_steps(result, self.pool, default_host=self.action_host, read_only=self.read_only,
                                    listeners=(*((record,) if record else ()), *listeners))
        finally:
            if record is not None:
                record.close()

    @property
    def state_dir(self) -> Path | None:
        """Where the action log (and the journal's runs/) live; None: nothing is recorded."""
        return self.log.path.parent if self.log is not None else None

    def _journal(self, plan: Plan) -> Journal | None:
        if self.log is None:
            return None  # a session without an action log records nothing (tests)
        return Journal(plan, cluster=self.cluster.name, demo=self.demo, state_dir=self.state_dir,
                       default_host=self.action_host)

    async def watch(self):
        """Run the watcher (tui.pacemaker.watch) on the node that last answered a refresh and
        yield its lines (WatchLine: ready, changed, exit), each a hint to refresh; ends when
        the watcher does. Raises StreamUnsupported (this transport cannot stream: poll) or
        TransportError. A read: nothing of it reaches the action log."""
        from tui.pacemaker.watch import nonce_of as watch_nonce
        from tui.pacemaker.watch import parse_line, watch_argv

        argv = watch_argv()
        nonce = watch_nonce(argv)
        async for text in self.pool.stream_lines(self.action_host, argv, purpose="status watch"):
            line = parse_line(text, nonce)
            if line is not None:
                yield line

    async def close(self) -> None:
        await self.pool.close()


# --- building a session ---------------------------------------------------------------------


class _WithEnv:
    """A transport that adds fixed environment variables (CIB_file) to every command."""

    def __init__(self, inner: Transport, env: dict[str, str]) -> None:
        self.inner, self.env, self.host = inner, env, inner.host
        self.accepts_capture = getattr(inner, "accepts_capture", False)

    async def run(self, argv, *, env=None, **kwargs):
        return await self.inner.run(argv, env={**self.env, **(env or {})}, **kwargs)

    async def close(self) -> None:
        await self.inner.close()


def _transport_factory(cluster: ClusterConfig, session_ref: list[ClusterSession], cib_file: Path | None):
    """host name -> Transport, from the config or (remote/guest nodes) the last snapshot."""
    from tui.remote.hosts import transport_for_node

    jumps: dict = {}  # one connection per jump host, shared by every node behind it

    def transport_for(name: str) -> Transport:
        node = cluster.node(name)
        if node is None:
            snapshot = session_ref[0].last if session_ref else None
            seen = snapshot.node(name) if snapshot else None
            node = cluster.node_for_address(name, seen.address if seen else None)
        transport = transport_for_node(node, cluster.ssh, jumps=jumps)
        if cib_file is not None:
            return _WithEnv(transport, {"CIB_file": str(cib_file)})
        return transport

    return transport_for


def build_session(
    config: Config,
    cluster_name: str | None = None,
    *,
    demo: bool = False,
    cib_file: Path | None = None,
    log: ActionLog | None = None,
    clock: Callable[[], float] = time.time,
    demo_seed: int = 7,
    demo_life: bool = True,
    demo_settled: bool = False,
) -> ClusterSession:
    if log is None:
        log = ActionLog()
    if demo:
        from tui.sim import DemoCluster, demo_config, demo_transport_factory

        state = DemoCluster(seed=demo_seed, clock=clock, life=demo_life)
        if demo_settled:  # a wizard's one look: what the demo's first seconds start (vm-gn3) is up
            state.tick(state.now + SETTLE_SECONDS)
        cluster = demo_config(state)
        read_only = config.read_only
        pool = WorkerPool(demo_transport_factory(state), log, read_only=read_only,
                          cluster=cluster.name, transport_kind="demo")
        return ClusterSession(cluster, pool, log, read_only=read_only, demo=True, source_label="DEMO", clock=clock)
    if cib_file is not None:
        node = NodeConfig(name="cib-file", host="localhost", local=True)
        cluster = ClusterConfig(name=Path(cib_file).name, nodes=(node,), read_only=True)
        sessions: list[ClusterSession] = []
        pool = WorkerPool(_transport_factory(cluster, sessions, Path(cib_file).resolve()), log, read_only=True,
                          cluster=cluster.name, transport_kind="local")
        session = ClusterSession(cluster, pool, log, read_only=True, source_label=f"file {cib_file}", clock=clock)
        sessions.append(session)
        return session
    cluster = config.cluster(cluster_name)
    read_only = config.read_only or cluster.read_only
    sessions = []
    pool = WorkerPool(_transport_factory(cluster, sessions, None), log, read_only=read_only, cluster=cluster.name)
    session = ClusterSession(cluster, pool, log, read_only=read_only, clock=clock)
    sessions.append(session)
    return session
