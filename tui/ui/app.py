"""PcmkConsoleApp: the Textual app around one ClusterSession.

Owns the live refresh loop (an async worker: the next refresh starts only after the last one
ended, so a slow cluster never piles up requests), the theme set, the action-log subscription
and the confirm-then-apply path every cluster change goes through.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict, deque
from pathlib import Path
from typing import Any, Callable, Iterable

from textual import events, on, work
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from tui.ops.events import PlanState
from tui.ops.plan import Plan
from tui.pacemaker.model import Snapshot, StatusOutcome, Unavailable
from tui.plaintext import multi_line, one_line
from tui.ui import heap, themes as theme_files
from tui.remote.actionlog import fold
from tui.ui.logview import is_running
from tui.ui.present import ago
from tui.ui.messages import (AuthChanged, LogChanged, PlanEvent, PlanRequested, Repaint, ScreenFacts, StateChanged,
                             StatusChanged)
from tui.ui.progress import PlanProgress, poster

MAX_LOG_ROWS = 500
MAX_EVENTS = 500
AUTH_INTERVAL = 60.0  # seconds between two reads of the auth view
AUTH_TIMEOUT = 120.0  # one read of every node, at most (each read has its own 20 s limit)
# the status watcher (tui.pacemaker.watch): a change wakes the normal refresh
WATCH_DEBOUNCE = 0.075  # one redraw arrives as several lines: one refresh for them all
WATCH_MIN_GAP = 0.5  # at most two watcher-woken refreshes a second (crm_mon retrying, say)
# crm_mon redraws at once only when its last redraw was two or more wall-clock seconds
# earlier; a change sooner than that waits for a 2 s timer, restarted by each further change
# (measured: bench/fresh/RESULTS.md, "crm_mon's hold"). A change can so arrive unseen up to
# 2 s after a redraw: refresh again every half second of that window (a held change waits
# at most about 0.5 s)
WATCH_FOLLOW_UPS = (0.5, 1.0, 1.5, 2.0)
WATCH_POLL = 60.0  # while live, a safety refresh at least this often
WATCH_BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)  # restarts of a watcher that died
WATCH_STEADY = 30.0  # a watcher that lived this long counts as healthy again


def default_auth_collector(session: Any, snapshot: Snapshot):
    """The auth view through the session's pool, reads only (tui.ops.certs.authview)."""
    from tui.ops.certs import authview

    return authview.collect_auth(session.pool, snapshot, default_host=getattr(session, "action_host", None))


class PcmkConsoleApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "pcmk-console"
    ENABLE_COMMAND_PALETTE = True  # the console's entries come from the main screen (its COMMANDS)
    BINDINGS = [
        Binding("f5,ctrl+r", "refresh_now", "Refresh"),
        Binding("p", "pause", "Pause/resume"),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(
        self,
        session: Any,
        config: Any,
        *,
        clock: Callable[[], float] | None = None,
        theme_dirs: Iterable[Path] | None = None,
        cursor_blink: bool = True,
        auth_collector: Callable[[Any, Snapshot], Any] | None = None,
    ) -> None:
        super().__init__()
        self.session = session
        self.config = config
        self.clock = clock or time.time
        self.cursor_blink = cursor_blink
        self._theme_dirs = tuple(theme_dirs) if theme_dirs is not None else (
            theme_files.shipped_themes_dir(), theme_files.user_themes_dir())
        self.interval = float(getattr(config, "refresh_interval", 5.0) or 5.0)
        self.paused = False
        self.outcome: StatusOutcome | None = None
        self.snapshot: Snapshot | None = None
        self.status_host: str | None = None
        self.last_ok_at: float | None = None
        self.last_error: str | None = None
        self.started_at = self.clock()
        self.refresh_count = 0
        self.events: deque[tuple[float, Any]] = deque(maxlen=MAX_EVENTS)
        self._records: OrderedDict[str, Any] = OrderedDict()
        self._unsubscribe: Callable[[], None] | None = None
        self._wake = asyncio.Event()
        self._force = False
        self.refreshed = asyncio.Event()  # set after each applied refresh (tests, bench)
        # "off": the session cannot watch (polling only, nothing said); "starting";
        # "live": changes wake the refresh; "polling": the watcher died, it is restarted
        self.watch_state = "off"
        self.watch_error: str | None = None
        self.watch_changes = 0  # watcher lines that said "changed" (tests, bench)
        self.watch_wakes = 0  # refreshes the watcher woke
        self._watch_pending: asyncio.TimerHandle | None = None
        self._watch_follow: list[asyncio.TimerHandle] = []
        self._watch_last_fire = 0.0
        self.theme_errors: list[str] = []
        self.plans_finished = 0
        self.worker_errors: list[BaseException] = []  # unexpected, shown in a modal (tests read it)
        # the auth view: None = this app does not read it (no Auth column)
        self.auth_collector = auth_collector
        self.auth_interval = AUTH_INTERVAL
        self.auth_nodes: tuple[Any, ...] | None = None
        self.auth_error: str | None = None
        self.auth_reads = 0  # finished reads (tests wait on it)
        self._auth_wake = asyncio.Event()
        self._auth_started = False
        # themes now, not in on_mount: the first stylesheet pass then already has the theme's
        # variables, instead of a second whole-CSS pass when the theme changes after mount
        self._theme_notices: list[tuple[str, str]] = []  # (message, title): toasts once mounted
        self._load_themes()
        # the collector's full passes, at quiet moments
        self.full_collections = heap.FullCollections(busy=self._slicing)

    # --- facts the screens read --------------------------------------------------------------

    @property
    def cluster(self) -> Any:
        return getattr(self.session, "cluster", None)

    @property
    def cluster_name(self) -> str:
        return getattr(self.cluster, "name", None) or "cluster"

    @property
    def read_only(self) -> bool:
        return bool(getattr(self.session, "read_only", False))

    @property
    def demo(self) -> bool:
        return bool(getattr(self.session, "demo", False))

    @property
    def production(self) -> bool:
        return bool(getattr(self.cluster, "production", False))

    @property
    def frame_colour(self) -> str | None:
        return getattr(self.cluster, "color", None)

    @property
    def source_label(self) -> str | None:
        return getattr(self.session, "source_label", None)

    def labels(self) -> list[str]:
        out = []
        if self.demo:
            out.append("DEMO")
        if self.production:
            out.append("PRODUCTION")
        if self.read_only:
            out.append("READ-ONLY")
        if getattr(self.session, "host_keys_unverified", False):  # config: insecure_skip_host_key_check
            out.append("HOST KEYS NOT VERIFIED")
        if self.paused:
            out.append("PAUSED")
        return out

    def freshness(self) -> tuple[str, bool]:
        """("updated 3s ago", stale?) — stale when refreshes fail or stop arriving."""
        now = self.clock()
        if self.last_ok_at is None:
            if self.last_error:
                return (f"no status: {self.last_error}", True)
            return (f"waiting for first status ({ago(now - self.started_at)})", False)
        age = now - self.last_ok_at
        text = f"updated {ago(age)} ago" + {"live": " · live", "polling": " · polling"}.get(self.watch_state, "")
        if self.last_error:
            return (f"STALE {ago(age)}: {self.last_error}", True)
        if self.paused:
            return (f"{text} (paused)", False)
        if age > max(3 * self.poll_interval(), 15):
            return (f"STALE: no refresh for {ago(age)}", True)
        return (text, False)

    def log_records(self) -> "OrderedDict[str, Any]":
        return self._records

    # --- lifecycle ---------------------------------------------------------------------------

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(theme_files.VARIABLE_DEFAULTS)

    async def on_mount(self) -> None:
        for message, title in self._theme_notices:
            self.notify(message, title=title, severity="error", timeout=10)
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        await self.push_screen(self.main_screen())
        # this session's commands, live (the whole history is `pcmk-console log`)
        log = getattr(self.session, "log", None)
        if log is not None:
            self._unsubscribe = log.subscribe(self._log_event)
        self.ticker = self.set_interval(1.0, self._tick)  # the freshness words, every second
        self.set_interval(0.2, self._spin)
        self.refresh_loop()
        self.watch_loop()
        self.call_after_refresh(heap.freeze_once, "first frame")  # the program and its widgets
        self.full_collections.hold()
        self.set_interval(1.0, self.full_collections.tick)

    def on_unmount(self) -> None:
        self.full_collections.release()

    def _slicing(self) -> bool:
        main = self._main()
        return main is not None and main.slicing()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent):
            self.full_collections.noticed_input()  # a full collection waits for quiet input
        await super().on_event(event)

    def main_screen(self) -> Screen:
        from tui.ui.screens.main import MainScreen

        return MainScreen(self.screen_facts())

    def screen_facts(self) -> ScreenFacts:
        return ScreenFacts(cluster_name=self.cluster_name, source_label=self.source_label,
                           production=self.production, frame_colour=self.frame_colour,
                           read_only=self.read_only, cursor_blink=self.cursor_blink, clock=self.clock,
                           auth=self.auth_collector is not None)

    def _load_themes(self) -> None:
        loaded = theme_files.load_themes(*self._theme_dirs)
        for theme in loaded.themes:
            self.register_theme(theme)
        for error, path in zip(loaded.errors, loaded.skipped):
            self.theme_errors.append(error)
            # the title names the file even when a long message is cut to the toast's size
            self._theme_notices.append((error, f"theme file skipped: {path.name}"))
        wanted = getattr(self.config, "theme", None) or theme_files.DEFAULT_THEME
        if wanted in self.available_themes:
            self.theme = wanted
            return
        # the config's theme is missing: there is no current one to keep
        fallback = theme_files.DEFAULT_THEME if theme_files.DEFAULT_THEME in self.available_themes else "textual-dark"
        self._theme_notices.append((f"theme {wanted!r} not found; using {fallback} "
                                    f"(themes: {', '.join(self.theme_names())})", ""))
        self.theme = fallback

    def action_set_theme_named(self, name: str | None = None) -> None:
        if name is None:  # `:theme` alone
            self.notify(f"theme {self.theme}; themes: {', '.join(self.theme_names())}", timeout=10)
            return
        self.set_theme_named(name)

    def theme_names(self) -> list[str]:
        return sorted(self.available_themes)

    def set_theme_named(self, name: str) -> None:
        if name in self.available_themes:
            self.theme = name
            return
        listed = ", ".join(self.theme_names())
        self.notify(f"no theme {name!r}; keeping {self.theme} (themes: {listed})",
                    severity="error", timeout=10)

    def notify(self, message: str, *, title: str = "", severity: Any = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Every toast is literal text: messages carry node names, exit reasons, input."""
        super().notify(multi_line(message), title=one_line(title), severity=severity,
                       timeout=timeout, markup=False)

    def _print_error_renderables(self) -> None:
        # Textual prints an unhandled exception's traceback on the terminal at exit; ours goes
        # to a crash file instead (run_app: tui.crash), so the user sees one line
        if self._exception is not None:
            self._exit_renderables.clear()
            return
        super()._print_error_renderables()

    def _theme_changed(self, _theme: Any) -> None:
        self._tell(Repaint())

    def _tell(self, message) -> None:
        """Post a message to the main screen, if it is there and not going away."""
        screen = self._main()
        if screen is not None:
            screen.post_message(message)

    def state_message(self, events: Iterable[tuple[float, Any]] = (), changed: bool = True) -> StateChanged:
        return StateChanged(self.snapshot, self.outcome, self.last_error, self.status_host, tuple(events), changed)

    def status_message(self) -> StatusChanged:
        return StatusChanged(self.freshness(), self.labels())

    def log_message(self) -> LogChanged:
        return LogChanged(self._records)

    def _main(self):
        from tui.ui.screens.main import MainScreen

        if self._exit or self._closing:  # shutting down: widgets are going away
            return None
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen) and screen.ready and not screen._closing:
                return screen
        return None

    # --- live refresh ------------------------------------------------------------------------

    @work(exclusive=True, group="refresh", exit_on_error=False)
    async def refresh_loop(self) -> None:
        while True:
            # cleared before the refresh: a change the watcher reports during it (the
            # refresh may have read the CIB before it) refreshes again
            self._wake.clear()
            if not self.paused or self._force:
                self._force = False
                await self.refresh_once()
            if self._force or (self._wake.is_set() and not self.paused):
                continue
            try:
                await asyncio.wait_for(self._wake.wait(), self.poll_interval())
            except asyncio.TimeoutError:
                pass

    def poll_interval(self) -> float:
        """Seconds between two refreshes nothing woke: the config's, or WATCH_POLL while live."""
        return max(self.interval, WATCH_POLL) if self.watch_state == "live" else self.interval

    # --- the status watcher ------------------------------------------------------------------

    @work(exclusive=True, group="watch", exit_on_error=False)
    async def watch_loop(self) -> None:
        """Run the session's watcher for as long as the app runs; restart it with backoff
        when it ends or fails (polling at the normal interval meanwhile). A session without
        one (a fake, a CIB file, the demo) just polls."""
        watch = getattr(self.session, "watch", None)
        if watch is None:
            return
        from tui.remote.stream import StreamUnsupported  # only a session that can watch needs it

        failures = 0
        while True:
            self._set_watch("starting" if self.watch_state == "off" else self.watch_state)
            started = self.clock()
            reason = "the watcher ended"
            try:
                async for line in watch():
                    if line.kind == "ready":
                        self._set_watch("live")
                    elif line.kind == "changed":
                        self._watch_changed()
                    elif line.kind == "exit":
                        reason = f"crm_mon exited {line.rc}" if line.rc != 127 else "crm_mon or stdbuf not found"
            except StreamUnsupported:
                self._set_watch("off")
                return
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - polling goes on; the status line says why
                reason = one_line(str(error)) or type(error).__name__
            failures = 1 if self.clock() - started >= WATCH_STEADY else failures + 1
            self._set_watch("polling", reason)
            self._wake.set()  # what changed while nobody watched; and the loop's wait is shorter now
            await asyncio.sleep(WATCH_BACKOFF[min(failures, len(WATCH_BACKOFF)) - 1])

    def _set_watch(self, state: str, error: str | None = None) -> None:
        changed = state != self.watch_state
        self.watch_state, self.watch_error = state, error
        if changed:
            self._tell(self.status_message())

    def _watch_changed(self) -> None:
        """A watcher line said the CIB changed: wake the refresh once for a burst of them."""
        self.watch_changes += 1
        if self._watch_pending is not None:
            return
        loop = asyncio.get_running_loop()
        delay = max(WATCH_DEBOUNCE, self._watch_last_fire + WATCH_MIN_GAP - loop.time())
        self._watch_pending = loop.call_later(delay, self._watch_fire)

    def _watch_fire(self) -> None:
        loop = asyncio.get_running_loop()
        self._watch_pending = None
        self._watch_last_fire = loop.time()
        self.watch_wakes += 1
        self._wake.set()
        for handle in self._watch_follow:
            handle.cancel()
        self._watch_follow = [loop.call_later(delay, self._wake.set) for delay in WATCH_FOLLOW_UPS]

    async def refresh_once(self) -> None:
        try:
            result = await self.session.refresh()
        except Exception as error:  # the UI must survive any refresh failure
            self.last_error = f"{type(error).__name__}: {error}"
            self._tell(self.state_message(changed=False))  # the banner says why
            self._rendered()
            return
        self.apply_result(result)

    def apply_result(self, result: Any) -> None:
        """Take one RefreshResult into the screen (in place, changed rows only)."""
        self.refresh_count += 1
        self.outcome = result.outcome
        self.status_host = result.host or self.status_host
        if result.snapshot is not None:
            self.snapshot = result.snapshot
        if isinstance(result.outcome, Unavailable) or result.error:
            self.last_error = result.error or (
                result.outcome.condition.message if isinstance(result.outcome, Unavailable) else None)
        else:
            self.last_error = None
            self.last_ok_at = result.at or self.clock()
        stamped = [(result.at or self.clock(), event) for event in result.events]
        self.events.extend(stamped)
        self._tell(self.state_message(stamped, changed=not result.unchanged or self.refresh_count == 1))
        self._rendered()
        if self.snapshot is not None and self.auth_collector is not None and not self._auth_started:
            self._auth_started = True  # after the first snapshot: it names the nodes to read
            # after the frame that shows this status: the auth reads are not on the first screen's path
            self.call_after_refresh(self.auth_loop)

    def _rendered(self) -> None:
        self._tell(self.status_message())
        self.refreshed.set()

    def action_refresh_now(self) -> None:
        self._force = True
        self._wake.set()
        self.notify("refreshing…", timeout=1.5)

    def action_pause(self, paused: bool | None = None) -> None:
        self.paused = (not self.paused) if paused is None else paused
        if not self.paused:
            self._wake.set()
        self.notify("live refresh paused (p resumes)" if self.paused else "live refresh resumed",
                    timeout=2)
        self._tell(self.status_message())

    def _tick(self) -> None:
        self._tell(self.status_message())

    # --- the auth view ---------------------------------------------------------------------

    def auth_message(self) -> AuthChanged:
        return AuthChanged(self.auth_nodes, self.auth_error, self.clock())

    def refresh_auth(self) -> None:
        """Read the auth view again now (after a plan run: it may have changed it)."""
        self._auth_wake.set()

    @work(exclusive=True, group="auth", exit_on_error=False)
    async def auth_loop(self) -> None:
        while True:
            self._auth_wake.clear()
            await self.read_auth()
            try:
                await asyncio.wait_for(self._auth_wake.wait(), self.auth_interval)
            except asyncio.TimeoutError:
                pass

    async def read_auth(self) -> None:
        """One read of every node's auth; a failure is a line for the screen, never a crash."""
        snapshot = self.snapshot
        if snapshot is None or self.auth_collector is None:
            return
        try:
            nodes = await asyncio.wait_for(self.auth_collector(self.session, snapshot), AUTH_TIMEOUT)
        except asyncio.CancelledError:
            raise
        except asyncio.TimeoutError:
            self.auth_nodes, self.auth_error = None, f"no answer within {AUTH_TIMEOUT:.0f} s"
        except Exception as error:  # noqa: BLE001 - the column says ? and the detail why
            self.auth_nodes, self.auth_error = None, f"{type(error).__name__}: {error}"
        else:
            self.auth_nodes, self.auth_error = tuple(nodes), None
        self.auth_reads += 1
        self._tell(self.auth_message())

    # --- action log --------------------------------------------------------------------------

    def _log_event(self, event: dict) -> None:
        """ActionLog listener: a started/finished/refused event, called on our loop."""
        if not isinstance(event, dict):
            return
        record = fold(self._records, event)
        if record is None:
            return
        self._records.move_to_end(record.id)
        while len(self._records) > MAX_LOG_ROWS:
            self._records.popitem(last=False)
        self._tell(self.log_message())

    def _spin(self) -> None:
        if any(is_running(r) for r in self._records.values()):
            self._tell(self.log_message())

    # --- applying plans ----------------------------------------------------------------------

    @on(PlanRequested)
    def _plan_requested(self, message: PlanRequested) -> None:
        self.confirm_and_apply(message.plan)

    def confirm_and_apply(self, plan: Plan) -> None:
        if self.read_only:
            self.notify("read-only: nothing was run", severity="warning")
            return
        from tui.ui.screens.confirm import ConfirmPlan

        host = getattr(self.session, "action_host", None)

        def decided(go: bool | None) -> None:
            if go:
                self.apply_plan(plan)

        self.push_screen(
            ConfirmPlan(plan, default_host=host, cluster=self.cluster_name,
                        production=self.production),
            decided,
        )

    @work(group="apply", exit_on_error=False)
    async def apply_plan(self, plan: Plan) -> None:
        try:
            await self._apply(plan)
        finally:
            self.plans_finished += 1
            self.refresh_auth()

    async def _apply(self, plan: Plan) -> None:
        self.notify(f"running: {plan.title}", timeout=2)
        try:
            result = await self.session.apply(plan, listeners=[poster(self)])
        except Exception as error:
            self.notify(f"{plan.title}: {error}", title="not run", severity="error", timeout=10)
            return
        ok = getattr(result, "ok", False)
        summary = result.summary() if hasattr(result, "summary") else plan.title
        self.notify(summary, severity="information" if ok else "error", timeout=6 if ok else 15)
        self.action_refresh_now()
        if not ok and getattr(result, "state", None) in (PlanState.FAILED, PlanState.CANCELLED) \
                and getattr(result, "undo_offered", ()):
            self.offer_undo(result)

    # --- plan progress and undo --------------------------------------------------------------

    @on(PlanProgress)
    def _plan_progress(self, message: PlanProgress) -> None:
        """Every engine event of a running plan or undo (posted by tui.ui.progress.poster)."""
        self._tell(PlanEvent(message.event, undo=message.undo))

    def offer_undo(self, result: Any) -> None:
        """A failed or cancelled plan left done steps with an undo: offer it (never read-only)."""
        from tui.ui.screens.undo import UndoOffer, later_hint

        if self.read_only:
            self.notify(f"read-only: no undo offered; {later_hint(result.run_id)}", severity="warning",
                        timeout=15)
            return

        def decided(go: bool | None) -> None:
            if go:
                self.undo_plan(result)
            else:
                self.notify(f"left as it is; {later_hint(result.run_id)}", timeout=15)

        self.push_screen(UndoOffer(result, default_host=getattr(self.session, "action_host", None)), decided)

    @work(group="apply", exit_on_error=False)
    async def undo_plan(self, result: Any) -> None:
        try:
            try:
                undone = await self.session.undo(result, listeners=[poster(self, undo=True)])
            except Exception as error:
                self.notify(f"undo of {result.plan.title}: {error}", title="not undone", severity="error",
                            timeout=15)
                return
            ok = getattr(undone, "state", None) is PlanState.UNDONE
            self.notify(f"{result.plan.title}: " + (undone.statement() if hasattr(undone, "statement") else ""),
                        title="undone" if ok else "undo failed", severity="information" if ok else "error",
                        timeout=8 if ok else 15)
            self.action_refresh_now()
        finally:
            self.plans_finished += 1
            self.refresh_auth()

    # --- worker errors -----------------------------------------------------------------------

    @on(Worker.StateChanged)
    def _worker_state(self, event: Worker.StateChanged) -> None:
        """An unexpected error in any worker: a crash file and a one-line modal, not an exit."""
        if event.state is not WorkerState.ERROR or event.worker.error is None:
            return
        from tui.crash import crash_report
        from tui.ui.screens.error import InternalError

        error = event.worker.error
        try:
            path = crash_report(error, echo=False)
        except Exception:  # noqa: BLE001 - the modal must still appear
            path = None
        where = f"details in {path}" if path else "no crash file could be written"
        self.worker_errors.append(error)
        if self._exit or self._closing:
            return
        self.push_screen(InternalError(f"internal error in {event.worker.name or 'a worker'}: "
                                       f"{type(error).__name__}: {error}", where))

    # --- help and the command palette --------------------------------------------------------

    def action_help(self) -> None:
        from tui.ui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.read_only))
