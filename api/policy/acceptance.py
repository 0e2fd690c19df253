"""A person's acceptance of a policy version, with its evidence (P-UPDATE-1): when, through
which channel, and from which address and client, as a consent records its own."""

from dataclasses import dataclass

from api.actor import Actor
from models.clock import utcnow
from models.consent import PolicyAcceptance, PolicyVersion

# The channels an acceptance comes through.
REGISTRATION = "registration"
API = "api"


@dataclass(frozen=True)
class Evidence:
    channel: str
    ip: str | None = None
    user_agent: str | None = None

    @classmethod
    def of(cls, actor: Actor, channel: str) -> "Evidence":
        return cls(channel=channel, ip=actor.address, user_agent=actor.user_agent)


async def record_acceptance(
    account_id: int, policy: PolicyVersion, evidence: Evidence
) -> tuple[PolicyAcceptance, bool]:
    """The acceptance, and whether it is new: accepting a version again keeps the first one.
    The caller holds the transaction."""
    return await PolicyAcceptance.get_or_create(
        account_id=account_id,
        policy_version=policy,
        defaults={
            "accepted_at": utcnow(),
            "channel": evidence.channel,
            "evidence_ip": evidence.ip,
            "evidence_user_agent": evidence.user_agent,
        },
    )
