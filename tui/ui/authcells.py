"""The auth view (tui.ops.certs.authview) as the screen shows it: pure data, no widgets.

    view = AuthView.of(nodes, error=None, now=now)   # what the app collected last
    cell = view.cell("rn1")                          # ("X.509 212d", "node-online")
    rows = view.detail("rn1")                        # (label, value, token) lines

A node's level comes from the same facts authview.findings reads: a half-configured node,
an expired certificate or one not valid yet, an authkey or CA file that differs from the
others' are errors; fewer than 30 days left, a problem reading a file, an unreachable node
are warnings. `?` means not read (yet, or the node did not answer): the detail says why.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from tui.plaintext import one_line

EXPIRY_WARNING_DAYS = 30
TOKENS = {"error": "error", "warning": "warning", "ok": None, "unknown": "muted"}
MODE_WORDS = {"x509": "X.509", "psk": "PSK", "partial": "partial"}


def _now(now: dt.datetime | None) -> dt.datetime:
    if now is None:
        return dt.datetime.now(dt.timezone.utc)
    return now if now.tzinfo is not None else now.replace(tzinfo=dt.timezone.utc)


def _majority(values: Iterable[str]) -> str | None:
    counts = Counter(values)
    if len(counts) < 2:
        return None
    return counts.most_common(1)[0][0]


@dataclass(frozen=True)
class AuthView:
    nodes: Mapping[str, object] = field(default_factory=dict)  # name -> authview.NodeAuth
    error: str | None = None  # the whole collection failed: why
    now: dt.datetime | None = None
    collected: bool = False  # False: not read yet

    @classmethod
    def of(cls, nodes: Iterable[object] | None, *, error: str | None = None,
           now: dt.datetime | None = None) -> "AuthView":
        found = {getattr(n, "node", ""): n for n in (nodes or ())}
        return cls(found, error, now, collected=nodes is not None or error is not None)

    # --- cluster facts ------------------------------------------------------------------

    def _usual_key(self) -> str | None:
        """The authkey hash most PSK nodes have, when they do not all have the same."""
        return _majority(n.authkey_sha256 for n in self._seen() if n.mode != "x509" and n.authkey_sha256)

    def _usual_ca(self) -> str | None:
        return _majority(n.ca_sha256 for n in self._seen() if n.ca_sha256)

    def _seen(self):
        return [n for n in self.nodes.values() if getattr(n, "reachable", False)]

    def _odd_mode(self, n) -> bool:
        """Mixed modes (X.509 on some nodes, PSK on others): this node is not on the mode most
        nodes use, so its connections to them fail."""
        seen = self._seen()
        modes = Counter("x509" if o.mode == "x509" else "psk" for o in seen)
        if len(modes) < 2:
            return False
        usual = modes.most_common(1)[0][0]
        return ("x509" if n.mode == "x509" else "psk") != usual

    # --- one node -------------------------------------------------------------------------

    def level(self, name: str) -> str:
        """"error" | "warning" | "ok" | "unknown"."""
        n = self.nodes.get(name)
        if n is None or not n.reachable:
            return "unknown"
        if n.mode == "partial" or self._cert_level(n) == "error":
            return "error"
        usual_key, usual_ca = self._usual_key(), self._usual_ca()
        if n.mode != "x509" and usual_key and n.authkey_sha256 and n.authkey_sha256 != usual_key:
            return "error"
        if usual_ca and n.ca_sha256 and n.ca_sha256 != usual_ca:
            return "error"
        if self._odd_mode(n):
            return "error"
        if self._cert_level(n) == "warning" or n.problems:
            return "warning"
        return "ok"

    def _cert_level(self, n) -> str:
        cert = n.cert
        if cert is None:
            return "ok"
        now = _now(self.now)
        if now >= cert.not_after or now < cert.not_before:
            return "error"
        return "warning" if cert.days_left(now) < EXPIRY_WARNING_DAYS else "ok"

    def cell(self, name: str) -> tuple[str, str | None]:
        """The node pane's Auth cell: (text, style token)."""
        n = self.nodes.get(name)
        if n is None or not n.reachable:
            return ("?", "warning" if n is not None or self.error else "muted")
        level = self.level(name)
        token = TOKENS[level] or ("node-online" if n.mode == "x509" else None)
        if n.mode == "x509" and n.cert is not None:
            now = _now(self.now)
            if now >= n.cert.not_after:
                return ("X.509 expired", token)
            if now < n.cert.not_before:
                return ("X.509 not yet", token)
            return (f"X.509 {n.cert.days_left(now)}d", token)
        return (MODE_WORDS.get(n.mode, one_line(n.mode)), token)

    def why_unknown(self, name: str) -> str:
        n = self.nodes.get(name)
        if n is not None and n.problems:
            return n.problems[0]
        if self.error:
            return f"the auth view could not be read: {self.error}"
        if not self.collected:
            return "not read yet (the console reads it after the first status, then every 60 s)"
        return "this node was not in the last read (it is new, or not a cluster, remote or guest node)"

    def detail(self, name: str) -> list[tuple[str, str, str | None]]:
        """The node detail's Authentication section: (label, value, token) per line."""
        n = self.nodes.get(name)
        if n is None or not n.reachable:
            rows = [("mode", "? (not read)", "warning" if n is not None or self.error else "muted"),
                    ("why", self.why_unknown(name), None)]
            if n is not None:
                rows += [("problem", p, "warning") for p in n.problems[1:]]
            return rows
        level = self.level(name)
        mode = MODE_WORDS.get(n.mode, n.mode)
        if n.mode == "partial":
            mode = "partial: X.509 half configured, the daemon stays on PSK"
        token = TOKENS[level] or ("node-online" if n.mode == "x509" else None)
        rows: list[tuple[str, str, str | None]] = [("mode in effect", mode, token)]
        configured = getattr(getattr(n, "settings", None), "mode", n.mode)
        if configured != n.mode:
            rows.append(("configured mode", MODE_WORDS.get(configured, configured), "warning"))
        rows.append(("authkey", self._authkey_words(n), self._authkey_token(n)))
        cert = n.cert
        if cert is not None:
            now = _now(self.now)
            days = cert.days_left(now)
            if now >= cert.not_after:
                left = f"expired {-days} day(s) ago" if days < 0 else "expired"
            elif now < cert.not_before:
                left = f"not valid before {cert.not_before.strftime('%Y-%m-%d %H:%M')} UTC"
            else:
                left = f"{days} day(s) left"
            rows += [("certificate subject", cert.subject, None), ("issuer", cert.issuer, None),
                     ("not after", f"{cert.not_after.strftime('%Y-%m-%d %H:%M')} UTC ({left})",
                      TOKENS[self._cert_level(n)]),
                     ("certificate sha256", cert.sha256, "muted")]
        elif n.mode == "x509":
            rows.append(("certificate", "(not read)", "warning"))
        if n.ca_sha256:
            usual = self._usual_ca()
            note = " (differs from the other nodes')" if usual and n.ca_sha256 != usual else ""
            rows.append(("CA fingerprint", n.ca_sha256 + note, "error" if note else None))
        settings = getattr(n, "settings", None)
        for label, attr in (("CA file", "ca_file"), ("certificate file", "cert_file"),
                            ("key file", "key_file"), ("CRL file", "crl_file")):
            value = getattr(settings, attr, None)
            if value:
                rows.append((label, value, "muted"))
        version = n.version or "?"
        rows.append(("Pacemaker", version + ("" if n.version_ok else " (X.509 needs 3.0.0 or later)"),
                     None if n.version_ok else "warning"))
        for problem in n.problems:
            rows.append(("problem", problem, "warning"))
        if not n.problems:
            rows.append(("problems", "none", "muted"))
        return rows

    def _authkey_words(self, n) -> str:
        path = n.authkey_path
        if not n.authkey_sha256:
            return f"{path}: not present" + (" (not needed: X.509)" if n.mode == "x509" else "")
        short = f"sha256 {n.authkey_sha256[:12]}…"
        others = [o for o in self._seen() if o is not n and o.authkey_sha256]
        if not others:
            same = "no other node to compare"
        elif all(o.authkey_sha256 == n.authkey_sha256 for o in others):
            same = "same as the other nodes"
        else:
            differ = sorted(o.node for o in others if o.authkey_sha256 != n.authkey_sha256)
            same = "differs from " + ", ".join(differ)
        return f"{path}  {short}  {same}"

    def _authkey_token(self, n) -> str | None:
        usual = self._usual_key()
        if n.mode != "x509" and not n.authkey_sha256:
            return "warning"
        if usual and n.authkey_sha256 and n.authkey_sha256 != usual and n.mode != "x509":
            return "error"
        return None


NOT_READ = AuthView()
