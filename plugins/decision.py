"""What the engine answers for one (viewer, subject, category), and what each plugin says."""

from dataclasses import dataclass
from enum import StrEnum


class Effect(StrEnum):
    ALLOW = "ALLOW"
    MASK = "MASK"
    BLOCK = "BLOCK"


class BlockCode(StrEnum):
    """`extensions.code` of a blocked field: whether the person could still say yes."""

    CONSENT_REQUIRED = "CONSENT_REQUIRED"
    FORBIDDEN = "FORBIDDEN"


@dataclass(frozen=True, slots=True)
class Decision:
    effect: Effect
    reason: str
    # What made it ALLOW: "owner", "consent:12", "legal:3"; None otherwise.
    basis: str | None = None
    # Set for BLOCK only.
    code: BlockCode | None = None


class VoteKind(StrEnum):
    ABSTAIN = "ABSTAIN"
    PERMIT = "PERMIT"
    RESTRICT = "RESTRICT"


@dataclass(frozen=True, slots=True)
class Vote:
    kind: VoteKind
    basis: str | None = None
    reason: str | None = None
    code: BlockCode | None = None

    @classmethod
    def permit(cls, basis: str) -> "Vote":
        return cls(VoteKind.PERMIT, basis=basis)

    @classmethod
    def restrict(cls, reason: str, code: BlockCode) -> "Vote":
        return cls(VoteKind.RESTRICT, reason=reason, code=code)


ABSTAIN = Vote(VoteKind.ABSTAIN)
