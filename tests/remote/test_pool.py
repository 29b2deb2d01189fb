"""WorkerPool: limits, read-only gate, fan-out, cancellation, capture, the action log."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.remote.conftest import pgrep
from tests.remote.test_local import sleeper
from tui.remote.actionlog import ActionLog
from tui.remote.local import LocalTransport
from tui.remote.pool import WorkerPool
from tui.remote.secret import Secret
from tui.remote.transport import CommandResult, ReadOnlyError, TransportError


class CountingTransport:
    """A transport without capture support (like the demo) that records its concurrency."""

    def __init__(self, host: str, stats: dict) -> None:
        self.host = host
        self.stats = stats

    async def run(self, argv, *, stdin=None, env=None, timeout=None, on_output=None):
        self.stats["now"] += 1
        self.stats["peak"] = max(self.stats["peak"], self.stats["now"])
        self.stats.setdefault(self.host, 0)
        self.stats[self.host] += 1
        try:
            await asyncio.sleep(0.05)
        finally:
            self.stats["now"] -= 1
        out = b"".join(stdin.reveal() if isinstance(stdin, Secret) else (stdin or b"") for _ in range(2))
        return CommandResult(self.host, tuple(argv), 0, stdout=out + b"x" * 5000)


def local_pool(log=None, **kw) -> WorkerPool:
    return WorkerPool(lambda host: LocalTransport(host), log, **kw)


async def test_run_records_started_and_finished(tmp_path):
    log = ActionLog(tmp_path / "a.jsonl")
    pool = local_pool(log)
    seen = []
    log.subscribe(seen.append)
    result = await pool.run("localhost", ["sh", "-c", "echo hello; exit 3"], purpose="say hello")
    assert result.exit_status == 3 and result.stdout == b"hello\n"
    assert [e["event"] for e in seen] == ["started", "finished"]
    (record,) = log.records()
    assert record.state == "finished"
    assert record.get("argv") == ["sh", "-c", "echo hello; exit 3"]
    assert record.get("purpose") == "say hello" and record.get("exit_status") == 3
    assert record.get("stdout_excerpt") == "hello\n" and record.get("transport") == "local"
    assert record.get("duration") >= 0
    await pool.close()


async def test_read_only_refuses_mutations_before_anything_runs(tmp_path):
    log = ActionLog(tmp_path / "a.jsonl")
    pool = local_pool(log, read_only=True)
    marker = tmp_path / "touched"
    with pytest.raises(ReadOnlyError, match="read-only"):
        await pool.run("localhost", ["touch", str(marker)], purpose="change", mutates=True)
    assert not marker.exists()
    (record,) = log.records()
    assert record.state == "refused" and "read-only" in record.get("error")
    # reading is still allowed
    assert (await pool.run("localhost", ["true"], purpose="look")).ok
    with pytest.raises(ReadOnlyError):
        async for _ in pool.fan_out(["a", "b"], ["touch", str(marker)], purpose="x", mutates=True):
            pass
    assert not marker.exists()
    assert [r.state for r in log.records()].count("refused") == 3


async def test_concurrency_limits_overall_and_per_host():
    stats = {"now": 0, "peak": 0}
    pool = WorkerPool(lambda h: CountingTransport(h, stats), max_concurrency=5, per_host=2)
    runs = [pool.run(f"h{i % 4}", ["true"], purpose="t") for i in range(20)]
    await asyncio.gather(*runs)
    assert stats["peak"] <= 5
    one = {"now": 0, "peak": 0}
    pool = WorkerPool(lambda h: CountingTransport(h, one), per_host=2)
    await asyncio.gather(*(pool.run("same", ["true"], purpose="t") for _ in range(8)))
    assert one["peak"] == 2 and one["same"] == 8


async def test_transports_without_capture_get_the_same_scrubbing_and_cap(tmp_path):
    log = ActionLog(tmp_path / "a.jsonl")
    stats = {"now": 0, "peak": 0}
    pool = WorkerPool(lambda h: CountingTransport(h, stats), log, output_cap=100)
    result = await pool.run("demo", ["x"], purpose="t", stdin=Secret("s3cr3t!", "pw"))
    assert b"s3cr3t!" not in result.stdout and len(result.stdout) == 100
    assert result.stdout.startswith(b"<pw: redacted><pw: redacted>")
    assert result.stdout_spill and b"s3cr3t!" not in open(result.stdout_spill, "rb").read()


class DelayedLocal(LocalTransport):
    """Local commands that see $D = this host's delay: one argv, per-host behaviour."""

    def __init__(self, host: str, delay: str) -> None:
        super().__init__(host)
        self.delay = delay

    async def run(self, argv, **kw):
        kw["env"] = {**(kw.get("env") or {}), "D": self.delay}
        return await super().run(argv, **kw)


async def test_fan_out_yields_results_as_they_arrive(tmp_path):
    """Each host waits for a gate file the consumer creates when it gets the previous host's
    result: a fan_out that held results back would run into the commands' timeout."""
    gates = {"fast": "", "mid": str(tmp_path / "after-fast"), "slow": str(tmp_path / "after-mid")}
    pool = WorkerPool(lambda h: DelayedLocal(h, gates[h]))
    script = 'if [ -n "$D" ]; then while [ ! -e "$D" ]; do sleep 0.02; done; fi; echo ok'
    order = []
    async for result in pool.fan_out(gates, ["sh", "-c", script], purpose="t", timeout=20):
        assert result.ok and not result.timed_out
        order.append(result.host)
        (tmp_path / f"after-{result.host}").touch()
    assert order == ["fast", "mid", "slow"]


async def test_fan_out_reports_unreachable_hosts_as_results():
    def transport_for(host):
        if host == "bad":
            class Broken:
                host = "bad"

                async def run(self, argv, **kw):
                    raise TransportError("bad", "connection refused")

                async def close(self):
                    pass
            return Broken()
        return LocalTransport(host)

    pool = WorkerPool(transport_for)
    results = {r.host: r async for r in pool.fan_out(["good", "bad"], ["true"], purpose="t")}
    assert results["good"].ok
    assert results["bad"].exit_status is None and "connection refused" in results["bad"].error


async def test_closing_a_fan_out_early_kills_the_rest(tmp_path):
    seconds, pattern = sleeper()
    delays = {"quick": "0", "hung": seconds}
    log = ActionLog(tmp_path / "a.jsonl")
    pool = WorkerPool(lambda h: DelayedLocal(h, delays[h]), log)
    gen = pool.fan_out(delays, ["sh", "-c", 'sleep "$D"'], purpose="t")
    first = await gen.__anext__()
    assert first.host == "quick" and first.ok
    deadline = time.monotonic() + 5
    while not pgrep(pattern) and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    assert pgrep(pattern)
    await gen.aclose()
    deadline = time.monotonic() + 5
    while pgrep(pattern) and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    assert not pgrep(pattern)
    hung = [r for r in log.records() if r.get("host") == "hung"]
    assert hung[-1].state == "finished" and hung[-1].get("cancelled") is True


async def test_timeout_is_recorded(tmp_path):
    log = ActionLog(tmp_path / "a.jsonl")
    pool = local_pool(log)
    seconds, pattern = sleeper()
    result = await pool.run("localhost", ["sleep", seconds], purpose="hang", timeout=0.3)
    assert result.timed_out and not pgrep(pattern)
    (record,) = log.records()
    assert record.get("timed_out") is True and "timed out" in record.get("error")


async def test_unknown_host_is_a_transport_error_not_a_crash():
    def transport_for(host):
        raise KeyError(f"no node named {host!r}")

    pool = WorkerPool(transport_for)
    with pytest.raises(TransportError, match="no way to reach it: no node named 'ghost'"):
        await pool.run("ghost", ["true"], purpose="t")
    (result,) = [r async for r in pool.fan_out(["ghost"], ["true"], purpose="t")]
    assert result.exit_status is None and "no node named" in result.error


async def test_output_is_streamed_to_the_caller_scrubbed(tmp_path):
    chunks: list[tuple[str, bytes]] = []
    pool = local_pool(ActionLog(tmp_path / "a.jsonl"))
    await pool.run("localhost", ["sh", "-c", "cat; echo tail >&2"], purpose="t",
                   stdin=Secret("abc-secret-123", "pw"),
                   on_output=lambda stream, chunk: chunks.append((stream, chunk)))
    assert b"".join(c for s, c in chunks if s == "stdout") == b"<pw: redacted>"
    assert b"".join(c for s, c in chunks if s == "stderr") == b"tail\n"


async def test_every_record_names_its_cluster_and_transport_kind(tmp_path):
    from tui.session import _WithEnv

    log = ActionLog(tmp_path / "a.jsonl")
    pool = WorkerPool(lambda h: _WithEnv(LocalTransport(h), {"X": "1"}), log, cluster="prod",
                      transport_kind="local")
    await pool.run("localhost", ["true"], purpose="wrapped")
    pool.read_only = True
    with pytest.raises(ReadOnlyError):
        await pool.run("localhost", ["true"], purpose="refused", mutates=True)
    await pool.close()
    stats = {"now": 0, "peak": 0}
    demo = WorkerPool(lambda h: CountingTransport(h, stats), log, cluster="demo-c", transport_kind="demo")
    demo.read_only = True
    with pytest.raises(ReadOnlyError):
        await demo.run("n1", ["x"], purpose="refused demo", mutates=True)
    got = [(r.get("purpose"), r.get("cluster"), r.get("transport")) for r in log.records()]
    assert got == [("wrapped", "prod", "local"), ("refused", "prod", "local"),
                   ("refused demo", "demo-c", "demo")]


async def test_reads_skip_the_action_log_and_the_read_only_gate(tmp_path):
    log = ActionLog(tmp_path / "a.jsonl")
    pool = local_pool(log, read_only=True, cluster="c")
    result = await pool.run("localhost", ["echo", "hi"], purpose="look", read=True)
    assert result.stdout == b"hi\n"
    assert log.records() == []
    (read,) = log.reads.records()
    assert (read["cluster"], read["host"], read["argv"], read["exit_status"], read["stdout_bytes"]) == (
        "c", "localhost", ["echo", "hi"], 0, 3)
    with pytest.raises(ValueError):
        await pool.run("localhost", ["true"], purpose="x", read=True, mutates=True)
    await pool.close()
