"""What every type backed by a table row shares: the row, its data subject, and an id."""

from typing import Any

import strawberry

from plugins.subject import Subject


@strawberry.type
class RowNode:
    row: strawberry.Private[Any]
    subject: strawberry.Private[Subject]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.row.id))
