"""The first page of a node wizard: its inputs, each validated inline and named in its error.

One form per wizard kind (FORMS): text fields checked as the user types with the same
checks Pacemaker applies (tui.ops.nodes.validate, via CheckValidator), a Select for a guest's
resource (primitives that are not guests yet, VirtualDomain first) or for the node to
remove, a RadioSet for the method and a Checkbox for the remove wizards' authkey. `values()`
hands the raw choices to the flow (tui.ui.screens.wizard_flow), which builds the wizard's
input object; the errors it finds come back through `show_errors`, one line under each field.

The certificate wizards' forms (CERTS_FORMS) add a choice (a RadioSet: where the
certificates come from) that decides which rows show (Field.shown_when); a hidden row is not
in values().

Every option and prefill can come from the cluster or the keyboard: shown as literal text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.validation import ValidationResult, Validator
from textual.widgets import Checkbox, Input, Label, RadioButton, RadioSet, Select

from tui.plaintext import one_line
from tui.ui import literal

_DIRECT = {
    "add-remote": "copy the authkey, start pacemaker_remote, create the connection with cibadmin",
    "add-guest": "copy the authkey, start pacemaker_remote, set the guest's meta attributes",
    "remove-remote": "stop and delete the connection resource, crm_node --force --remove, stop pacemaker_remote",
    "remove-guest": "unset the guest's meta attributes, crm_node --force --remove, stop pacemaker_remote",
}


def methods(kind: str) -> tuple[tuple[str, str], ...]:
    """(name, what it does) of each method the wizard offers."""
    return (("auto", "detect (pcs when the cluster has it, else direct)"),
            ("pcs", f"pcs cluster node {kind} … (needs pcsd)"),
            ("direct", _DIRECT.get(kind, "without pcs")))


@dataclass(frozen=True)
class Field:
    name: str  # the input's field name, as FieldError.field names it
    label: str
    kind: str = "text"  # text | resource | node | method | flag | choice
    placeholder: str = ""
    check: str | None = None  # the tui.ops.nodes.validate function for a text field
    required: bool = False
    hint: str = ""
    choices: tuple[tuple[str, str], ...] = ()  # choice: (value, what it means)
    shown_when: tuple[str, tuple[str, ...]] | None = None  # (choice field, its values): else hidden
    default: Any = None  # a flag's or a choice's value when nothing is prefilled
    flag_label: str = "remove it from the target"


def _name(required_hint: str) -> Field:
    return Field("name", "Node name", placeholder="an XML id: rn3, web-1", check="check_name",
                 required=True, hint=required_hint)


FORMS: dict[str, tuple[Field, ...]] = {
    "add-remote": (
        _name("the name the cluster will know the node by"),
        Field("address", "Address", placeholder="(the node name)", check="check_address"),
        Field("port", "Port", placeholder="3121", check="check_port"),
        Field("reconnect_interval", "Reconnect interval", placeholder="(none)  e.g. 60s, 1m, PT1M",
              check="check_duration"),
        Field("options", "Extra options", placeholder="name=value …  (meta attributes of the connection)"),
        Field("method", "Method", kind="method"),
    ),
    "add-guest": (
        _name("the guest's node name (remote-node)"),
        Field("resource", "Guest resource", kind="resource",
              hint="the primitive that runs the guest (not a guest already)"),
        Field("address", "remote-addr", placeholder="(the node name)", check="check_address"),
        Field("port", "remote-port", placeholder="3121", check="check_port"),
        Field("connect_timeout", "remote-connect-timeout", placeholder="(60s)  e.g. 60s, 2m",
              check="check_duration"),
        Field("method", "Method", kind="method"),
    ),
    "remove-remote": (
        Field("name", "Remote node", kind="node", required=True),
        Field("method", "Method", kind="method"),
        Field("remove_authkey", "Authkey", kind="flag", hint="remove the target's authkey (the cluster keeps its own)"),
    ),
    "remove-guest": (
        Field("name", "Guest node", kind="node", required=True),
        Field("method", "Method", kind="method"),
        Field("remove_authkey", "Authkey", kind="flag", hint="remove the target's authkey (the cluster keeps its own)"),
    ),
}


CA_CHOICES = (
    ("create", "a new private CA, kept in the state dir"),
    ("given", "my CA on this machine: cert and key files"),
    ("files", "files already on the nodes ({node} paths)"),
)
_SIGNED = ("create", "given")


def _on_nodes(name: str, label: str, example: str, *, required: bool = True) -> Field:
    return Field(name, label, placeholder=example, required=required, shown_when=("ca", ("files",)))


# the certificate wizards' forms (tui.ui.screens.certs_flow); apart: FORMS are the node wizards'
CERTS_FORMS: dict[str, tuple[Field, ...]] = {
    "certs-convert": (
        Field("ca", "Certificates from", kind="choice", choices=CA_CHOICES, default="create"),
        Field("ca_dir", "CA directory", placeholder="(the state directory's certs/<cluster>/)",
              shown_when=("ca", ("create",)), hint="made once (key 0600); renewals use the same CA"),
        Field("ca_cert", "CA certificate", placeholder="/path/on/this/machine/ca.crt", required=True,
              shown_when=("ca", ("given",))),
        Field("ca_key", "CA key", placeholder="/path/on/this/machine/ca.key", required=True,
              shown_when=("ca", ("given",)), hint="read here to sign; never sent to a node"),
        _on_nodes("ca_file", "CA file on the nodes", "/etc/pki/pacemaker/ca.crt"),
        _on_nodes("cert_file", "Certificate on nodes", "/etc/pki/pacemaker/{node}.crt"),
        _on_nodes("key_file", "Key on the nodes", "/etc/pki/pacemaker/{node}.key"),
        _on_nodes("crl_file", "CRL on the nodes", "(none)  /etc/pki/pacemaker/crl.pem", required=False),
        Field("days", "Validity (days)", placeholder="825", shown_when=("ca", _SIGNED),
              hint="keys are made on the nodes; the console signs"),
        Field("remove_authkey", "Authkey", kind="flag", default=False,
              flag_label="remove the authkey once X.509 is proven",
              hint="final: no PSK fallback and no rollback after it"),
    ),
    "certs-renew": (
        Field("days", "Renew within (days)", placeholder="30",
              hint="reissue what expires within this many days"),
        Field("ca", "Signed by", kind="choice", choices=CA_CHOICES[:2], default="create"),
        Field("ca_dir", "CA directory", placeholder="(the state directory's certs/<cluster>/)",
              shown_when=("ca", ("create",))),
        Field("ca_cert", "CA certificate", placeholder="/path/on/this/machine/ca.crt", required=True,
              shown_when=("ca", ("given",))),
        Field("ca_key", "CA key", placeholder="/path/on/this/machine/ca.key", required=True,
              shown_when=("ca", ("given",))),
        Field("validity", "Validity (days)", placeholder="825"),
    ),
    "certs-rollback": (
        Field("run_id", "Convert run id", placeholder="20261201T210326123456Z-1a2b3c4d", required=True,
              hint="the certs-convert run to undo"),
    ),
}


class CheckValidator(Validator):
    """A tui.ops.nodes.validate check as a Textual validator; the message names the field."""

    def __init__(self, label: str, check: Callable[[str], str | None], *, required: bool) -> None:
        super().__init__()
        self.label, self.check, self.required = label, check, required

    def validate(self, value: str) -> ValidationResult:
        if not value.strip():
            return self.failure(f"{self.label}: required") if self.required else self.success()
        try:
            message = self.check(value.strip())
        except Exception as exc:  # a checker's own error must not take the form down
            message = f"cannot check it: {type(exc).__name__}"
        return self.success() if message is None else self.failure(f"{self.label}: {message}")


def _primitive(p: Any) -> tuple[str, str, tuple[str, ...], str | None, bool]:
    """(id, agent, running on, guest of, a remote connection?) of a ClusterFacts primitive
    (tui.ops.nodes.facts.Primitive; a plain tuple in the same order also does)."""
    if isinstance(p, tuple):
        rid, agent, running_on, guest_of = (tuple(p) + (None, None, None))[:4]
        connection = False
    else:
        rid, agent, running_on, guest_of = p.id, p.agent, p.running_on, p.guest_of
        connection = bool(getattr(p, "is_remote_connection", False))
    if isinstance(running_on, str):
        running_on = (running_on,)
    return str(rid), str(agent or "?"), tuple(running_on or ()), guest_of, connection


def resource_options(primitives: Iterable[Any]) -> list[tuple[Text, str]]:
    """(label, id) for each primitive that could run a guest: not a guest's already, not a
    remote node's connection, not a fence device; VirtualDomain first, then by id."""
    free = [p for p in map(_primitive, primitives)
            if not p[3] and not p[4] and not p[1].lower().startswith("stonith:")]
    free.sort(key=lambda p: (0 if "virtualdomain" in p[1].lower() else 1, p[0]))
    options = []
    for rid, agent, running_on, _, _ in free:
        where = f"running on {', '.join(running_on)}" if running_on else "not running"
        options.append((literal.text(f"{rid}  ({agent}, {where})"), rid))
    return options


def node_options(names: Iterable[str]) -> list[tuple[Text, str]]:
    return [(literal.text(name), name) for name in sorted(names)]


class FieldRow(Vertical):
    """One field: its label, its widget, a hint and the error line under it."""

    DEFAULT_CSS = """
    FieldRow { height: auto; }
    FieldRow > Horizontal { height: auto; }
    FieldRow .field-label { width: 26; padding: 1 1 0 0; text-style: bold; }
    FieldRow Input, FieldRow Select { width: 1fr; }
    FieldRow RadioSet { width: 1fr; }
    FieldRow .field-hint { color: $text-muted; padding-left: 27; }
    FieldRow .field-error { color: $error; padding-left: 27; display: none; }
    FieldRow.-invalid .field-error { display: block; }
    """

    def __init__(self, field: Field, widget, *, hint: str = "") -> None:
        super().__init__(id=f"row-{field.name}")
        self.field = field
        self.widget = widget
        self.hint = hint or field.hint

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Label(literal.content(self.field.label), classes="field-label")
            yield self.widget
        if self.hint:
            yield Label(literal.content(self.hint), classes="field-hint")
        yield Label("", classes="field-error", id=f"error-{self.field.name}")

    def show_error(self, message: str | None) -> None:
        label = self.query_one(".field-error", Label)
        label.update(literal.content(message or ""))
        self.set_class(bool(message), "-invalid")

    @property
    def error(self) -> str:
        return str(self.query_one(".field-error", Label).content) if self.has_class("-invalid") else ""


class WizardInputs(VerticalScroll):
    """The form of one wizard kind. `facts` offers the choices (resources, nodes)."""

    DEFAULT_CSS = """
    WizardInputs { height: 1fr; padding: 0 1; }
    """

    def __init__(self, kind: str, *, facts: Any, prefill: Mapping[str, Any] | None = None,
                 checks: Mapping[str, Callable[[str], str | None]] | None = None,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.kind = kind
        self.fields = FORMS[kind] if kind in FORMS else CERTS_FORMS[kind]
        self.facts = facts
        self.prefill = dict(prefill or {})
        self.checks = dict(checks or {})
        self.rows: dict[str, FieldRow] = {}

    # --- building -------------------------------------------------------------------------

    def _text(self, field: Field) -> Input:
        check = self.checks.get(field.check or "")
        validators = [CheckValidator(field.label, check, required=field.required)] if check else []
        value = self.prefill.get(field.name)
        return Input(value="" if value is None else one_line(str(value)), placeholder=field.placeholder,
                     validators=validators, validate_on=["changed", "submitted"],
                     id=f"field-{field.name}", select_on_focus=False)

    def _select(self, field: Field, options: list[tuple[Text, str]]) -> Select:
        wanted = self.prefill.get(field.name)
        values = [v for _, v in options]
        value = wanted if wanted in values else (values[0] if len(values) == 1 else Select.NULL)
        prompt = "no candidates" if not options else f"choose the {field.label.lower()}"
        return Select(options, value=value, prompt=prompt, id=f"field-{field.name}", allow_blank=True)

    def _widget(self, field: Field):
        if field.kind == "text":
            return self._text(field)
        if field.kind == "resource":
            return self._select(field, resource_options(getattr(self.facts, "primitives", ()) or ()))
        if field.kind == "node":
            names = getattr(self.facts, "remote_nodes" if self.kind == "remove-remote" else "guest_nodes", ()) or ()
            return self._select(field, node_options(names))
        if field.kind == "method":
            wanted = self.prefill.get("method") or "auto"
            return RadioSet(*(RadioButton(literal.content(f"{name}: {words}"), value=name == wanted,
                                          id=f"method-{name}", name=name)
                              for name, words in methods(self.kind)), id=f"field-{field.name}")
        if field.kind == "flag":
            default = True if field.default is None else field.default
            return Checkbox(literal.content(field.flag_label), value=bool(self.prefill.get(field.name, default)),
                            id=f"field-{field.name}")
        if field.kind == "choice":
            wanted = self.prefill.get(field.name) or field.default
            return RadioSet(*(RadioButton(literal.content(words), value=value == wanted,
                                          id=f"{field.name}-{value}", name=value)
                              for value, words in field.choices), id=f"field-{field.name}")
        raise ValueError(f"no such field kind: {field.kind}")

    def compose(self) -> ComposeResult:
        for field in self.fields:
            row = FieldRow(field, self._widget(field))
            self.rows[field.name] = row
            yield row

    def on_mount(self) -> None:
        self.show_chosen()

    def _choice(self, name: str) -> str | None:
        row = self.rows.get(name)
        widget = row.widget if row is not None else None
        if isinstance(widget, RadioSet):
            pressed = widget.pressed_button
            if pressed is not None:
                return pressed.name
            field = row.field
            return self.prefill.get(name) or field.default
        return None

    def shown(self, field: Field) -> bool:
        if field.shown_when is None:
            return True
        name, values = field.shown_when
        return self._choice(name) in values

    def show_chosen(self) -> None:
        """Only the rows the current choice uses are on the form (and in values())."""
        for field in self.fields:
            self.rows[field.name].display = self.shown(field)

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        if any(f.kind == "choice" for f in self.fields):
            self.show_chosen()

    # --- reading ----------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        """The raw choices by field name: text stripped ("" when empty), a Select's value
        (None when none is chosen), the method's name, a flag's bool."""
        out: dict[str, Any] = {}
        for field in self.fields:
            if not self.shown(field):
                continue
            widget = self.rows[field.name].widget
            if isinstance(widget, Input):
                out[field.name] = widget.value.strip()
            elif isinstance(widget, Select):
                out[field.name] = None if widget.is_blank() else widget.value
            elif isinstance(widget, RadioSet) and field.kind == "choice":
                out[field.name] = self._choice(field.name)
            elif isinstance(widget, RadioSet):
                pressed = widget.pressed_button
                out[field.name] = (pressed.name if pressed is not None else None) or "auto"
            elif isinstance(widget, Checkbox):
                out[field.name] = bool(widget.value)
        return out

    def inline_errors(self) -> dict[str, str]:
        """Each text field's own check, now (the validators' verdict on the current value)."""
        errors: dict[str, str] = {}
        for field in self.fields:
            if not self.shown(field):
                continue
            widget = self.rows[field.name].widget
            if isinstance(widget, Input) and field.required and not widget.validators and not widget.value.strip():
                errors[field.name] = f"{field.label}: required"
            elif isinstance(widget, Input):
                result = widget.validate(widget.value)
                if result is not None and not result.is_valid:
                    errors[field.name] = "; ".join(result.failure_descriptions)
            elif field.required and isinstance(widget, Select) and widget.is_blank():
                errors[field.name] = f"{field.label}: choose one"
        return errors

    def show_errors(self, errors: Mapping[str, str], *, labelled: bool = False) -> None:
        """One line under each field with an error, the field's label first (unless the
        message has it: `labelled`); the others cleared. An error for a field this form does
        not have goes under the first field, named (nothing is dropped)."""
        labels = {f.name: f.label for f in self.fields}
        if not labelled:
            errors = {name: f"{labels.get(name, name)}: {message}" for name, message in errors.items()}
        named = {name: message for name, message in errors.items() if name in self.rows}
        stray = [message for name, message in errors.items() if name not in self.rows]
        if stray:
            first = self.fields[0].name
            named[first] = "; ".join([*([named[first]] if first in named else []), *stray])
        for name, row in self.rows.items():
            row.show_error(named.get(name))

    def focus_first(self, names: Iterable[str] = ()) -> None:
        wanted = set(names)
        for field in self.fields:
            if (not wanted or field.name in wanted) and self.shown(field):
                self.rows[field.name].widget.focus()
                return

    def errors_shown(self) -> dict[str, str]:
        return {name: row.error for name, row in self.rows.items() if row.error}

    # --- inline validation --------------------------------------------------------------------

    def on_input_changed(self, event: Input.Changed) -> None:
        name = (event.input.id or "").removeprefix("field-")
        row = self.rows.get(name)
        if row is None or event.validation_result is None:
            return
        result = event.validation_result
        row.show_error(None if result.is_valid else "; ".join(result.failure_descriptions))

