"""Recipients (affiliates and third parties) and their API clients, managed by admins
(P-SHARE-1, P-SHARE-2, P-REGION-1). A client token is shown once and stored only as a digest."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from api.accounts.service import listable_accounts
from api.actor import Actor
from api.audit.events import change_event, record_change
from api.auth.tokens import CLIENT_PREFIX, digest, new_token
from api.consent import scopes
from api.errors import ApiError, ErrorCode, invalid, not_found, unauthenticated
from api.validation import text
from models.audit_chain import append_entries
from models.clock import utcnow
from models.consent import Affiliate, AffiliateKind, ApiClient, Consent, ConsentEnd
from plugins.engine import RequestDecisions
from plugins.viewer import ViewerKind

END = str(ConsentEnd.PURPOSE_CHANGED)
# How long a replaced client token keeps working after a rotation, at most (30 days): long
# enough for an affiliate's slowest release, short enough that a leaked old token does not linger.
MAX_OVERLAP_HOURS = 720


async def find_affiliate(affiliate_id: int, field: str) -> Affiliate:
    affiliate = await Affiliate.get_or_none(id=affiliate_id)
    if affiliate is None:
        raise invalid(field, "no such recipient")
    return affiliate


async def list_affiliates(actor: Actor) -> list[Affiliate]:
    """Every recipient: whom a person may consent to, for what; for anyone signed in."""
    if actor.viewer.kind is ViewerKind.ANONYMOUS:
        raise unauthenticated()
    return await Affiliate.all().order_by("id")


async def create_affiliate(
    actor: Actor, name: str, kind: AffiliateKind, region: str, purposes: list[str]
) -> Affiliate:
    actor.admin_id()
    name = text(name, "name", max_length=128)
    code = scopes.region(region)
    wanted = scopes.purposes(purposes)
    async with in_transaction():
        affiliate = await Affiliate.create(name=name, kind=kind, region=code, purposes=wanted)
        await record_change(
            actor,
            f"affiliate:{affiliate.id}",
            "AFFILIATE_CREATED",
            {"kind": str(kind), "region": code, "purposes": wanted},
        )
    return affiliate


async def change_purposes(actor: Actor, affiliate_id: int, purposes: list[str]) -> Affiliate:
    """A dropped purpose ends its consents and clients (P-SHARE-2), each on record."""
    actor.admin_id()
    wanted = scopes.purposes(purposes)
    affiliate = await Affiliate.get_or_none(id=affiliate_id)
    if affiliate is None:
        raise not_found("affiliate")
    dropped = [p for p in affiliate.purposes if p not in wanted]
    async with in_transaction():
        # Read in the transaction: every consent this change ends gets its own event.
        ending = await Consent.filter(
            recipient_id=affiliate.id, purpose__in=dropped, withdrawn_at=None
        ).values_list("id", "account_id", "purpose")
        await affiliate.change_purposes(wanted)
        await append_entries(
            [
                change_event(
                    actor,
                    f"affiliate:{affiliate.id}",
                    "AFFILIATE_PURPOSES_CHANGED",
                    {"purposes": wanted, "dropped": dropped},
                ),
                *(
                    change_event(
                        actor,
                        f"account:{account_id}",
                        "CONSENT_ENDED",
                        {"consent_id": consent_id, "purpose": ended, "reason": END},
                    )
                    for consent_id, account_id, ended in ending
                ),
            ]
        )
    return affiliate


@dataclass(frozen=True)
class ClientRequest:
    affiliate_id: int
    name: str
    purpose: str
    categories: list[str]
    expires_at: datetime | None


@dataclass(frozen=True)
class IssuedClient:
    # Shown this once; only its digest is kept.
    token: str
    client: ApiClient


async def issue_client(actor: Actor, request: ClientRequest) -> IssuedClient:
    actor.admin_id()
    affiliate = await find_affiliate(request.affiliate_id, "affiliateId")
    name = text(request.name, "name", max_length=128)
    bound = scopes.purpose(request.purpose)
    if bound not in affiliate.purposes:
        raise invalid("purpose", "not one of the recipient's purposes")
    categories = scopes.grantable_categories(request.categories)
    if request.expires_at is not None and request.expires_at <= utcnow():
        raise invalid("expiresAt", "the expiry must lie in the future")
    token = new_token(CLIENT_PREFIX)
    async with in_transaction():
        client = await ApiClient.create(
            affiliate=affiliate,
            name=name,
            purpose=bound,
            categories=categories,
            token_hash=digest(token),
            expires_at=request.expires_at,
        )
        await record_change(
            actor,
            f"client:{client.id}",
            "API_CLIENT_ISSUED",
            {"affiliate_id": affiliate.id, "purpose": bound, "categories": categories},
        )
    return IssuedClient(token=token, client=client)


async def revoke_client(actor: Actor, client_id: int) -> ApiClient:
    """The client's token stops working at once; revoking again changes nothing."""
    actor.admin_id()
    client = await ApiClient.get_or_none(id=client_id)
    if client is None:
        raise not_found("API client")
    if client.revoked_at is None:
        async with in_transaction():
            client.revoked_at = utcnow()
            await client.save(update_fields=["revoked_at"])
            await record_change(actor, f"client:{client.id}", "API_CLIENT_REVOKED", {})
    return client


async def calling_client(actor: Actor) -> ApiClient | None:
    """The API client asking, as its affiliate sees it; None for anyone else."""
    scope = actor.viewer.client
    if scope is None:
        return None
    return await ApiClient.get(id=scope.client_id).select_related("affiliate")


async def consenting_people(decisions: RequestDecisions) -> int:
    """How many people the calling client may list now: exactly the rows `accounts` pages
    through (their consent to its recipient and purpose, and every restriction, P-SHARE-1)."""
    return await listable_accounts(decisions).count()


async def clients_of(actor: Actor, affiliate_id: int | None) -> list[ApiClient]:
    """Every client issued to a recipient (or to any, for None), revoked ones included, newest
    first; admins only."""
    actor.admin_id()
    query = ApiClient.all()
    if affiliate_id is not None:
        query = query.filter(affiliate_id=(await find_affiliate(affiliate_id, "affiliateId")).id)
    return await query.select_related("affiliate").order_by("-id")


async def rotate_client(actor: Actor, client_id: int, overlap_hours: int) -> IssuedClient:
    """A new token for the client; the current one keeps working for `overlap_hours`, then
    stops. A token an earlier rotation replaced stops at once: only one old token is honoured."""
    actor.admin_id()
    if not 0 <= overlap_hours <= MAX_OVERLAP_HOURS:
        raise invalid("overlapHours", f"the overlap must be 0 to {MAX_OVERLAP_HOURS} hours")
    client = await ApiClient.get_or_none(id=client_id).select_related("affiliate")
    if client is None:
        raise not_found("API client")
    now = utcnow()
    if client.revoked_at is not None or (client.expires_at and client.expires_at <= now):
        raise ApiError(ErrorCode.CONFLICT, "a revoked or expired client cannot be rotated")
    token = new_token(CLIENT_PREFIX)
    async with in_transaction():
        client.previous_token_hash = client.token_hash
        client.previous_token_until = now + timedelta(hours=overlap_hours)
        client.token_hash = digest(token)
        client.rotated_at = now
        await client.save(
            update_fields=[
                "previous_token_hash",
                "previous_token_until",
                "token_hash",
                "rotated_at",
            ]
        )
        await record_change(
            actor,
            f"client:{client.id}",
            "API_CLIENT_ROTATED",
            {"previous_token_until": client.previous_token_until.isoformat()},
        )
    return IssuedClient(token=token, client=client)
