"""Model objects are built with keyword arguments, fast, and exactly like their classes would.

model.keyword_constructor makes the parsers' hot-loop constructors: keyword-only, the model's
own defaults, the same frozen object. A new field therefore takes its default (or is a
TypeError where it has none) instead of shifting values into the wrong fields.
"""

from __future__ import annotations

import ast
import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tui.pacemaker import cib, crm_mon, model
from tui.pacemaker.model import keyword_constructor

MODEL_CLASSES = [c for c in vars(model).values()
                 if isinstance(c, type) and dataclasses.is_dataclass(c) and c.__module__ == model.__name__]
PACKAGE = Path(model.__file__).resolve().parent


def _values(cls) -> dict:
    return {f.name: object() for f in dataclasses.fields(cls)}


def _required(cls) -> dict:
    return {f.name: object() for f in dataclasses.fields(cls)
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING}


@pytest.mark.parametrize("cls", MODEL_CLASSES, ids=lambda c: c.__name__)
def test_same_object_as_the_class_builds(cls):
    new = keyword_constructor(cls)
    for values in (_values(cls), _required(cls)):
        made, real = new(**values), cls(**values)
        assert type(made) is cls and made == real and repr(made) == repr(real)
        for f in dataclasses.fields(cls):
            assert getattr(made, f.name) == getattr(real, f.name)
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(made, dataclasses.fields(cls)[0].name, None)


@pytest.mark.parametrize("cls", MODEL_CLASSES, ids=lambda c: c.__name__)
def test_positional_arguments_unknown_names_and_missing_fields_are_refused(cls):
    new = keyword_constructor(cls)
    if new is cls:
        pytest.skip("no fast path for this class: the class itself is used")
    with pytest.raises(TypeError):
        new(*_values(cls).values())
    with pytest.raises(TypeError):
        new(**_values(cls), no_such_field=1)
    if _required(cls):
        with pytest.raises(TypeError):
            new()


def test_a_new_field_takes_its_default_wherever_it_is_added():
    @dataclass(frozen=True, slots=True)
    class Before:
        a: str
        b: int = 0
        c: str | None = None

    @dataclass(frozen=True, slots=True)
    class After:  # a field added in the middle, as a model change might
        a: str
        new: tuple = ()
        b: int = 0
        d: dict = field(default_factory=dict)
        c: str | None = None

    for cls in (Before, After):
        new = keyword_constructor(cls)
        assert new is not cls
        made = new(a="x", c="y", b=3)
        assert (made.a, made.b, made.c) == ("x", 3, "y")
    made = keyword_constructor(After)(a="x", c="y", b=3)
    assert made.new == () and made.d == {}
    assert keyword_constructor(After)(a="x").d is not keyword_constructor(After)(a="x").d


def test_classes_it_cannot_copy_get_their_own_constructor():
    @dataclass(frozen=True, slots=True)
    class Checked:
        a: int

        def __post_init__(self):
            object.__setattr__(self, "a", abs(self.a))

    @dataclass(frozen=True)
    class NoSlots:
        a: int

    assert keyword_constructor(Checked) is Checked
    assert keyword_constructor(NoSlots) is NoSlots


def test_the_parsers_construct_no_model_object_positionally():
    """The class of defect: any call of a model class or its fast constructor with a
    positional argument, anywhere in tui/pacemaker (a one-field class's one value aside)."""
    names = {c.__name__ for c in MODEL_CLASSES}
    fast = {"operation_row", "_new_history", "_new_resource", "_new_node"}
    single = {c.__name__ for c in MODEL_CLASSES if len(dataclasses.fields(c)) == 1}
    offenders = []
    for path in sorted(PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and (
                    node.func.id in names | fast) and node.args and (
                    node.func.id not in single or len(node.args) > 1):
                offenders.append(f"{path.name}:{node.lineno} {node.func.id}")
    assert offenders == []
    assert not hasattr(model, "positional_constructor")
    for new in (crm_mon._new_history, crm_mon._new_resource, crm_mon._new_node, cib._new_node):
        assert new not in MODEL_CLASSES, "the fast path should hold on CPython"
    assert model.operation_row.__name__ == "new", "the fast row path should hold on CPython"


@pytest.mark.parametrize("cls", MODEL_CLASSES, ids=lambda c: c.__name__)
def test_a_row_holds_what_the_object_would_in_field_order(cls):
    """row=True: the same keyword rules, the object's field values as a plain tuple."""
    new = keyword_constructor(cls, row=True)
    names = [f.name for f in dataclasses.fields(cls)]
    for values in (_values(cls), _required(cls)):
        made, real = new(**values), cls(**values)
        assert type(made) is tuple
        assert made == tuple(getattr(real, name) for name in names)
    with pytest.raises(TypeError):
        new(**_values(cls), no_such_field=1)
    if _required(cls):
        with pytest.raises(TypeError):
            new()


def test_a_row_of_a_class_it_cannot_copy_is_still_right():
    @dataclass(frozen=True, slots=True)
    class Checked:
        a: int
        b: int = 0

        def __post_init__(self):
            object.__setattr__(self, "a", abs(self.a))

    assert keyword_constructor(Checked, row=True)(a=-3) == (3, 0)


def test_operations_survive_the_row_and_back():
    op = model.Operation(node="n1", resource="r", task="monitor", call=7, rc=0, rc_text="ok",
                         interval_ms=10000, last_rc_change="x", exec_time_ms=3, queue_time_ms=0)
    (row,) = model.operation_rows([op])
    assert row == model.operation_row(**{f.name: getattr(op, f.name) for f in dataclasses.fields(op)})
    assert model.operation_of(row) == op
    history = model.ResourceHistory(node="n1", resource="r", operation_rows=(row,))
    assert history.operations == (op,)
