"""One way to print a moment, everywhere: `2026-12-01 20:01:44 UTC` (local time, with its zone).

crm_mon writes times in more than one form (`Tue Dec  1 20:01:44 2026` in last-rc-change of
older versions, ISO 8601 `2026-12-01 20:01:44Z` or `...+01:00` in newer ones); the console
shows all of them, and its own clock readings, in the one form above.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone

FORMAT = "%Y-%m-%d %H:%M:%S %Z"
_CLUSTER_FORMATS = ("%a %b %d %H:%M:%S %Y", "%Y-%m-%d %H:%M:%S%z", "%Y-%m-%dT%H:%M:%S%z")


def at(epoch: float | None) -> str:
    """A clock reading (seconds since the epoch) in local time with its zone; "" for None."""
    if epoch is None:
        return ""
    return time.strftime(FORMAT, time.localtime(epoch))


def cluster_time(text: str | None) -> str:
    """A time as crm_mon printed it, in the console's one form; unknown forms unchanged."""
    if not text:
        return ""
    epoch = cluster_epoch(text)
    return text if epoch is None else at(epoch)


def cluster_epoch(text: str) -> float | None:
    """Seconds since the epoch for a crm_mon time, or None when its form is unknown."""
    value = " ".join(text.split())
    if value.endswith("Z"):
        value = value[:-1] + "+0000"
    for form in _CLUSTER_FORMATS:
        try:
            parsed = datetime.strptime(value, form)
        except ValueError:
            continue
        if parsed.tzinfo is None:  # crm_mon's ctime form is the node's local time
            return time.mktime(parsed.timetuple())
        return parsed.astimezone(timezone.utc).timestamp()
    return None
