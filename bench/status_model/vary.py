"""One refresh later: a crm_mon output with 1% of it changed, as between two refreshes.

Text edits on crm_mon's own line-per-element output (no re-serialization, so the rest of
the output stays byte for byte what crm_mon printed): 1% of the nodes' standby flags and of
the primitives' managed flags toggled and, with `history`, 1% of the operations given a new
call id (a monitor that recorded a new result). `salt` picks which ones.
"""

from __future__ import annotations


def vary(xml: str, salt: int, *, history: bool = False) -> str:
    lines = xml.split("\n")
    nodes = [i for i, line in enumerate(lines) if "<node name=" in line and ' standby="' in line]
    resources = [i for i, line in enumerate(lines) if "<resource id=" in line and ' managed="' in line]
    for pool, attr in ((nodes, "standby"), (resources, "managed")):
        for k in range(max(1, len(pool) // 100)):
            i = pool[(k * 97 + salt) % len(pool)]
            line = lines[i]
            lines[i] = (line.replace(f' {attr}="true"', f' {attr}="x"').replace(f' {attr}="false"', f' {attr}="true"')
                        .replace(f' {attr}="x"', f' {attr}="false"'))
    if history:
        operations = [i for i, line in enumerate(lines) if "<operation_history " in line and ' call="' in line]
        for k in range(max(1, len(operations) // 100) if operations else 0):
            i = operations[(k * 89 + salt) % len(operations)]
            lines[i] = lines[i].replace(' call="', f' call="{salt + 1}', 1)
    return "\n".join(lines)
