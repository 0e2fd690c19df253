"""Every column that holds personal data, declared once, on its model (P-SEC-3, P-RETAIN-1).

A declaration names the column's data category (a consent scope of `plugins/categories.json`),
how it is stored (sealed under the person's data key, a keyed hash, or plain), how input for it is
validated, and what the person's export, an erasure and the retention job do with it. The GraphQL
personal fields, input validation, the export, erasure, retention and log redaction are all
derived from these declarations, and every other column of every model is listed as operational
with the reason it holds nothing personal, so a column nobody classified fails a test
(`tests/models/test_personal.py`) instead of leaking quietly.

Sealed columns are read and written only through the descriptor their declaration installs
(`account.phone`, `login_record.device_phone = ...`): the AES-GCM context string lives here once,
next to the column, and nowhere else (P-SEC-2).
"""

import importlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any, TypeVar

from tortoise.expressions import Q
from tortoise.fields.relational import RelationalField
from tortoise.models import Model

from models import keyring
from models.records import Record


class Storage(StrEnum):
    # AES-GCM under the person's data key (P-SEC-2); the value lives in `<name>_sealed`.
    SEALED = "sealed"
    # Only a keyed hash is kept: it finds and compares, it never shows.
    HASHED = "hashed"
    PLAIN = "plain"


class Format(StrEnum):
    """How input for a column is validated (`api.validation.checked`)."""

    PHONE = "phone"  # a mainland China mobile number, kept in its 11-digit national form
    EMAIL = "email"  # RFC 5322, normalized, lower-cased
    TEXT = "text"  # one line: no control characters, at most the column's length
    FREE_TEXT = "free_text"  # what a person writes in their own words: lines allowed
    IP = "ip"  # an IPv4 or IPv6 address, as the server saw it
    NONE = "none"  # never typed by a person (set by the system: times, flags, hashes)


class Erasure(StrEnum):
    """What erasing the person does to the column (P-DELETE-1, P-CANCEL-1)."""

    # Unreadable at once (the data key is destroyed), and the blob cleared as well.
    SHRED = "shred"
    CLEAR = "clear"  # set to NULL
    BLANK = "blank"  # overwritten with "" (a NOT NULL text column)
    # Kept, frozen, until retention: what the law makes us keep (network logs, Cybersecurity
    # Law art. 21; accounting records).
    KEEP = "keep"


class Retention(StrEnum):
    """What the retention job does to the column once the row's retention has run out."""

    CLEAR = "clear"
    ANONYMIZE = "anonymize"  # replaced by the ANONYMIZED marker (a NOT NULL text column)
    KEEP = "keep"  # meaningless once the row no longer points at a person


class RowAction(StrEnum):
    """What happens to a whole row on erasure or at the end of its retention."""

    KEEP = "keep"  # the columns' own actions only
    UNLINK = "unlink"  # the link to the person is dropped, the row stays (accounting)
    DELETE = "delete"


ANONYMIZED = "anonymized"


@dataclass(frozen=True)
class Column:
    """One personal column. For a sealed column `name` is what the model reads and writes
    (`account.phone`); the stored blob is `<name>_sealed` and, with a look-up, `<name>_hash`."""

    name: str
    category: str
    storage: Storage
    format: Format
    erasure: Erasure
    retention: Retention = Retention.KEEP
    export: bool = True
    # Sealed only: the AES-GCM context (bound into every blob, so a blob cannot be moved), the
    # attribute path from the row to the DataKey that seals it, and the prefix of the keyed
    # look-up hash when the value is also found by it.
    sealed_as: str = ""
    key: str = "data_key"
    lookup: str = ""
    # Free text only: what a person may write (other text columns take the column's length).
    max_length: int | None = None

    @property
    def stored_columns(self) -> tuple[str, ...]:
        if self.storage is not Storage.SEALED:
            return (self.name,)
        return (f"{self.name}_sealed", *((f"{self.name}_hash",) if self.lookup else ()))


def sealed(
    name: str,
    category: str,
    format: Format,
    *,
    sealed_as: str,
    key: str = "data_key",
    lookup: str = "",
    retention: Retention = Retention.CLEAR,
    max_length: int | None = None,
    export: bool = True,
) -> Column:
    return Column(
        name=name,
        category=category,
        storage=Storage.SEALED,
        format=format,
        erasure=Erasure.SHRED,
        retention=retention,
        export=export,
        sealed_as=sealed_as,
        key=key,
        lookup=lookup,
        max_length=max_length,
    )


def plain(
    name: str,
    category: str,
    format: Format = Format.NONE,
    *,
    erasure: Erasure,
    retention: Retention = Retention.KEEP,
    export: bool = True,
) -> Column:
    return Column(name, category, Storage.PLAIN, format, erasure, retention, export)


def hashed(name: str, category: str, *, erasure: Erasure, retention: Retention) -> Column:
    """A keyed hash or a password hash: never exported, it means nothing to the person."""
    return Column(name, category, Storage.HASHED, Format.NONE, erasure, retention, export=False)


@dataclass(frozen=True)
class PersonalData:
    """The personal columns of one model and how its rows belong to a person."""

    columns: tuple[Column, ...]
    # Every other column, with why it holds nothing personal.
    operational: Mapping[str, str]
    # The attribute holding the id of the person (the Account) a row belongs to; "id" for the
    # account itself, "" for rows that belong to nobody once written (sign-in failure counts).
    owner: str
    # The category that the row's very existence discloses (that an order exists, that a sign-in
    # happened): a list of such rows is shown only as far as this category is.
    row_category: str = ""
    on_erasure: RowAction = RowAction.KEEP
    on_retention: RowAction = RowAction.KEEP
    # The row's timestamp retention counts from.
    retention_from: str = "created_at"
    # Operational columns that go into the person's export (ids, times, statuses: what makes the
    # personal columns make sense to them).
    exported: tuple[str, ...] = ()
    model: type[Model] | None = field(default=None, compare=False)

    def __getitem__(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.model.__name__ if self.model else '?'} declares no {name!r}")

    @property
    def categories(self) -> frozenset[str]:
        """Every category the rows hold: the longest retention among them applies."""
        own = {column.category for column in self.columns}
        return frozenset(own | ({self.row_category} if self.row_category else set()))


_DECLARED: dict[type[Model], PersonalData] = {}

M = TypeVar("M", bound=type[Model])


def personal_data(
    *columns: Column,
    operational: Mapping[str, str],
    owner: str,
    row_category: str = "",
    on_erasure: RowAction = RowAction.KEEP,
    on_retention: RowAction = RowAction.KEEP,
    retention_from: str = "created_at",
    exported: tuple[str, ...] = (),
) -> Callable[[M], M]:
    """Class decorator of a model: declares its personal columns and installs an accessor for
    each sealed one."""

    def declare(model: M) -> M:
        declaration = PersonalData(
            columns=tuple(columns),
            operational=MappingProxyType(dict(operational)),
            owner=owner,
            row_category=row_category,
            on_erasure=on_erasure,
            on_retention=on_retention,
            retention_from=retention_from,
            exported=exported,
            model=model,
        )
        for column in columns:
            if column.storage is Storage.SEALED:
                setattr(model, column.name, SealedValue(column))
        model.PERSONAL = declaration  # type: ignore[attr-defined]
        _DECLARED[model] = declaration
        return model

    return declare


def declared() -> Iterator[PersonalData]:
    """Every model's declaration, every model module imported first."""
    from models import MODEL_MODULES

    for module in MODEL_MODULES:
        importlib.import_module(module)
    return iter(list(_DECLARED.values()))


def declaration_of(model: type[Model]) -> PersonalData:
    return _DECLARED[model]


def collection_name(model: type[Model]) -> str:
    """What a list of the model's rows is called in the export and by the retention job."""
    table = model._meta.db_table
    return table if table.endswith("s") else f"{table}s"


def exported_fields(declaration: PersonalData) -> tuple[str, ...]:
    """What the person's export shows of each row: the operational columns that make sense of
    it, then every personal column not marked otherwise (sealed ones opened)."""
    personal = tuple(column.name for column in declaration.columns if column.export)
    return (*declaration.exported, *personal)


class RelatedKeyNotLoaded(RuntimeError):
    """A sealed value was read or written without its data key fetched with the row: a query
    bug (add `select_related`, or assign the owner), never a reason to show nothing."""


# What a fetched row is: anything else at a relation's name is Tortoise's query for it.
ROW_TYPES = (Model, Record)


def data_key_of(row: Model | Record, path: tuple[str, ...]) -> Any:
    """The DataKey at `path` (("data_key",), ("account", "data_key")), fetched with the row."""
    target: Any = row
    for part in path:
        target = getattr(target, part)
        if target is None:
            return None
        if not isinstance(target, ROW_TYPES):
            where = ".".join(path)
            raise RelatedKeyNotLoaded(f"{type(row).__name__}.{where} was not fetched with the row")
    return target


class SealedValue:
    """The accessor of a sealed column: reading opens the blob under the person's data key
    (None when there is none, or the key was destroyed by an erasure); writing seals the value
    and, with a look-up, keeps its keyed hash."""

    def __init__(self, column: Column) -> None:
        self.column = column
        self.key_path = tuple(column.key.split("."))
        self.blob = f"{column.name}_sealed"

    def __get__(self, row: Model | None, owner: type) -> Any:
        if row is None:
            return self
        blob = getattr(row, self.blob)
        if blob is None:
            return None
        key = data_key_of(row, self.key_path)
        return None if key is None else key.open(blob, self.column.sealed_as)

    def __set__(self, row: Model, value: str | None) -> None:
        column = self.column
        key = data_key_of(row, self.key_path) if value is not None else None
        setattr(row, self.blob, key.seal(value, column.sealed_as) if key else None)
        if column.lookup:
            setattr(row, f"{column.name}_hash", lookup_hash(column.lookup, value))


def sealed_accessors(model: type[Model]) -> dict[str, SealedValue]:
    """The accessors of the model's sealed columns, for a record of its rows to read them as
    the model does (`models.records`)."""
    return {
        column.name: vars(model)[column.name]
        for column in declaration_of(model).columns
        if column.storage is Storage.SEALED
    }


def listed_columns(model: type[Model]) -> tuple[str, ...]:
    """The stored columns a list of the model's rows reads (`models.records`): every one but
    the keyed and password hashes, which only find and compare, and the links to other rows."""
    columns = declaration_of(model).columns
    hashes = {c.name for c in columns if c.storage is Storage.HASHED} | {
        f"{c.name}_hash" for c in columns if c.lookup
    }
    return tuple(
        name
        for name, field in model._meta.fields_map.items()
        if not isinstance(field, RelationalField) and name not in hashes
    )


def lookup_hash(prefix: str, value: str | None) -> str | None:
    """The keyed hash a normalized value is found and kept unique by."""
    if value is None:
        return None
    return keyring.active().lookup_hash(f"{prefix}:{value}")


def _cleared(column: Column) -> dict[str, Any]:
    return dict.fromkeys(column.stored_columns)


def erasure_changes(declaration: PersonalData) -> dict[str, Any]:
    """The column values erasing the person leaves in each of their rows of this model."""
    changes: dict[str, Any] = {}
    for column in declaration.columns:
        if column.erasure in (Erasure.SHRED, Erasure.CLEAR):
            changes |= _cleared(column)
        elif column.erasure is Erasure.BLANK:
            changes[column.name] = ""
    if declaration.on_erasure is RowAction.UNLINK:
        changes[declaration.owner] = None
    return changes


def retention_changes(declaration: PersonalData) -> dict[str, Any]:
    """The column values a row keeps once its retention has run out (unless it is deleted)."""
    changes: dict[str, Any] = {}
    for column in declaration.columns:
        if column.retention is Retention.CLEAR:
            changes |= _cleared(column)
        elif column.retention is Retention.ANONYMIZE:
            changes[column.name] = ANONYMIZED
    if declaration.on_retention is RowAction.UNLINK:
        changes[declaration.owner] = None
    return changes


def retention_pending(declaration: PersonalData) -> Q:
    """Rows the retention job has not yet done: any value it changes still differs."""
    if declaration.on_retention is RowAction.DELETE:
        return Q()
    pending = [
        ~Q(**{name: value}) if value is not None else Q(**{f"{name}__isnull": False})
        for name, value in retention_changes(declaration).items()
    ]
    return Q(*pending, join_type=Q.OR) if pending else Q(id__in=[])


def seal_with(model: type[Model], column: str, plain_key: bytes, value: str) -> bytes:
    """The blob of a sealed column under a data key already in hand, for bulk loads that build
    rows without model instances (bench/seed.py)."""
    return keyring.seal(keyring.cipher(plain_key), value, declaration_of(model)[column].sealed_as)
