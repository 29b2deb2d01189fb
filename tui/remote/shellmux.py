"""One long-lived remote command runner per host, so a command does not cost a login.

sshd runs every exec request through the user's login shell, and bash reads ~/.bashrc for
it (~80 ms of `pyenv init` as root on the bench machine). The mux pays that once: one SSH
session whose login shell execs a small Python program (REMOTE, stdlib only, Python 3.6+;
the system's python3, never a PATH lookup that could land on a pyenv shim). That program
reads framed requests on stdin and runs each command itself, several at a time.

Wire format, both directions: a header `nonce(16) kind(1) id(4) length(4)` then `length`
payload bytes. The nonce is random per session and sent first on stdin (never in argv, so
`ps` does not show it); the mux greets with `\\npcmk-console-mux <nonce hex>\\n` and from
then on writes only frames. Anything the login shell's rc files print before the greeting
is dropped. Command output only ever travels as frame payload, counted by length, so no
byte sequence in it can end a command or start another: a frame is just data (the tests
print one with the real nonce). A header whose nonce is wrong means the stream is corrupt:
the mux is given up on and a fresh one started.

  client -> mux  R run   payload: the words (sudo, env prefix, argv) joined by NUL, run
                         with execvp, no shell: exactly argv
                 K kill  payload: TERM | KILL | KILL sudo (kill the job's process group)
  mux -> client  S started (payload: pid = the job's process group, as setsid made it)
                 O stdout chunk, E stderr chunk (at most 64 KiB each)
                 X ended: `exit N` or `signal N`, sent once the process has exited and
                   both pipes are closed (what sshd waits for before closing a channel)

Each command gets a new session (setsid) like an sshd session, stdin /dev/null (like
`ssh -n`), default SIGPIPE. Commands with stdin do not come here: SshTransport gives them
a channel of their own, so secrets piped to a command never share this stream.

What a command sees that a session per command would not (tests/remote/test_shellmux.py
checks cwd, umask, limits and the environment are the same): the rc files ran once, when
the mux started, so what they export is frozen until the next mux (the next connection);
its parent is python3, not sshd; stdin is /dev/null, not an empty pipe; "not found" is
worded by the mux (exit 127 / 126 as a shell gives). A host without python3 gets a session
per command (MuxUnavailable), as does a mux that could not start on this connection.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
import shlex
import signal
import struct
from dataclasses import dataclass
from typing import Sequence

import asyncssh

from tui.remote.capture import OutputCapture

HEADER = struct.Struct(">16sBII")
GREETING = b"\npcmk-console-mux "
NO_PYTHON = "pcmk-console-mux: no python3"
NOISE_KEPT = 2048  # bytes of the mux's own stderr kept to explain a failed start
KILL_GRACE = 2.0

REMOTE = r'''
import errno, os, select, struct, sys
import _signal as sig  # the C module: `signal` would import enum, `subprocess` more (~10 ms)
H = struct.Struct(">16sBII")
def put(data):
    view = memoryview(data)
    while view:
        view = view[os.write(1, view):]
def spawn(argv, devnull):
    # every fd Python opens is close-on-exec, so the command gets only 0, 1 and 2
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    chk_r, chk_w = os.pipe()  # closed by a successful exec; else carries the errno
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            os.dup2(devnull, 0)
            os.dup2(out_w, 1)
            os.dup2(err_w, 2)
            sig.signal(sig.SIGPIPE, sig.SIG_DFL)  # Python ignores these; exec would keep that
            sig.signal(sig.SIGXFSZ, sig.SIG_DFL)
            os.execvp(argv[0], argv)
        except OSError as exc:
            os.write(chk_w, b"%d" % exc.errno)
        finally:
            os._exit(127)
    for fd in (out_w, err_w, chk_w):
        os.close(fd)
    failed = os.read(chk_r, 32)
    os.close(chk_r)
    if failed:
        os.waitpid(pid, 0)
        os.close(out_r)
        os.close(err_r)
        raise OSError(int(failed), os.strerror(int(failed)))
    return pid, out_r, err_r
def main():
    # python3.7+ may have coerced a C locale by setting LC_CTYPE: give commands the original
    if sys.argv[3]:
        os.environ["LC_CTYPE"] = sys.argv[2]
    else:
        os.environ.pop("LC_CTYPE", None)
    nonce = b""
    while len(nonce) < 16:
        more = os.read(0, 16 - len(nonce))
        if not more:
            return
        nonce += more
    def send(kind, job, payload=b""):
        put(H.pack(nonce, kind, job, len(payload)) + payload)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    sig.set_wakeup_fd(wake_w)
    sig.signal(sig.SIGCHLD, lambda *a: None)
    devnull = os.open(os.devnull, os.O_RDWR)
    jobs, pipes, buf = {}, {}, b""  # jobs: id -> [pid, open pipes, wait status or None]
    put(b"\npcmk-console-mux " + nonce.hex().encode() + b"\n")
    def start(job, payload):
        argv = payload.split(b"\0")
        try:
            pid, out_r, err_r = spawn(argv, devnull)
        except OSError as exc:
            name = argv[0].decode("utf-8", "replace")
            send(69, job, ("pcmk-console: %s: %s\n" % (name, exc.strerror)).encode())
            send(88, job, b"exit %d" % (127 if exc.errno == errno.ENOENT else 126))
            return
        send(83, job, b"%d" % pid)
        jobs[job] = [pid, 2, None]
        pipes[out_r] = (job, 79)
        pipes[err_r] = (job, 69)
    def kill(job, payload):
        entry = jobs.get(job)
        if entry is None:
            return
        words = payload.split()
        try:
            os.killpg(entry[0], getattr(sig, "SIG" + words[0].decode()))
        except OSError:
            pass
        if words[1:] == [b"sudo"]:  # root-owned members: only sudo may kill them
            killer = os.fork()
            if killer == 0:
                try:
                    os.dup2(devnull, 0)
                    os.dup2(devnull, 1)
                    os.dup2(devnull, 2)
                    os.execvp("sudo", ["sudo", "-n", "--", "kill", "-" + words[0].decode(),
                                       "--", "-%d" % entry[0]])
                finally:
                    os._exit(127)
            os.waitpid(killer, 0)
    while True:
        # a job whose pipes closed but that has not been reaped: poll for it soon
        late = any(e[1] == 0 and e[2] is None for e in jobs.values())
        ready = select.select([0, wake_r] + list(pipes), [], [], 0.005 if late else None)[0]
        for fd in ready:
            if fd == 0:
                data = os.read(0, 65536)
                if not data:
                    return  # the client is gone: like a closed session, commands see EPIPE
                buf += data
                while len(buf) >= H.size:
                    tag, kind, job, size = H.unpack_from(buf)
                    if tag != nonce:
                        sys.exit(3)
                    if len(buf) < H.size + size:
                        break
                    payload, buf = buf[H.size:H.size + size], buf[H.size + size:]
                    if kind == 82:
                        start(job, payload)
                    elif kind == 75:
                        kill(job, payload)
            elif fd == wake_r:
                os.read(wake_r, 4096)
            else:
                job, kind = pipes[fd]
                data = os.read(fd, 65536)
                if data:
                    send(kind, job, data)
                else:
                    del pipes[fd]
                    os.close(fd)
                    jobs[job][1] -= 1
        for job, entry in list(jobs.items()):
            if entry[2] is None:
                pid, status = os.waitpid(entry[0], os.WNOHANG)
                if pid:
                    entry[2] = status
            if entry[2] is not None and entry[1] == 0:
                del jobs[job]
                status = entry[2]
                if os.WIFSIGNALED(status):
                    send(88, job, b"signal %d" % os.WTERMSIG(status))
                else:
                    send(88, job, b"exit %d" % os.WEXITSTATUS(status))
try:
    main()
except BrokenPipeError:
    pass
'''


def bootstrap_line() -> str:
    """What the login shell runs: exec the first system python3 with the mux program."""
    program = shlex.quote(REMOTE)
    return (
        "for p in /usr/bin/python3 /usr/libexec/platform-python /usr/local/bin/python3; do "
        f'if [ -x "$p" ]; then exec "$p" -I -S -c {program} pcmk-console-mux '
        '"${LC_CTYPE-}" "${LC_CTYPE+set}"; fi; done; '
        f"echo {shlex.quote(NO_PYTHON)} >&2; exit 127"
    )


class MuxUnavailable(Exception):
    """The mux could not be started (no python3 there, or the session ended first)."""


class NotStarted(Exception):
    """The mux ended before it said it started the command: it never ran; run it again."""


@dataclass(frozen=True, slots=True)
class Outcome:
    exit_status: int | None = None
    signal: str | None = None  # the signal's name ("KILL") when one ended the command
    lost: str | None = None  # why the command's end is unknown
    timed_out: bool = False


class _Job:
    __slots__ = ("capture", "done", "pid")

    def __init__(self, capture: OutputCapture) -> None:
        self.capture = capture
        self.done: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self.pid: int | None = None  # set by the S frame: from then on it may have run


class _Channel(asyncssh.SSHClientSession):
    def __init__(self, mux: ShellMux) -> None:
        self.mux = mux

    def data_received(self, data: bytes, datatype) -> None:
        if datatype == asyncssh.EXTENDED_DATA_STDERR:
            self.mux._noise = (self.mux._noise + data)[-NOISE_KEPT:]
        else:
            self.mux._feed(data)

    def connection_lost(self, exc) -> None:
        self.mux._end(f"the remote command runner ended{f': {exc}' if exc else ''}")


class ShellMux:
    """One mux session on a connection. Create with `await ShellMux.open(conn, ...)`."""

    def __init__(self, host: str, sudo: bool) -> None:
        self.host = host
        self.sudo = sudo
        self.nonce = secrets.token_bytes(16)
        self._buf = bytearray()
        self._greeted = asyncio.get_running_loop().create_future()
        self._jobs: dict[int, _Job] = {}
        self._ids = itertools.count(1)
        self._noise = b""
        self._chan: asyncssh.SSHClientChannel | None = None
        self.ended: str | None = None  # why it is no longer usable

    @classmethod
    async def open(cls, conn, host: str, *, sudo: bool, timeout: float) -> ShellMux:
        mux = cls(host, sudo)
        try:
            mux._chan, _ = await conn.create_session(lambda: _Channel(mux), bootstrap_line(),
                                                     encoding=None)
        except asyncssh.ChannelOpenError as exc:
            raise MuxUnavailable(exc.reason) from None
        try:
            mux._chan.write(mux.nonce)
            await asyncio.wait_for(asyncio.shield(mux._greeted), timeout)
        except TimeoutError:
            mux.close()
            raise MuxUnavailable(f"no greeting within {timeout:g}s") from None
        except BaseException:  # cancelled, or the channel broke: leave nothing running
            mux.close()
            raise
        if mux.ended:
            raise MuxUnavailable(mux._why_not())
        return mux

    def _why_not(self) -> str:
        noise = self._noise.decode("utf-8", "replace")
        return NO_PYTHON if NO_PYTHON in noise else (self.ended or "ended")

    @property
    def usable(self) -> bool:
        return self.ended is None and self._chan is not None and not self._chan.is_closing()

    # -- the stream from the mux ----------------------------------------------------------

    def _feed(self, data: bytes) -> None:
        buf = self._buf
        buf += data
        if not self._greeted.done():
            hello = GREETING + self.nonce.hex().encode() + b"\n"
            at = buf.find(hello)
            if at < 0:
                del buf[: max(0, len(buf) - len(hello))]  # rc-file noise
                return
            del buf[: at + len(hello)]
            self._greeted.set_result(None)
        size = HEADER.size
        while len(buf) >= size:
            tag, kind, job_id, length = HEADER.unpack_from(buf)
            if tag != self.nonce:
                self._end("corrupt stream from the remote command runner")
                self.close()
                return
            if len(buf) < size + length:
                return
            payload = bytes(buf[size : size + length])
            del buf[: size + length]
            job = self._jobs.get(job_id)
            if job is not None:
                self._frame(job_id, job, kind, payload)

    def _frame(self, job_id: int, job: _Job, kind: int, payload: bytes) -> None:
        if kind == 79:  # O
            job.capture.feed("stdout", payload)
        elif kind == 69:  # E
            job.capture.feed("stderr", payload)
        elif kind == 83:  # S
            job.pid = int(payload)
        elif kind == 88:  # X
            del self._jobs[job_id]
            how, _, number = payload.partition(b" ")
            if how == b"signal":
                try:
                    name = signal.Signals(int(number)).name.removeprefix("SIG")
                except ValueError:
                    name = number.decode()
                outcome = Outcome(signal=name)
            else:
                outcome = Outcome(exit_status=int(number))
            if not job.done.done():
                job.done.set_result(outcome)

    def _end(self, why: str) -> None:
        if self.ended is None:
            self.ended = why
        if not self._greeted.done():
            self._greeted.set_result(None)
        jobs, self._jobs = self._jobs, {}
        for job in jobs.values():
            if not job.done.done():
                if job.pid is None:
                    job.done.set_exception(NotStarted(why))
                else:
                    job.done.set_result(Outcome(lost=why))

    # -- commands ---------------------------------------------------------------------------

    def _send(self, kind: bytes, job_id: int, payload: bytes) -> None:
        self._chan.write(HEADER.pack(self.nonce, kind[0], job_id, len(payload)) + payload)

    async def run(self, words: Sequence[str], capture: OutputCapture,
                  timeout: float | None) -> Outcome:
        """Run one command; NotStarted when the mux ended before starting it."""
        encoded = [w.encode("utf-8", "surrogateescape") for w in words]
        if any(b"\0" in w for w in encoded):
            raise ValueError("an argument contains a NUL byte")
        if not self.usable:
            raise NotStarted(self.ended or "closed")
        job_id = next(self._ids)
        job = self._jobs[job_id] = _Job(capture)
        try:
            self._send(b"R", job_id, b"\0".join(encoded))
        except (OSError, asyncssh.Error) as exc:
            del self._jobs[job_id]
            raise NotStarted(str(exc)) from None
        try:
            return await asyncio.wait_for(asyncio.shield(job.done), timeout)
        except TimeoutError:
            await self._kill(job_id, job)
            return Outcome(timed_out=True)
        except asyncio.CancelledError:
            await asyncio.shield(self._kill(job_id, job))
            raise

    async def _kill(self, job_id: int, job: _Job) -> None:
        """TERM the job's process group, then KILL it (through sudo in sudo mode).

        TERM first because under sudo the group holds root-owned processes the login user
        may not signal, but sudo relays a TERM it receives to its command."""
        for sig in ("TERM", "KILL sudo" if self.sudo else "KILL"):
            if job.done.done() or not self.usable:
                break
            try:
                self._send(b"K", job_id, sig.encode())
            except (OSError, asyncssh.Error):
                break
            try:
                await asyncio.wait_for(asyncio.shield(job.done), KILL_GRACE / 2)
            except TimeoutError:
                continue
            except Exception:  # NotStarted: it had ended with the mux
                break
        self._jobs.pop(job_id, None)  # an X frame after this is not waited for
        if not job.done.done():
            job.done.cancel()
        elif not job.done.cancelled():
            job.done.exception()  # retrieved: no "never retrieved" warning

    def close(self) -> None:
        if self._chan is not None:
            self._chan.close()
        self._end("closed")
