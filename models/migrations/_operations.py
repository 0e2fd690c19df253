"""Operations the generated migrations use where Tortoise's own would break a live database.

(The migration loader skips modules whose name starts with "_".)
"""

from typing import Any

from tortoise.migrations import operations as ops


class AlterDescription(ops.AlterField):
    """An AlterField that changes only a column's description, such as the member list Tortoise
    writes for an enum column when the enum gains a member. The migration state moves; the
    database is left as it is: values and constraints do not change, and on SQLite Tortoise
    would rebuild the whole table for a comment, which fails once rows of other tables refer
    to it (account, notification)."""

    async def database_forward(self, *args: Any, **kwargs: Any) -> None:
        return None

    async def database_backward(self, *args: Any, **kwargs: Any) -> None:
        return None
