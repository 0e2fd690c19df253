"""Rows read as records: the columns of a list, without a model object per row.

Tortoise makes a model object of every row it reads, converting every column as it goes
(datetimes parsed, JSON decoded, enums made) and a further object for each related row; on a page
of 100 accounts that costs more CPU than the query. A record is a tuple of the row's values as the
database driver gave them, read by the model's own attribute names: a column is converted by its
field when it is read, so a column nobody reads costs its transfer and nothing else. A related
row fetched with it (an account's data key) is a record of its own.

Records are for reading lists: what changes a row loads its model.
"""

from collections.abc import Callable, Iterable, Mapping
from operator import itemgetter
from typing import Any, ClassVar

from tortoise.fields import Field
from tortoise.fields.data import CharEnumFieldInstance


class Record(tuple):  # type: ignore[type-arg]
    """A row of `MODEL`: `COLUMNS` (attribute names) in order, then one value per related
    record type of `RELATED` (attribute name, record type), made by `of_row`."""

    __slots__ = ()
    MODEL: ClassVar[type]
    COLUMNS: ClassVar[tuple[str, ...]]
    RELATED: ClassVar[tuple[tuple[str, type["Record"]], ...]] = ()

    @classmethod
    def selected(cls) -> tuple[str, ...]:
        """What `values_list` selects for it: its columns, then each related record's."""
        return (
            *cls.COLUMNS,
            *(f"{name}__{column}" for name, related in cls.RELATED for column in related.COLUMNS),
        )

    @classmethod
    def of_row(cls, row: Iterable[Any]) -> "Record":
        if not cls.RELATED:
            return tuple.__new__(cls, row)
        values = tuple(row)
        own = len(cls.COLUMNS)
        made = list(values[:own])
        for _, related in cls.RELATED:
            part = values[own : own + len(related.COLUMNS)]
            own += len(related.COLUMNS)
            # A LEFT JOIN without a match: every column of the related row is NULL.
            made.append(None if part.count(None) == len(part) else related.of_row(part))
        return tuple.__new__(cls, made)


def _reader(field: Field, index: int) -> property:
    # A value the driver already gives as the field's own type needs no conversion.
    if type(field).to_python_value is Field.to_python_value and field.field_type in (
        int,
        str,
        bytes,
    ):
        return property(itemgetter(index))
    if isinstance(field, CharEnumFieldInstance):
        # An enum's members by their stored text: a look-up, not the enum's own constructor.
        members: dict[Any, Any] = {member.value: member for member in field.enum_type}
        members[None] = None
        return property(lambda record: members[record[index]])
    convert: Callable[[Any], Any] = field.to_python_value
    return property(lambda record: convert(record[index]))


def record_type(
    model: type,
    columns: Iterable[str],
    *,
    related: Mapping[str, type[Record]] | None = None,
    attributes: Mapping[str, Any] | None = None,
    base: type = object,
) -> type[Record]:
    """The record type of `model`'s `columns` and of the `related` records fetched with it.
    `attributes` are the model's own that a reader of the record needs too (the accessor of a
    sealed column); `base` adds behaviour the model shares (a data key opens what it sealed)."""
    columns = tuple(columns)
    fields_map = model._meta.fields_map  # type: ignore[attr-defined]
    namespace: dict[str, Any] = {
        "__slots__": (),
        "MODEL": model,
        "COLUMNS": columns,
        "RELATED": tuple((related or {}).items()),
    }
    for index, column in enumerate(columns):
        namespace[column] = _reader(fields_map[column], index)
    for index, attribute in enumerate(related or {}, start=len(columns)):
        namespace[attribute] = property(itemgetter(index))
    namespace.update(attributes or {})
    bases = (Record,) if base is object else (base, Record)
    return type(f"{model.__name__}Record", bases, namespace)
