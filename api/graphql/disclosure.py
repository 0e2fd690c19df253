"""What a response held back, gathered while resolving and reported once at the end.

Raising one error per denied field costs ~4x on a 100-row list and logs a traceback each time, so
blocked fields are recorded here and turned into errors in one pass
(api.graphql.extensions.consent_report).
"""

from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLError
from graphql.pyutils import Path

from api.errors import ErrorCode
from plugins.decision import Decision


class DottedPaths:
    """Paths as "accounts.edges.3.node.phone". The fields of one row share their row's prefix,
    so each prefix is spelled once (keyed by identity: hashing a Path hashes its whole chain),
    not once per field: an admin's list of 100 people has 600 masked fields."""

    def __init__(self) -> None:
        self._spelled: dict[int, str] = {}

    def __call__(self, path: Path) -> str:
        spelled = self._spelled.get(id(path))
        if spelled is None:
            key = str(path.key)
            spelled = key if path.prev is None else f"{self(path.prev)}.{key}"
            self._spelled[id(path)] = spelled
        return spelled


@dataclass
class Disclosures:
    masked: list[Path] = field(default_factory=list)
    blocked: list[tuple[Path, str, Decision]] = field(default_factory=list)

    def errors(self) -> list[GraphQLError]:
        return [
            GraphQLError(
                f"{category} is not disclosed to this viewer",
                path=path.as_list(),
                extensions={
                    "code": decision.code or ErrorCode.FORBIDDEN,
                    "category": category,
                    "reason": decision.reason,
                },
            )
            for path, category, decision in self.blocked
        ]

    def summary(self) -> dict[str, Any]:
        dotted = DottedPaths()
        return {
            "masked": [dotted(path) for path in self.masked],
            "blocked": [dotted(path) for path, _, _ in self.blocked],
        }
