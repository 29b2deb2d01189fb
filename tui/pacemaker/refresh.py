"""One refresh = one remote session.

The refresh runs a fixed shell script (arguments passed as positional parameters, never
pasted in) that prints the CIB version and, only when it differs from the version the console
already has, crm_mon's XML and the CIB configuration. Each part is framed by a marker line
carrying a per-call nonce, so no cluster output can forge a section boundary.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from tui.pacemaker import commands
from tui.pacemaker.model import CibVersion

# $1 = nonce, $2.. = the known version as attr="value" words (none: always fetch everything)
REFRESH_SCRIPT = r"""n=$1; shift
section() { printf '\n@@%s %s rc=%s\n' "$n" "$1" "$2"; }
out=$(cibadmin --query --no-children); rc=$?
section cib-version $rc; printf '%s\n' "$out"
if [ $rc -eq 0 ] && [ $# -gt 0 ]; then
  same=1
  for want in "$@"; do case "$out" in *" $want"*) ;; *) same=0 ;; esac; done
  if [ $same -eq 1 ]; then section unchanged 0; exit 0; fi
fi
out=$(crm_mon --one-shot --inactive --output-as=xml); rc=$?
section crm_mon $rc; printf '%s\n' "$out"
out=$(cibadmin --query --scope=configuration); rc=$?
section cib-configuration $rc; printf '%s\n' "$out"
exit 0
"""

SCRIPT_NAME = "pcmk-console-refresh"


def refresh_argv(known: CibVersion | None, nonce: str | None = None) -> tuple[str, ...]:
    nonce = nonce or secrets.token_hex(8)
    argv = ["sh", "-c", REFRESH_SCRIPT, SCRIPT_NAME, nonce]
    if known is not None:
        argv += [
            f'admin_epoch="{known.admin_epoch}"',
            f'epoch="{known.epoch}"',
            f'num_updates="{known.num_updates}"',
        ]
    return tuple(argv)


def nonce_of(argv: tuple[str, ...]) -> str:
    return argv[4]


def is_refresh(argv) -> bool:
    return len(argv) >= 5 and tuple(argv[:4]) == ("sh", "-c", REFRESH_SCRIPT, SCRIPT_NAME)


@dataclass(frozen=True, slots=True)
class Section:
    name: str
    rc: int
    text: str


def format_section(nonce: str, name: str, rc: int, text: str) -> str:
    """What the script prints for one part (used by transports that emulate it)."""
    return f"\n@@{nonce} {name} rc={rc}\n{text}\n"


def split_sections(stdout: str, nonce: str) -> dict[str, Section]:
    """Cut the script's output into its named parts; text outside a section is ignored."""
    marker = f"@@{nonce} "
    sections: dict[str, Section] = {}
    name: str | None = None
    rc = 0
    lines: list[str] = []

    def close() -> None:
        if name is not None:
            sections[name] = Section(name, rc, "\n".join(lines).strip("\n"))

    for line in stdout.split("\n"):
        if line.startswith(marker):
            close()
            head, _, rc_text = line[len(marker):].rpartition(" rc=")
            name, lines = head, []
            rc = int(rc_text) if rc_text.lstrip("-").isdigit() else -1
        elif name is not None:
            lines.append(line)
    close()
    return sections


# argv of the commands the script runs, for transports that emulate it
SCRIPT_COMMANDS = {
    "cib-version": commands.cib_version(),
    "crm_mon": commands.crm_mon_status(),
    "cib-configuration": commands.cib_configuration(),
}
