"""What every type backed by a table row shares: the row and an opaque id; rows that hold a
person's data also carry their data subject, which the consent engine decides on."""

from typing import Any

import strawberry

from plugins.subject import Subject


@strawberry.type
class RowNode:
    row: strawberry.Private[Any]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.row.id))


@strawberry.type
class SubjectNode(RowNode):
    subject: strawberry.Private[Subject]
