"""The worker pool: every command the console runs goes through here.

It bounds concurrency (overall and per host), gates mutations on read-only mode, gives each
command a bounded output capture (scrubbed of the secrets passed to it), and records every
execution in the action log: a "started" event before, a "finished" event after, each naming
the cluster and the transport kind (demo, local, ssh).

Reads (`read=True`: the status refresh) are not actions: they stay out of the action log and
their output is stored nowhere; the read log (reads.jsonl beside it) keeps argv, exit status,
duration and output sizes. A read's output is kept whole up to READ_CAP (512 MiB); beyond
that the read fails with OutputTooLarge ("output exceeded 512 MB"), never with cut data.
"""

from __future__ import annotations

import asyncio
import secrets as _secrets
import shlex
import time
from typing import AsyncIterator, Callable, Iterable, Mapping, Sequence

from tui.remote.actionlog import ActionLog
from tui.remote.capture import DEFAULT_CAP, Captured, OutputCapture, secrets_of
from tui.remote.secret import Secret
from tui.remote.stream import StreamUnsupported
from tui.remote.transport import (
    CommandResult,
    OutputCallback,
    ReadOnlyError,
    Transport,
    TransportError,
)

# with a log, output longer than the excerpt is kept whole in a file next to the log
EXCERPT_BYTES = 4096
# the most a read (a status refresh: crm_mon XML + CIB configuration) may print per stream;
# the project's own XL cluster prints 17 MB, so this is a guard, not a working limit
READ_CAP = 512 << 20


class OutputTooLarge(Exception):
    """A read printed more than it may keep in memory; nothing of it was used."""

    def __init__(self, host: str, stream: str, size: int, limit: int) -> None:
        self.host, self.stream, self.size, self.limit = host, stream, size, limit
        self.reason = f"output exceeded {limit >> 20} MB ({stream}: {size:,} bytes)"
        super().__init__(f"{host}: {self.reason}; nothing of it was used")


def describe_stdin(stdin: bytes | Secret | None) -> str | None:
    if stdin is None:
        return None
    if isinstance(stdin, Secret):
        return repr(stdin)
    return f"<{len(stdin)} bytes>"


class WorkerPool:
    def __init__(
        self,
        transport_for: Callable[[str], Transport],
        log: ActionLog | None = None,
        *,
        max_concurrency: int = 32,
        per_host: int = 4,
        read_only: bool = False,
        output_cap: int = DEFAULT_CAP,
        read_cap: int = READ_CAP,
        cluster: str | None = None,
        transport_kind: str | None = None,
    ) -> None:
        """cluster: the cluster's name, written into every record; transport_kind: "demo",
        "local" or "ssh", for records whose transport does not say (refusals)."""
        self._transport_for = transport_for
        self.log = log
        self.read_cap = read_cap
        self.cluster = cluster
        self.transport_kind = transport_kind
        self.read_only = read_only
        self.output_cap = output_cap
        self.per_host = per_host
        self._all = asyncio.Semaphore(max_concurrency)
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._transports: dict[str, Transport] = {}

    def transport(self, host: str) -> Transport:
        if host not in self._transports:
            try:
                self._transports[host] = self._transport_for(host)
            except (KeyError, ValueError) as exc:  # unknown node, bad jump host spec, ...
                raise TransportError(host, f"no way to reach it: {exc.args[0] if exc.args else exc}") from None
        return self._transports[host]

    async def run(
        self,
        host: str,
        argv: Sequence[str],
        *,
        purpose: str,
        mutates: bool = False,
        stdin: bytes | Secret | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float | None = None,
        on_output: OutputCallback | None = None,
        read: bool = False,
        run_id: str | None = None,
        step_id: str | None = None,
    ) -> CommandResult:
        """Run argv on host. Raises ReadOnlyError (nothing ran) or TransportError (could not
        start); a command that ran and failed is a CommandResult with its exit status.
        read=True: a read (see the module doc); may raise OutputTooLarge.
        run_id/step_id: the plan run and step this command belongs to (tui.ops.engine),
        written into its records."""
        argv = tuple(argv)
        ids = {k: v for k, v in (("run_id", run_id), ("step_id", step_id)) if v is not None}
        if read:
            if mutates:
                raise ValueError("a read does not change the cluster: mutates=True with read=True")
            return await self._read(host, argv, purpose, stdin, env, timeout, on_output, ids)
        if self.read_only and mutates:
            raise await self._refuse(host, argv, purpose, stdin, env, ids)
        record_id = _new_id()

        transport = self.transport(host)
        host_slots = self._hosts.setdefault(host, asyncio.Semaphore(self.per_host))
        async with self._all, host_slots:
            if self.log:
                await self.log.emit(
                    {**self._describe(record_id, host, argv, purpose, mutates, stdin, env,
                                      transport), **ids, "event": "started"}
                )
            capture = OutputCapture(
                cap=self.output_cap,
                file_after=EXCERPT_BYTES if self.log else None,
                spill_dir=self.log.output_dir if self.log else None,
                name=record_id if self.log else None,
                secrets=secrets_of(stdin, env),
                on_output=on_output,
            )
            started = time.time()
            result: CommandResult | None = None
            error: str | None = None
            cancelled = False
            try:
                result = await self._run_on(transport, argv, stdin, env, timeout, capture)
                return result
            except TransportError as exc:
                error = str(exc)
                raise
            except asyncio.CancelledError:
                cancelled = True
                raise
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
                raise
            finally:
                captured = capture.close()
                if self.log:
                    await asyncio.shield(
                        self.log.emit(_finished(record_id, host, started, result, captured,
                                                error, cancelled))
                    )

    async def _read(self, host, argv, purpose, stdin, env, timeout, on_output, ids=None) -> CommandResult:
        transport = self.transport(host)
        host_slots = self._hosts.setdefault(host, asyncio.Semaphore(self.per_host))
        async with self._all, host_slots:
            capture = OutputCapture(cap=self.read_cap, record=False,
                                    secrets=secrets_of(stdin, env), on_output=on_output)
            started = time.time()
            result: CommandResult | None = None
            error: str | None = None
            try:
                result = await self._run_on(transport, argv, stdin, env, timeout, capture)
            except TransportError as exc:
                error = str(exc)
                raise
            except asyncio.CancelledError:
                error = "cancelled"
                raise
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
                raise
            finally:
                captured = capture.close()
                too_large = next(iter(captured.truncated), None)
                if too_large and error is None:
                    error = f"output exceeded {self.read_cap >> 20} MB"
                if self.log:
                    self.log.reads.write({**self._read_record(host, argv, purpose, transport,
                                                              started, result, captured, error),
                                          **(ids or {})})
            if too_large:
                size = captured.stdout_size if too_large == "stdout" else captured.stderr_size
                raise OutputTooLarge(host, too_large, size, self.read_cap)
            return result

    def _read_record(self, host, argv, purpose, transport, started, result, captured, error) -> dict:
        ended = time.time()
        return {
            "time": started,
            "cluster": self.cluster,
            "transport": self._kind(transport),
            "host": host,
            "argv": list(argv),
            "purpose": purpose,
            "exit_status": result.exit_status if result else None,
            "timed_out": bool(result and result.timed_out),
            "duration": round(ended - started, 6),
            "stdout_bytes": captured.stdout_size,
            "stderr_bytes": captured.stderr_size,
            "error": error or (result.error if result else None),
        }

    def _kind(self, transport) -> str | None:
        """The transport's kind ("demo", "local", "ssh"), through wrappers (CIB_file's)."""
        for candidate in (transport, getattr(transport, "inner", None)):
            kind = getattr(candidate, "kind", None)
            if isinstance(kind, str):
                return kind
        return self.transport_kind or (type(transport).__name__ if transport is not None else None)

    async def _refuse(self, host, argv, purpose, stdin, env, ids=None) -> ReadOnlyError:
        """Record a refused mutation; the caller raises the returned error."""
        message = f"read-only mode: refused to run on {host}: {shlex.join(argv)} ({purpose})"
        if self.log:
            await self.log.emit(
                {**self._describe(_new_id(), host, argv, purpose, True, stdin, env),
                 **(ids or {}), "event": "refused", "error": message}
            )
        return ReadOnlyError(message)

    async def _run_on(self, transport, argv, stdin, env, timeout, capture) -> CommandResult:
        if getattr(transport, "accepts_capture", False):
            return await transport.run(
                argv, stdin=stdin, env=env, timeout=timeout, capture=capture
            )
        # any other Transport (the demo): stream through the capture, or pass its result
        # through it afterwards, so capping and scrubbing are the same everywhere
        result = await transport.run(
            argv, stdin=stdin, env=env, timeout=timeout, on_output=capture.feed
        )
        if not capture.fed:
            capture.feed("stdout", result.stdout)
            capture.feed("stderr", result.stderr)
        captured = capture.close()
        return CommandResult(
            host=result.host, argv=result.argv, exit_status=result.exit_status,
            stdout=captured.stdout, stderr=captured.stderr, started=result.started,
            ended=result.ended, timed_out=result.timed_out, cancelled=result.cancelled,
            stdout_spill=captured.stdout_spill, stderr_spill=captured.stderr_spill,
            error=result.error,
        )

    async def fan_out(
        self, hosts: Iterable[str], argv: Sequence[str], **kwargs
    ) -> AsyncIterator[CommandResult]:
        """Run argv on every host at once; yield results as they arrive. A host that could
        not be reached yields a result with exit_status None and the error. Closing the
        iterator early cancels (and kills) the commands still running."""
        argv = tuple(argv)
        hosts = list(hosts)
        if self.read_only and kwargs.get("mutates"):  # refuse all before anything runs
            errors = [
                await self._refuse(h, argv, kwargs.get("purpose", ""), kwargs.get("stdin"),
                                   kwargs.get("env"))
                for h in hosts
            ]
            raise ReadOnlyError(errors[0].args[0] if len(errors) == 1 else
                                f"read-only mode: refused to run on {len(errors)} hosts: "
                                f"{shlex.join(argv)}")

        async def one(host: str) -> CommandResult:
            try:
                return await self.run(host, argv, **kwargs)
            except TransportError as exc:
                now = time.time()
                return CommandResult(host, argv, None, started=now, ended=now, error=str(exc))

        tasks = [asyncio.ensure_future(one(h)) for h in hosts]
        try:
            for next_done in asyncio.as_completed(tasks):
                yield await next_done
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def stream_lines(self, host: str, argv: Sequence[str], *, purpose: str,
                           env: Mapping[str, str] | None = None) -> AsyncIterator[str]:
        """A long-lived read (the status watcher): argv's stdout lines on host as they come;
        leaving the loop stops the command. A read: never in the action log, never held to
        the per-host slots (it would hold one for good); reads.jsonl gets one record when it
        ends. Raises StreamUnsupported when host's transport cannot stream, TransportError
        when it cannot be reached (the same transport, so the same host-key checks)."""
        argv = tuple(argv)
        transport = self.transport(host)
        stream = getattr(transport, "stream_lines", None)
        if stream is None:
            raise StreamUnsupported(f"{host}: its {self._kind(transport)} transport cannot stream")
        started = time.time()
        lines = 0
        error: str | None = None
        try:
            async for line in stream(argv, env=env):
                lines += 1
                yield line
        except TransportError as exc:
            error = str(exc)
            raise
        except (asyncio.CancelledError, GeneratorExit):
            error = "stopped"
            raise
        finally:
            if self.log:
                self.log.reads.write({
                    "time": started, "cluster": self.cluster, "transport": self._kind(transport),
                    "host": host, "argv": list(argv), "purpose": purpose, "exit_status": None,
                    "timed_out": False, "duration": round(time.time() - started, 6),
                    "stdout_lines": lines, "error": error})

    async def close(self) -> None:
        transports, self._transports = list(self._transports.values()), {}
        await asyncio.gather(*(t.close() for t in transports), return_exceptions=True)

    def _describe(self, record_id, host, argv, purpose, mutates, stdin, env, transport=None) -> dict:
        event = {
            "id": record_id,
            "time": time.time(),
            "cluster": self.cluster,
            "transport": self._kind(transport) if transport is not None else self.transport_kind,
            "host": host,
            "argv": list(argv),
            "purpose": purpose,
            "mutates": mutates,
            "stdin": describe_stdin(stdin),
            "env": {k: (repr(v) if isinstance(v, Secret) else v) for k, v in (env or {}).items()},
        }
        if transport is not None:
            event["address"] = getattr(transport, "host", None)
            for key in ("port", "username", "sudo", "jump_spec", "identity_files"):
                value = getattr(transport, key, None)
                if value not in (None, (), False):
                    event[key] = list(value) if isinstance(value, tuple) else value
        return event


def _new_id() -> str:
    """UTC start time to the microsecond, then randomness: ids sort by age (rotation uses it)."""
    now = time.time()
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now))
    return f"{stamp}{int(now % 1 * 1e6):06d}Z-{_secrets.token_hex(4)}"


def _finished(record_id, host, started, result, captured: Captured, error, cancelled) -> dict:
    ended = time.time()
    event = {
        "event": "finished",
        "id": record_id,
        "host": host,
        "start": started,
        "end": ended,
        "duration": round(ended - started, 6),
        "exit_status": result.exit_status if result else None,
        "timed_out": bool(result and result.timed_out),
        "cancelled": cancelled or bool(result and result.cancelled),
        "error": error or (result.error if result else None) or ("cancelled" if cancelled else None),
        "stdout_excerpt": captured.stdout_excerpt,
        "stderr_excerpt": captured.stderr_excerpt,
        "stdout_bytes": captured.stdout_size,
        "stderr_bytes": captured.stderr_size,
        "stdout_file": captured.stdout_file,
        "stderr_file": captured.stderr_file,
    }
    return event
