"""`Record`: the base of the frozen value types on the lint path (a diagnostic, a range, an instruction ...).

They were frozen slotted dataclasses, but creating a dataclass costs about half a millisecond (it compiles
the methods it generates, and `dataclasses` imports `inspect`): some fifty of them made up a third of a
one-file `dockwise lint`. A record declares its fields as annotations, lists them in `__slots__` and writes
its own `__init__` (setting fields with `object.__setattr__`, as a frozen dataclass does); this class gives
what the dataclass did: equality and a hash over the fields in declaration order, a repr, no assignment
after `__init__`, pickling (results come back from worker processes), and `replace`.

A slot whose name starts with "_" is a cache: not a field, so not compared, hashed, shown or replaced. A
class whose public slot is derived from its fields (worked out once in `__init__`) lists `_fields` itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from typing import TypeVar

    R = TypeVar("R", bound="Record")


class Record:
    """Equality, hash, repr, immutability, pickling and `replace` from the fields a subclass declares."""

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()
    """The public fields, in declaration order (the order of `__init__`'s parameters)."""
    _slots: ClassVar[tuple[str, ...]] = ()
    """Every slot, caches included: what pickling keeps."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        slots = tuple(cls.__dict__.get("__slots__", ()))
        declared = [
            name
            for name, kind in cls.__dict__.get("__annotations__", {}).items()  # noqa: RUF063 - no inspect
            if "ClassVar" not in str(kind)
        ]
        if sorted(declared) != sorted(slots):
            raise TypeError(f"{cls.__name__}: the annotated fields and __slots__ differ")
        if "_fields" not in cls.__dict__:
            cls._fields = cls._fields + tuple(name for name in declared if not name.startswith("_"))
        cls._slots = cls._slots + slots

    def _values(self) -> tuple[object, ...]:
        return tuple([getattr(self, name) for name in self._fields])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Record) or other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__qualname__}({fields})"

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}")

    def __getstate__(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self._slots if hasattr(self, name)}

    def __setstate__(self, state: dict[str, object]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)

    def replace(self: R, **changes: object) -> R:
        """A copy with some fields changed (what `dataclasses.replace` did)."""
        values: dict[str, Any] = {name: getattr(self, name) for name in self._fields}
        values.update(changes)
        factory: Any = type(self)
        copy: R = factory(**values)
        return copy


def slot_setters(cls: type[Record], *names: str) -> tuple[Any, ...]:
    """The setters of these slots of a record class, for the few constructors that run a thousand times a
    lint (an instruction, a text range): calling a slot's own setter skips the name lookup that
    `object.__setattr__` makes each time, which halves the cost of setting twenty fields."""
    return tuple(cls.__dict__[name].__set__ for name in names)
