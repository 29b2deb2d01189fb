"""Run commands over SSH with asyncssh: one connection per host, one mux per connection.

Why the pieces look the way they do:
- A command without stdin goes to the host's mux (tui/remote/shellmux.py): one session
  whose login shell ran once and then runs framed commands, so the rc files (~80 ms as root
  with `pyenv init`) are not paid per command. A command with stdin (secrets such as the
  authkey are piped) gets a session channel of its own, as does every command with
  `mux=False`, or when the host has no python3 for the mux.
- A session's command line is `printf MARKER PGID >&2; exec <shlex.join(argv)>`. sshd starts every
  session in a new process group, so the login shell's $$ is that group; the marked stderr
  line tells us which group to kill on timeout or cancel. OpenSSH refuses the SSH "signal" request for
  root logins ("session signalling requires privilege separation"), so the kill is sent as a
  `kill -KILL -- -PGID` on a second channel instead.
- Environment goes in as an `env VAR=val` prefix inside argv: default sshd accepts no SendEnv.
- Host keys are always checked against known_hosts (an absent file means "nothing is
  trusted", never "trust everything"); an unknown key's SHA256 fingerprint is reported with
  how to accept it, a changed key is refused. asyncssh reads ~/.ssh/config, where
  `UserKnownHostsFile none` would make it check nothing at all; so the known_hosts files are
  resolved here and always passed explicitly ("none" leaves the global files, as in
  OpenSSH), and a ProxyJump from ~/.ssh/config becomes SshTransports of our own, held to the
  same rule. Only `skip_host_key_check` (the config's insecure_skip_host_key_check) turns
  checking off.
- Only connection setup is retried (with backoff, for quick failures such as "refused" or a
  reset handshake; a timeout already waited long enough): a command that may have run never is.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shlex
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import AsyncIterator, Mapping, Sequence

import asyncssh

from tui.remote.capture import DEFAULT_CAP, OutputCapture, secrets_of
from tui.remote.hostspec import parse_host_spec
from tui.remote.secret import Secret
from tui.remote.shellmux import MuxUnavailable, NotStarted, Outcome, ShellMux
from tui.remote.stream import LineFeed
from tui.remote.transport import CommandResult, OutputCallback, TransportError

MARKER_WAIT = 64 * 1024
SUDO = ("sudo", "-n", "--")
SUDO_NEEDS_PASSWORD = b"a password is required"
# AES-GCM first: AES-NI through `cryptography` costs less client CPU per packet than
# asyncssh's chacha20-poly1305 (bench/fanout); all are strong, the server picks from these
CIPHERS = ("aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com",
           "aes256-ctr", "aes192-ctr", "aes128-ctr")
KILL_GRACE = 2.0  # seconds to wait for the channel to close after the kill
USER_KNOWN_HOSTS = "~/.ssh/known_hosts"
# known_hosts data with no entry; b"" or [] would not do: asyncssh reads them as "default"
TRUST_NOTHING = b"# no known_hosts file: nothing is trusted\n"
MAX_JUMPS = 8  # a ProxyJump chain longer than this is a loop in ~/.ssh/config


def _env_prefix(env: Mapping[str, str] | None) -> tuple[str, ...]:
    if not env:
        return ()
    words = ["env"]
    for key, value in env.items():
        if not key or not (key[0].isalpha() or key[0] == "_") or not all(
            c.isalnum() or c == "_" for c in key
        ):
            raise ValueError(f"invalid environment variable name {key!r}")
        if isinstance(value, Secret):
            raise ValueError(f"environment variable {key}: a Secret would show in `ps`; use stdin")
        words.append(f"{key}={value}")
    return tuple(words)


class _Client(asyncssh.SSHClient):
    """Remembers the host key the server offered when known_hosts did not trust it."""

    def __init__(self, owner: SshTransport) -> None:
        self._owner = owner
        self.offered_key: asyncssh.SSHKey | None = None

    def validate_host_public_key(self, host, addr, port, key) -> bool:
        self.offered_key = key
        return False

    def connection_lost(self, exc) -> None:
        self._owner._connection_lost(self)


class _Session(asyncssh.SSHClientSession):
    """Feeds channel data into the capture; takes the PGID marker line out of stderr.

    The marker carries a per-command nonce, so login-shell noise on stderr before it (an
    `stty` in ~/.bashrc complaining about the missing tty) stays output, and no output can
    pass for the marker. stderr is held back until the marker is seen (it is the first thing
    the command line does), at most MARKER_WAIT bytes.
    """

    def __init__(self, capture: OutputCapture, marker: bytes) -> None:
        self.capture = capture
        self.marker = marker
        self.pgid: int | None = None
        self._held: bytes | None = b""  # None once the marker was found (or given up on)
        self.lost: Exception | None = None

    def data_received(self, data: bytes, datatype) -> None:
        if datatype != asyncssh.EXTENDED_DATA_STDERR:
            self.capture.feed("stdout", data)
            return
        if self._held is not None:
            self._held += data
            at = self._held.find(self.marker)
            end = self._held.find(b"\n", at) if at >= 0 else -1
            if end >= 0:
                number = self._held[at + len(self.marker) : end].strip()
                self.pgid = int(number) if number.isdigit() else None
                data, self._held = self._held[:at] + self._held[end + 1 :], None
            elif len(self._held) > MARKER_WAIT:  # the shell did not run our preamble
                data, self._held = self._held, None
            else:
                return
        if data:
            self.capture.feed("stderr", data)

    def connection_lost(self, exc) -> None:
        self.lost = exc
        if self._held:  # ended without a marker: it was all output
            self.capture.feed("stderr", self._held)
        self._held = None


class SshTransport:
    kind = "ssh"
    accepts_capture = True

    def __init__(
        self,
        host: str,
        *,
        port: int | None = 22,
        username: str | None = "root",
        identity_files: Sequence[str | Path] = (),
        known_hosts: str | Path | None = None,
        jump: SshTransport | str | None = None,
        sudo: bool = False,
        connect_timeout: float = 10,
        keepalive_interval: float = 15,
        connect_retries: int = 2,
        retry_backoff: float = 0.5,
        ssh_config: Sequence[str | Path] | None | tuple = (),
        output_cap: int = DEFAULT_CAP,
        name: str | None = None,
        skip_host_key_check: bool = False,
        mux: bool = True,
        _jump_depth: int = 0,
    ) -> None:
        """mux=False: a session per command, never the mux (see the module docstring)."""
        self.host = host
        self.port = port
        self.username = username
        self.identity_files = tuple(str(p) for p in identity_files)
        self.known_hosts = Path(known_hosts).expanduser() if known_hosts else None
        self.jump = jump
        self.sudo = sudo
        self.connect_timeout = connect_timeout
        self.keepalive_interval = keepalive_interval
        self.connect_retries = connect_retries
        self.retry_backoff = retry_backoff
        # () = ~/.ssh/config as OpenSSH would; None = no config file (tests); else these paths
        self.ssh_config = ssh_config if ssh_config in ((), None) else [str(p) for p in ssh_config]
        self.output_cap = output_cap
        self.name = name or host
        self.skip_host_key_check = skip_host_key_check
        self._jump_depth = _jump_depth
        self._config_jump: SshTransport | None = None  # the ~/.ssh/config ProxyJump, once made
        self._trust = _Trust((), "", self.host, port or 22)  # what the last connect trusted
        self._conn: asyncssh.SSHClientConnection | None = None
        self._client: _Client | None = None
        self._lock = asyncio.Lock()
        self.connects = 0  # how many connections were set up (tests, bench)
        self.mux = mux
        self._mux: ShellMux | None = None
        self._mux_lock = asyncio.Lock()
        self._mux_refused = None  # the connection on which the mux could not start
        self.mux_opened = 0  # how many mux sessions were started (tests, bench)

    @property
    def jump_spec(self) -> str | None:
        """The jump chain as `ssh -J` takes it (for the log's --export-sh)."""
        if isinstance(self.jump, SshTransport):
            j = self.jump
            own = (f"{j.username}@" if j.username else "") + j.host + (f":{j.port}" if j.port else "")
            return f"{self.jump.jump_spec},{own}" if self.jump.jump else own
        return self.jump

    def __repr__(self) -> str:
        return f"SshTransport({self.username}@{self.host}:{self.port})"

    @property
    def host_keys_verified(self) -> bool:
        """False when this host, or a jump host on the way, is reached without a key check."""
        jumps = [j for j in (self.jump, self._config_jump) if isinstance(j, SshTransport)]
        return not self.skip_host_key_check and all(j.host_keys_verified for j in jumps)

    # -- connection ---------------------------------------------------------------------

    def _connection_lost(self, client: _Client) -> None:
        if client is self._client:
            self._conn = self._client = None

    async def connection(self) -> asyncssh.SSHClientConnection:
        """The shared connection to this host, set up (with retries) when there is none."""
        async with self._lock:
            if self._conn is None:
                self._conn = await self._connect_with_retries()
            return self._conn

    async def _connect_with_retries(self) -> asyncssh.SSHClientConnection:
        delay = self.retry_backoff
        for attempt in range(self.connect_retries + 1):
            try:
                return await self._connect_once()
            except _Retryable as exc:
                if attempt == self.connect_retries:
                    raise TransportError(self.name, exc.message, hint=exc.hint) from None
                await asyncio.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")

    async def _connect_once(self) -> asyncssh.SSHClientConnection:
        client = _Client(self)
        options: dict = dict(
            config=self.ssh_config,
            connect_timeout=self.connect_timeout,
            keepalive_interval=self.keepalive_interval,
            keepalive_count_max=3,
            client_factory=lambda: client,
            encryption_algs=CIPHERS,
        )
        if self.identity_files:
            options["client_keys"] = list(self.identity_files)
        # None: whatever ~/.ssh/config says for this host (else OpenSSH's defaults)
        if self.port is not None:
            options["port"] = self.port
        if self.username is not None:
            options["username"] = self.username
        where = f"{self.username or ''}{'@' if self.username else ''}{self.host}:{self.port or 22}"
        try:
            # what ~/.ssh/config makes of this host: its known_hosts files, its ProxyJump
            resolved = await asyncssh.SSHClientConnectionOptions.construct(host=self.host, **options)
            self._trust = self._trusted(resolved)
            tunnel = await self._tunnel(resolved)
            conn = await asyncssh.connect(
                self.host, **options, tunnel=tunnel,
                known_hosts=None if self.skip_host_key_check else (list(self._trust.files) or TRUST_NOTHING),
            )
        except asyncssh.HostKeyNotVerifiable:
            raise self._host_key_error(client.offered_key) from None
        except asyncssh.PermissionDenied as exc:
            keys = ", ".join(self.identity_files) or "ssh-agent and ~/.ssh/id_*"
            raise TransportError(
                self.name,
                f"authentication failed for {where}: {exc.reason}",
                hint=f"tried keys: {keys}; is the public key in ~{self.username or ''}/.ssh/authorized_keys?",
            ) from None
        except socket.gaierror as exc:
            raise TransportError(self.name, f"cannot resolve {self.host}: {exc.strerror}") from None
        except ConnectionRefusedError:
            raise _Retryable(f"connection refused by {self.host}:{self.port or 22}", "is sshd running there?")
        except (TimeoutError, asyncio.TimeoutError):
            # not retried: it already waited connect_timeout; three times that stalls callers
            raise TransportError(
                self.name, f"no SSH connection to {where} within {self.connect_timeout:g}s",
                hint="host down or a firewall dropping packets?",
            ) from None
        except (OSError, asyncssh.DisconnectError) as exc:
            raise _Retryable(f"cannot connect to {where}: {exc}", None)
        except asyncssh.Error as exc:
            raise TransportError(self.name, f"SSH error with {where}: {exc}") from None
        except ValueError as exc:  # asyncssh refusing a ~/.ssh/config value
            raise TransportError(self.name, f"SSH settings for {where}: {exc}") from None
        self._client = client
        self.connects += 1
        return conn

    def _trusted(self, resolved) -> _Trust:
        """The known_hosts files this connection trusts, and why those.

        asyncssh takes known_hosts=None (what `UserKnownHostsFile none` gives it) as "check
        nothing"; OpenSSH takes it as "no user file", the global ones still count. A file
        that is missing or unreadable trusts nothing (asyncssh would stop on it instead).
        """
        host = resolved.host_key_alias or resolved.host or self.host
        port = resolved.port or 22
        if self.known_hosts is not None:
            named, why = [str(self.known_hosts)], "known_hosts in the console config"
        elif resolved.known_hosts is None:  # UserKnownHostsFile none
            named = list(resolved.config.get("GlobalKnownHostsFile", []))
            why = "~/.ssh/config says UserKnownHostsFile none: only GlobalKnownHostsFile counts"
        elif resolved.known_hosts:
            named, why = [str(f) for f in resolved.known_hosts], "named by ~/.ssh/config"
        else:
            named, why = [USER_KNOWN_HOSTS], ""
        named = [str(Path(f).expanduser()) for f in named]
        readable = tuple(f for f in named if os.path.isfile(f) and os.access(f, os.R_OK))
        return _Trust(readable, why, host, port, tuple(named))

    async def _tunnel(self, resolved):
        """The connection to go through: our jump, else ~/.ssh/config's ProxyJump as our own."""
        if isinstance(self.jump, SshTransport):
            return await self.jump.connection()
        spec = self.jump or resolved.tunnel  # a string: [user@]host[:port][,...]
        if not spec:
            return ()
        if not isinstance(spec, str):
            raise TransportError(self.name, f"unexpected ProxyJump {spec!r}")
        if self._config_jump is None:
            if self._jump_depth >= MAX_JUMPS:
                raise TransportError(self.name, f"ProxyJump chain longer than {MAX_JUMPS} hops: a loop in ~/.ssh/config?")
            previous: SshTransport | None = None
            for hop in [h.strip() for h in spec.split(",") if h.strip()]:
                try:  # unset user and port: ~/.ssh/config (or OpenSSH's defaults) decides
                    user, host, port = parse_host_spec(hop, default_user="", default_port=0)
                except ValueError as exc:
                    raise TransportError(self.name, f"ProxyJump: {exc}") from None
                previous = SshTransport(
                    host, port=port or None, username=user or None,
                    identity_files=self.identity_files, known_hosts=self.known_hosts,
                    jump=previous, connect_timeout=self.connect_timeout,
                    ssh_config=self.ssh_config, connect_retries=0, name=hop,
                    skip_host_key_check=self.skip_host_key_check,
                    _jump_depth=self._jump_depth + 1,
                )
            self._config_jump = previous
        if self._config_jump is None:
            return ()
        return await self._config_jump.connection()

    def _known_hosts_file(self) -> Path:
        """Where to add an accepted key: the first file checked that can hold it."""
        for name in (*self._trust.files, *self._trust.named):
            if os.path.isfile(name) or not os.path.exists(name):  # not /dev/null
                return Path(name)
        return Path(USER_KNOWN_HOSTS).expanduser()

    def _host_key_error(self, key) -> TransportError:
        trust = self._trust
        fingerprint = key.get_fingerprint("sha256") if key is not None else "unknown"
        port = trust.port
        pattern = trust.host if port == 22 else f"[{trust.host}]:{port}"
        trusted: list = []
        if trust.files:
            try:
                trusted = asyncssh.match_known_hosts(
                    list(trust.files), trust.host, trust.host, None if port == 22 else port
                )[0]
            except (OSError, ValueError):
                trusted = []
        listed = ", ".join(trust.files)
        why = f" ({trust.why})" if trust.why else ""
        if trusted:
            return TransportError(
                self.name,
                f"HOST KEY CHANGED for {pattern}: the server offered {fingerprint}, "
                f"which does not match {listed}{why}; refusing to connect",
                hint="this may be a man-in-the-middle attack; if the host was really "
                f"reinstalled, remove the old entry with `ssh-keygen -R '{pattern}' -f {trust.files[0]}`",
            )
        if trust.files:
            where = f"is not in {listed}{why}"
        else:
            missing = ", ".join(trust.named)
            where = f"is not trusted: {missing + ' does not exist or is not a file' if missing else 'no known_hosts file'}{why}"
        file = self._known_hosts_file()
        scan = f"ssh-keyscan -p {port} {trust.host} >> {file}"
        also = "" if str(file) in trust.named else f", and set `known_hosts: {file}` in the console config"
        return TransportError(
            self.name,
            f"unknown host key for {pattern}: {fingerprint} {where}",
            hint=f"check the fingerprint on the host (`ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub`), "
            f"then accept it with `{scan}`{also}",
        )

    # -- commands -----------------------------------------------------------------------

    def command_words(self, argv: Sequence[str], env: Mapping[str, str] | None = None) -> tuple[str, ...]:
        """The remote argv: sudo, the env prefix, then argv."""
        return (*(SUDO if self.sudo else ()), *_env_prefix(env), *argv)

    def command_line(self, argv: Sequence[str], env: Mapping[str, str] | None = None) -> str:
        """The remote command line, without the PGID preamble."""
        return shlex.join(self.command_words(argv, env))

    async def run(
        self,
        argv: Sequence[str],
        *,
        stdin: bytes | Secret | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float | None = None,
        on_output: OutputCallback | None = None,
        capture: OutputCapture | None = None,
    ) -> CommandResult:
        argv = tuple(argv)
        if not argv:
            raise ValueError("empty argv")
        words = self.command_words(argv, env)
        if capture is None:
            capture = OutputCapture(
                cap=self.output_cap, secrets=secrets_of(stdin, env), on_output=on_output
            )
        started = time.time()
        outcome = None
        try:
            if stdin is None and self.mux:
                outcome = await self._run_muxed(words, capture, timeout)
            if outcome is None:
                outcome = await self._run_session(words, stdin, capture, timeout)
        except asyncio.CancelledError:
            capture.close()
            raise
        captured = capture.close()
        status, error = outcome.exit_status, None
        if outcome.timed_out:
            status, error = None, f"timed out after {timeout:g}s; remote process group killed"
        elif outcome.signal is not None:
            status, error = None, f"remote process killed by signal {outcome.signal}"
        elif outcome.lost is not None or status is None or status < 0:
            reason = f": {outcome.lost}" if outcome.lost else ""
            status, error = None, f"connection to {self.host} lost before the command finished{reason}"
        elif self.sudo and status == 1 and SUDO_NEEDS_PASSWORD in captured.stderr:
            error = (
                f"sudo on {self.host} needs a password for {self.username}; allow these "
                "commands with NOPASSWD in sudoers or connect as root"
            )
        return CommandResult(
            host=self.name,
            argv=argv,
            exit_status=status,
            stdout=captured.stdout,
            stderr=captured.stderr,
            started=started,
            ended=time.time(),
            timed_out=outcome.timed_out,
            stdout_spill=captured.stdout_spill,
            stderr_spill=captured.stderr_spill,
            error=error,
        )

    async def _run_muxed(self, words, capture: OutputCapture, timeout) -> Outcome | None:
        """Run on the host's mux; None: it has none, take a session of its own."""
        for _ in range(2):  # a mux that ended before starting the command: a fresh one
            mux = await self._shell_mux()
            if mux is None:
                return None
            try:
                return await mux.run(words, capture, timeout)
            except NotStarted:
                continue  # it never ran, so running it again is safe
        return None

    async def _shell_mux(self) -> ShellMux | None:
        async with self._mux_lock:
            if self._mux is not None and self._mux.usable:
                return self._mux
            self._mux = None
            conn = await self.connection()
            if self._mux_refused is conn:
                return None
            try:
                self._mux = await ShellMux.open(conn, self.name, sudo=self.sudo,
                                                timeout=self.connect_timeout)
            except MuxUnavailable:
                self._mux_refused = conn  # until the next connection: sessions
                return None
            except (asyncssh.DisconnectError, OSError) as exc:
                self._drop(conn)
                raise TransportError(self.name, f"connection lost while starting the command runner: {exc}") from None
            self.mux_opened += 1
            return self._mux

    async def _run_session(self, words, stdin, capture: OutputCapture, timeout) -> Outcome:
        """Run on a session channel of its own (the login shell runs for it)."""
        # the login shell's $$ is the session's process group (see the module docstring)
        marker, line = _reporting_pgid(shlex.join(words))
        chan, session = await self._open(line, capture, marker.encode())
        if stdin is not None:
            chan.write(stdin.reveal() if isinstance(stdin, Secret) else stdin)
        chan.write_eof()  # like `ssh -n`: a command reading stdin gets EOF, not a hang
        try:
            await asyncio.wait_for(chan.wait_closed(), timeout)
        except TimeoutError:
            await self._kill(chan, session)
            return Outcome(timed_out=True)
        except asyncio.CancelledError:
            await asyncio.shield(self._kill(chan, session))
            raise
        signal_info = chan.get_exit_signal()
        status = chan.get_exit_status()
        ended = status is not None and status >= 0
        return Outcome(exit_status=status if ended else None,
                       signal=signal_info[0] if signal_info else None,
                       lost=None if ended or signal_info else str(session.lost or ""))

    async def _open(self, line: str, capture: OutputCapture, marker: bytes):
        """Open a session channel and start the command on it.

        Not retried: once the exec request may have reached the server, the command may
        have run. A connection already known to be dead was dropped by `_connection_lost`,
        so `connection()` sets up a fresh one (that setup is what retries).
        """
        conn = await self.connection()
        try:
            return await conn.create_session(lambda: _Session(capture, marker), line,
                                             encoding=None)
        except asyncssh.ChannelOpenError as exc:  # refused by the server; connection fine
            raise TransportError(self.name, f"cannot start a command: {exc.reason}") from None
        except (asyncssh.DisconnectError, OSError) as exc:
            self._drop(conn)
            raise TransportError(
                self.name, f"connection lost while starting the command: {exc}",
                hint="it may or may not have started; check before running it again",
            ) from None

    async def _kill(self, chan, session: _Session) -> None:
        """Stop the remote process group: TERM, then KILL if it is still there.

        TERM first because under `sudo` the group holds root-owned processes the login
        user may not signal, but sudo itself relays a TERM it receives to its command.
        """
        for sig in ("TERM", "KILL"):
            if chan.is_closing() and chan.get_exit_status() is not None:
                break
            await self._signal_group(session, sig)
            try:
                chan.send_signal(sig)  # honoured where sshd allows it (non-root logins)
            except (OSError, asyncssh.Error):
                pass
            try:
                await asyncio.wait_for(chan.wait_closed(), KILL_GRACE / 2)
                break
            except TimeoutError:
                continue
        chan.close()
        try:
            await asyncio.wait_for(chan.wait_closed(), KILL_GRACE)
        except TimeoutError:
            pass

    async def _signal_group(self, session: _Session, sig: str) -> None:
        conn = self._conn
        if session.pgid is None or conn is None:
            return  # no group known, or the connection is gone (sshd hung up on it)
        kill = shlex.join(("kill", f"-{sig}", "--", f"-{session.pgid}"))
        if self.sudo and sig == "KILL":  # root-owned leftovers: only sudo may kill them
            kill += " 2>/dev/null || " + shlex.join((*SUDO, "kill", f"-{sig}", "--", f"-{session.pgid}"))
        try:
            await asyncio.wait_for(conn.run(kill, check=False), self.connect_timeout)
        except (asyncssh.Error, OSError, TimeoutError):
            pass

    def _drop(self, conn) -> None:
        if self._conn is conn:
            self._conn = self._client = None
        conn.close()

    async def close(self) -> None:
        mux, self._mux = self._mux, None
        if mux is not None:
            mux.close()
        conn, self._conn, self._client = self._conn, None, None
        if conn is not None:
            conn.close()
            await conn.wait_closed()
        for jump in (self.jump, self._config_jump):
            if isinstance(jump, SshTransport):  # shared jumps reconnect when next needed
                await jump.close()

    async def stream_lines(self, argv: Sequence[str], *,
                           env: Mapping[str, str] | None = None) -> AsyncIterator[str]:
        """argv's stdout lines as they come, on a session channel of its own (never the
        mux: it lives as long as the caller listens); see tui.remote.stream. The channel's
        stdin stays open until the caller leaves the loop; then EOF, and the remote process
        group is killed as run() kills it on a timeout."""
        argv = tuple(argv)
        if not argv:
            raise ValueError("empty argv")
        marker, line = _reporting_pgid(self.command_line(argv, env))
        feed = LineFeed()
        chan, session = await self._open(line, feed, marker.encode())

        async def closed() -> None:
            try:
                await chan.wait_closed()
            finally:
                feed.end()

        watching = asyncio.ensure_future(closed())
        try:
            async for text in feed.lines():
                yield text
        finally:
            if not chan.is_closing():
                try:
                    chan.write_eof()
                except (OSError, asyncssh.Error):
                    pass
                await asyncio.shield(self._kill(chan, session))
            watching.cancel()


def _reporting_pgid(command: str) -> tuple[str, str]:
    """(marker, session line): the line prints the login shell's PID (the session's process
    group, what a kill targets) after a one-off marker on stderr, then execs command."""
    marker = f"pcmk-console-pgid-{secrets.token_hex(6)} "
    return marker, f"printf '{marker}%s\\n' \"$$\" >&2; exec {command}"


@dataclass(frozen=True, slots=True)
class _Trust:
    files: tuple[str, ...]  # the known_hosts files checked (existing, readable)
    why: str  # where that list came from, when not the plain default
    host: str  # the name looked up in them (HostName / HostKeyAlias applied)
    port: int
    named: tuple[str, ...] = ()  # every file named, readable or not


class _Retryable(Exception):
    def __init__(self, message: str, hint: str | None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def default_identity_files() -> tuple[str, ...]:
    """Existing ~/.ssh/id_* keys (asyncssh also finds these by itself; for display)."""
    home = Path(os.path.expanduser("~/.ssh"))
    return tuple(str(p) for p in sorted(home.glob("id_*")) if not p.name.endswith(".pub"))
