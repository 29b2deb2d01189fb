"""The X.509 commands of tui.pacemaker.nodecmds, answered on a simulated machine.

    pacemakerd --version | pacemaker-remoted --version   "Pacemaker 3.0.0" and the authors line
    openssl version
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out PATH   a real key, 0600
    openssl req -new -key PATH -subj /CN=NAME           a real PEM CSR on stdout
    openssl pkey -in PATH -pubout                       the public half, PEM

Keys and CSRs are real (`cryptography`), so the console signs and validates what the demo
gives exactly as it would a real node's. Words as OpenSSL 3 (Debian 13: 3.5.1) prints them;
the error-stack lines after the first carry a thread id and source positions, kept plausible.
A machine without the program (no /usr/bin/openssl, no /usr/sbin/pacemakerd) answers as
the login shell does.
"""

from __future__ import annotations

import errno

from tui.sim.files import FsError
from tui.sim.hosts import OPENSSL, SimHost

Result = tuple[int, str, str]
OPENSSL_VERSION = "OpenSSL 3.5.1 1 Jul 2025 (Library: OpenSSL 3.5.1 1 Jul 2025)"
AUTHORS = "Written by Andrew Beekhof and the Pacemaker project contributors"
PROGRAMS = {"pacemakerd": "/usr/sbin/pacemakerd", "pacemaker-remoted": "/usr/sbin/pacemaker-remoted"}
GENPKEY = ("-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out")
_STACK = "40E7C2D1B37F0000:error:"


def _not_found(program: str) -> Result:
    return 127, "", f"bash: line 1: {program}: command not found\n"


def version(machine: SimHost, program: str, args: tuple[str, ...], default: str) -> Result:
    """pacemakerd --version / pacemaker-remoted --version: the release, then the authors."""
    if machine.fs.get(PROGRAMS[program]) is None:
        return _not_found(program)
    if args != ("--version",):
        return 64, "", f"{program}: the simulator answers only `{program} --version`\n"
    release = machine.version or default.partition("-")[0]
    return 0, f"Pacemaker {release}\n{AUTHORS}\n", ""


def _cannot_load(path: str, what: str, words: str) -> str:
    return (f"Could not open file or uri for loading {what} from {path}\n"
            f"{_STACK}16000069:STORE routines:ossl_store_get0_loader_int:unregistered scheme:"
            "../crypto/store/store_register.c:237:scheme=file\n"
            f"{_STACK}80000002:system library:file_open:{words}:"
            f"../providers/implementations/storemgmt/file_store.c:263:calling stat({path})\n")


def _load_key(machine: SimHost, path: str, what: str):
    """The private key in PATH, or the stderr openssl prints."""
    try:
        _, node = machine.fs.lookup(path)
    except FsError as e:
        return _cannot_load(path, what, e.words)
    if node.is_dir:
        return _cannot_load(path, what, "Is a directory")
    # cryptography is imported by the commands that use it: the demo's start never does
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization

    try:
        return serialization.load_pem_private_key(node.content or b"", password=None)
    except (TypeError, ValueError, UnsupportedAlgorithm):
        return f"Could not read {what} from {path}\n"


def _genpkey(machine: SimHost, args: tuple[str, ...]) -> Result:
    if len(args) != len(GENPKEY) + 1 or args[:-1] != GENPKEY:
        return 1, "", ("genpkey: the simulator supports only `openssl genpkey -algorithm EC "
                       "-pkeyopt ec_paramgen_curve:P-256 -out PATH`\n")
    path = args[-1]
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fs = machine.fs
    try:
        canonical = fs.resolve(path)
        fs.parent_dir(canonical, path)
        existing = fs.entries.get(canonical)
        if existing is not None and existing.is_dir:
            raise FsError(errno.EISDIR, path)
    except FsError as e:
        return 1, "", f'genpkey: Can\'t open "{path}" for writing, {e.words}\n'
    if existing is not None:  # opened O_TRUNC: the file keeps its owner and mode
        existing.content = pem
    else:  # a new private key file: 0600 (OpenSSL's bio_open_owner)
        fs.write(path, pem, mode=0o600)
    return 0, "", ""


def _req(machine: SimHost, args: tuple[str, ...]) -> Result:
    if len(args) != 5 or args[0] != "-new" or args[1] != "-key" or args[3] != "-subj":
        return 1, "", "req: the simulator supports only `openssl req -new -key PATH -subj /CN=NAME`\n"
    subject = args[4]
    if not subject.startswith("/CN=") or "/" in subject[4:] or not subject[4:]:
        return 1, "", f"req: the simulator supports only a -subj of the form /CN=NAME, not {subject!r}\n"
    key = _load_key(machine, args[2], "private key")
    if isinstance(key, str):
        return 1, "", key
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID

    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject[4:])]))
           .sign(key, hashes.SHA256()))
    return 0, csr.public_bytes(serialization.Encoding.PEM).decode(), ""


def _pkey(machine: SimHost, args: tuple[str, ...]) -> Result:
    if len(args) != 3 or args[0] != "-in" or args[2] != "-pubout":
        return 1, "", "pkey: the simulator supports only `openssl pkey -in PATH -pubout`\n"
    key = _load_key(machine, args[1], "key")
    if isinstance(key, str):
        return 1, "", key
    from cryptography.hazmat.primitives import serialization

    pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return 0, pem.decode(), ""


def openssl(machine: SimHost, args: tuple[str, ...]) -> Result:
    if machine.fs.get(OPENSSL) is None:
        return _not_found("openssl")
    if args == ("version",):
        return 0, f"{OPENSSL_VERSION}\n", ""
    handler = {"genpkey": _genpkey, "req": _req, "pkey": _pkey}.get(args[0] if args else "")
    if handler is None:
        return 1, "", "openssl: the simulator supports only `openssl version|genpkey|req|pkey` as nodecmds runs them\n"
    return handler(machine, args[1:])
