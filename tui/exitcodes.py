"""Exit codes of the headless verbs (documented in README.md)."""

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1  # an action or a remote command ran and failed
    USAGE = 2  # bad arguments or config
    UNREACHABLE = 3  # no status: cluster not running/connected, host unreachable, host key refused
    PRIVILEGES = 4  # the cluster refused us: insufficient privileges
    READ_ONLY = 5  # refused by read-only mode; nothing ran
    MALFORMED = 6  # the cluster answered with output we could not understand
    INTERRUPTED = 130
