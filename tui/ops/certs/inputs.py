"""What the certificate wizards are asked: frozen, built by keyword, JSON-able (dataclasses.asdict).

`errors()` gives every problem as (field, message), [] when the input is fine. Only the
shape is checked here; the preflight reads the CA files and the nodes.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.ops.certs.pki import DAYS_MAX
from tui.ops.journal import valid_run_id

CA_SOURCES = ("create", "given", "files")
NODE = "{node}"  # replaced by the node's name in the "files" templates

_FIELDS_OF = {"create": ("ca_dir",), "given": ("ca_cert", "ca_key"),
              "files": ("ca_file", "cert_file", "key_file", "crl_file")}


def _days(field: str, value: object, low: int) -> list[tuple[str, str]]:
    if isinstance(value, bool) or not isinstance(value, int):
        return [(field, "must be a whole number of days")]
    if not low <= value <= DAYS_MAX:
        return [(field, f"must be between {low} and {DAYS_MAX} days")]
    return []


def _flag(field: str, value: object) -> list[tuple[str, str]]:
    return [] if isinstance(value, bool) else [(field, "must be true or false")]


def _local_path(field: str, value: object) -> list[tuple[str, str]]:
    if not isinstance(value, str) or not value.strip():
        return [(field, "is needed")]
    if "\0" in value or "\n" in value:
        return [(field, "holds a control character")]
    return []


def _template(field: str, value: object, *, needed: bool) -> list[tuple[str, str]]:
    """An absolute path on the nodes; `{node}` is the only placeholder."""
    if value is None:
        return [(field, "is needed")] if needed else []
    if not isinstance(value, str) or not value.startswith("/"):
        return [(field, "must be an absolute path on the nodes ({node} is replaced by the node's name)")]
    rest = value.replace(NODE, "")
    if "{" in rest or "}" in rest:
        return [(field, "may hold {node} and no other placeholder")]
    if any(not c.isprintable() for c in value) or " " in value:
        return [(field, "holds a space or a control character")]
    return []


@dataclass(frozen=True)
class CertsConvert:
    ca: str = "create"            # "create" | "given" | "files"
    ca_dir: str | None = None     # create: where the CA lives (default: the state dir)
    ca_cert: str | None = None    # given: local PEM paths
    ca_key: str | None = None
    ca_file: str | None = None    # files: templates on the nodes, "{node}" replaced
    cert_file: str | None = None
    key_file: str | None = None
    crl_file: str | None = None
    days: int = 825
    remove_authkey: bool = False
    force: bool = False

    def errors(self) -> list[tuple[str, str]]:
        if self.ca not in CA_SOURCES:
            return [("ca", f"must be one of {', '.join(CA_SOURCES)}")]
        errors: list[tuple[str, str]] = []
        for source, fields in _FIELDS_OF.items():
            if source != self.ca:
                errors += [(f, f"is for a CA {'kept by the console' if source == 'create' else source}"
                            f" (ca={source}), not ca={self.ca}")
                           for f in fields if getattr(self, f) is not None]
        if self.ca == "create" and self.ca_dir is not None:
            errors += _local_path("ca_dir", self.ca_dir)
        if self.ca == "given":
            errors += _local_path("ca_cert", self.ca_cert) + _local_path("ca_key", self.ca_key)
        if self.ca == "files":
            for f in ("ca_file", "cert_file", "key_file"):
                errors += _template(f, getattr(self, f), needed=True)
            errors += _template("crl_file", self.crl_file, needed=False)
            if not errors and self.cert_file == self.key_file:
                errors.append(("key_file", "is the same path as cert_file"))
        errors += _days("days", self.days, 1)
        errors += _flag("remove_authkey", self.remove_authkey) + _flag("force", self.force)
        return errors


@dataclass(frozen=True)
class CertsRenew:
    days: int = 30                # renew what expires within this many days
    ca_dir: str | None = None
    ca_cert: str | None = None
    ca_key: str | None = None
    validity: int = 825

    @property
    def ca(self) -> str:
        return "given" if self.ca_cert is not None or self.ca_key is not None else "create"

    def errors(self) -> list[tuple[str, str]]:
        errors = _days("days", self.days, 0) + _days("validity", self.validity, 1)
        if self.ca == "given":
            errors += _local_path("ca_cert", self.ca_cert) + _local_path("ca_key", self.ca_key)
            if self.ca_dir is not None:
                errors.append(("ca_dir", "is for the console's own CA, not with ca_cert/ca_key"))
        elif self.ca_dir is not None:
            errors += _local_path("ca_dir", self.ca_dir)
        return errors


@dataclass(frozen=True)
class CertsRollback:
    run_id: str

    def errors(self) -> list[tuple[str, str]]:
        if not isinstance(self.run_id, str) or not valid_run_id(self.run_id):
            return [("run_id", "is not a run id (like 20261201T210326123456Z-1a2b3c4d)")]
        return []


CertsInput = CertsConvert | CertsRenew | CertsRollback
