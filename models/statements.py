"""Queries built once per shape and run with each request's values.

Building a Tortoise query (its expressions, pypika's terms, the SQL text) costs several times
the CPU of running a small one. A `Statement` builds its query from the usual Tortoise
expressions, once per shape (the database's dialect, the caller's shape and the length of each
list), with stand-in values for its parameters; every run binds its own values where the
stand-ins were. The query is still written once, in ORM terms, and nothing of one run's values
is kept for the next.
"""

import copy
from collections.abc import Callable, Hashable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from tortoise.models import Model
from tortoise.queryset import AwaitableQuery

Result = TypeVar("Result")
Param = int | str | datetime | Sequence[int]

# Stand-ins no real value takes: ids are positive (the stand-ins stay in a 32-bit column's
# range, which a filter may check), times are after the year 2000, and no text holds a NUL.
_INT_STAND_IN = -2_000_000_000
_TIME_STAND_IN = datetime(1001, 1, 1, tzinfo=UTC)
# Shapes kept per statement: list lengths are bounded by the page sizes.
MAX_SHAPES = 512


class _Bound:
    """The compiled SQL with one run's values, in the place of the pypika query Tortoise runs."""

    __slots__ = ("sql", "values")

    def __init__(self, sql: str, values: list[Any]) -> None:
        self.sql = sql
        self.values = values

    def get_parameterized_sql(self) -> tuple[str, list[Any]]:
        return self.sql, self.values


class _Compiled:
    """One shape: the query made with stand-ins, its SQL, and where each value goes."""

    def __init__(self, query: AwaitableQuery, stand_ins: dict[str, Any]) -> None:
        query._choose_db_if_not_chosen()
        query._make_query()
        self.sql, template = query.query.get_parameterized_sql()
        self.template = list(template)
        self.query = query
        # (name, index in the list or None for a scalar, position in the SQL's values)
        self.slots: list[tuple[str, int | None, int]] = []
        for position, value in enumerate(self.template):
            slot = _slot_of(value, stand_ins)
            if slot is not None:
                self.slots.append((slot[0], slot[1], position))
        bound = {(name, index) for name, index, _ in self.slots}
        for name, stand_in in stand_ins.items():
            expected = (
                {(name, i) for i in range(len(stand_in))}
                if isinstance(stand_in, list)
                else {(name, None)}
            )
            if not expected <= bound:
                # The ORM converted a value on its way into the SQL: binding raw values there
                # would be wrong, so the statement refuses to be made.
                raise TypeError(f"parameter {name!r} is not passed through as given")

    def bind(self, params: dict[str, Param]) -> _Bound:
        values = self.template.copy()
        for name, index, position in self.slots:
            value = params[name]
            values[position] = value if index is None else value[index]  # type: ignore[index]
        return _Bound(self.sql, values)


def _slot_of(value: Any, stand_ins: dict[str, Any]) -> tuple[str, int | None] | None:
    for name, stand_in in stand_ins.items():
        if isinstance(stand_in, list):
            for index, item in enumerate(stand_in):
                if _same(value, item):
                    return name, index
        elif _same(value, stand_in):
            return name, None
    return None


def _same(value: Any, stand_in: Any) -> bool:
    return type(value) is type(stand_in) and value == stand_in


def _stand_ins(params: dict[str, Param]) -> dict[str, Any]:
    made: dict[str, Any] = {}
    for serial, (name, value) in enumerate(params.items()):
        if isinstance(value, bool):
            raise TypeError(f"parameter {name!r}: a flag is part of the shape, not a value")
        if isinstance(value, int):
            made[name] = _INT_STAND_IN - 1_000_000 * serial
        elif isinstance(value, str):
            made[name] = f"\x00{name}\x00"
        elif isinstance(value, datetime):
            made[name] = _TIME_STAND_IN + timedelta(days=serial)
        else:
            made[name] = [_INT_STAND_IN - 1_000_000 * serial - 1 - i for i in range(len(value))]
    return made


class Statement(Generic[Result]):
    """A query made into SQL once per shape and run with each call's values.

    `build(shape, **params)` must use each parameter only as a value compared in the query
    (what the query looks like is `shape`'s to choose), and return an awaitable Tortoise query
    (a QuerySet, `values_list`, …) on `model`'s connection.
    """

    def __init__(self, model: type[Model], build: Callable[..., AwaitableQuery]) -> None:
        self._model = model
        self._build = build
        self._shapes: dict[Hashable, _Compiled] = {}

    async def run(self, shape: Hashable = (), **params: Param) -> Result:
        return await self._bound(shape, params)._execute()

    async def rows(self, shape: Hashable = (), **params: Param) -> list[Any]:
        """The rows as the database driver gives them, nothing converted (`models.records`)."""
        query = self._bound(shape, params)
        _, rows = await query._db.execute_query(*query.query.get_parameterized_sql())
        return rows

    def _bound(self, shape: Hashable, params: dict[str, Param]) -> AwaitableQuery:
        compiled = self._compiled(shape, params)
        query = copy.copy(compiled.query)
        # The connection of this run (a test's database, the transaction in progress).
        query._db = None
        query._choose_db_if_not_chosen()
        query.query = compiled.bind(params)
        return query

    def _compiled(self, shape: Hashable, params: dict[str, Param]) -> _Compiled:
        lengths = tuple(
            len(v) if not isinstance(v, int | str | datetime) else None for v in params.values()
        )
        dialect = self._model._meta.db.capabilities.dialect
        key = (dialect, shape, tuple(params), lengths)
        compiled = self._shapes.get(key)
        if compiled is None:
            stand_ins = _stand_ins(params)
            compiled = _Compiled(self._build(shape, **stand_ins), stand_ins)
            if len(self._shapes) >= MAX_SHAPES:
                self._shapes.clear()
            self._shapes[key] = compiled
        return compiled
