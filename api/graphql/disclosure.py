"""What a response held back, gathered while resolving and reported once at the end.

Raising one error per denied field costs ~4x on a 100-row list and logs a traceback each time, so
blocked fields are recorded here and turned into errors in one pass (api.graphql.consent_report).
"""

from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLError
from graphql.pyutils import Path

from plugins.decision import Decision


def dotted(path: Path) -> str:
    return ".".join(str(key) for key in path.as_list())


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
                    "code": decision.code or "FORBIDDEN",
                    "category": category,
                    "reason": decision.reason,
                },
            )
            for path, category, decision in self.blocked
        ]

    def summary(self) -> dict[str, Any]:
        return {
            "masked": [dotted(path) for path in self.masked],
            "blocked": [dotted(path) for path, _, _ in self.blocked],
        }
