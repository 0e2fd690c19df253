"""Accounts for the staff of a partner company (policy 五(一)3-4: 合作伙伴个人信息查询/更正).

An admin invites; the invitation token is shown once, kept only as a digest, expires, and
serves one registration. The invitee registers through it with the details every person gives
(P-COLLECT-1) and gets a PARTNER account tied to the partner company. What a partner may do
after that is fixed by api.graphql.extensions.partner_scope and the consent engine's partner
plugin: read and correct their own details, nothing else.
"""

from dataclasses import dataclass
from datetime import timedelta

from tortoise.transactions import in_transaction

from api.accounts.service import register
from api.actor import Actor
from api.affiliates.service import find_affiliate
from api.audit.events import record_change
from api.auth.passwords import Passwords
from api.auth.tokens import INVITATION_PREFIX, digest, new_token
from api.errors import ApiError, ErrorCode, invalid
from api.policy.acceptance import Evidence
from models.accounts import Account, Role
from models.clock import utcnow
from models.partners import PartnerInvitation

DEFAULT_VALID_HOURS = 72
MAX_VALID_HOURS = 30 * 24
# One message whether the token is unknown, used or expired: it tells a guesser nothing.
NOT_VALID = "this invitation is unknown, used or expired"


@dataclass(frozen=True)
class IssuedInvitation:
    token: str
    invitation: PartnerInvitation


async def invite_partner(actor: Actor, affiliate_id: int, valid_hours: int) -> IssuedInvitation:
    """Admins only."""
    admin_id = actor.admin_id()
    if not 1 <= valid_hours <= MAX_VALID_HOURS:
        raise invalid("validForHours", f"between 1 and {MAX_VALID_HOURS} hours")
    affiliate = await find_affiliate(affiliate_id, "affiliateId")
    token = new_token(INVITATION_PREFIX)
    now = utcnow()
    async with in_transaction():
        invitation = await PartnerInvitation.create(
            affiliate=affiliate,
            token_hash=digest(token),
            invited_by_id=admin_id,
            created_at=now,
            expires_at=now + timedelta(hours=valid_hours),
        )
        await record_change(
            actor,
            f"affiliate:{affiliate.id}",
            "PARTNER_INVITED",
            {"invitation_id": invitation.id, "valid_hours": valid_hours},
        )
    return IssuedInvitation(token=token, invitation=invitation)


@dataclass(frozen=True)
class Registration:
    """The details every person registers with (P-COLLECT-1)."""

    phone: str
    email: str
    name: str
    company: str
    password: str


async def accept_invitation(
    actor: Actor, passwords: Passwords, token: str, details: Registration
) -> Account:
    """Registers the invitee as a PARTNER of the inviting company; the invitation is claimed in
    the account's own transaction, so of two registrations racing on one token one stands."""
    invitation = await PartnerInvitation.filter(
        token_hash=digest(token.strip()), accepted_at=None, expires_at__gt=utcnow()
    ).first()
    if invitation is None:
        raise ApiError(ErrorCode.NOT_FOUND, NOT_VALID, field="token")

    async def claim(account: Account) -> None:
        claimed = await PartnerInvitation.filter(
            id=invitation.id, accepted_at=None, expires_at__gt=utcnow()
        ).update(accepted_at=utcnow(), account_id=account.id)
        if not claimed:
            raise ApiError(ErrorCode.NOT_FOUND, NOT_VALID, field="token")
        await record_change(
            actor,
            f"account:{account.id}",
            "PARTNER_REGISTERED",
            {"invitation_id": invitation.id, "affiliate_id": invitation.affiliate_id},
        )

    return await register(
        passwords,
        phone=details.phone,
        email=details.email,
        name=details.name,
        company=details.company,
        secret=details.password,
        evidence=Evidence.of(actor, "partner_invitation"),
        role=Role.PARTNER,
        partner_of=invitation.affiliate_id,
        within=claim,
    )
