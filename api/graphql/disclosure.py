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
    not once per field: an admin's list of 100 people has 600 masked fields. Only prefixes are
    kept: a field's own path is spelled once, for its one line of the report."""

    def __init__(self) -> None:
        self._prefixes: dict[int, str] = {}

    def __call__(self, path: Path) -> str:
        prev = path.prev
        if prev is None:
            return str(path.key)
        prefix = self._prefixes.get(id(prev))
        if prefix is None:
            prefix = self._prefixes[id(prev)] = self(prev)
        return f"{prefix}.{path.key}"


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
