"""A value that must never reach a log, an exception message or the screen."""

from __future__ import annotations


class Secret:
    """Wraps secret bytes; str()/repr() never show them, only `reveal()` does."""

    __slots__ = ("_value", "label")

    def __init__(self, value: bytes | str, label: str = "secret") -> None:
        self._value = value.encode() if isinstance(value, str) else bytes(value)
        self.label = label

    def reveal(self) -> bytes:
        return self._value

    def __repr__(self) -> str:
        return f"<{self.label}: redacted>"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)
