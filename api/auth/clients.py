"""API clients of affiliates and third parties: one recipient, one purpose (P-SHARE-2)."""

from tortoise.expressions import Q

from api.auth.tokens import digest
from models.clock import utcnow
from models.consent import ApiClient
from plugins.viewer import ClientScope, Viewer, ViewerKind


async def live_client(token: str) -> ApiClient | None:
    return (
        await ApiClient.filter(token_hash=digest(token), revoked_at=None)
        .filter(Q(expires_at=None) | Q(expires_at__gt=utcnow()))
        .select_related("affiliate")
        .first()
    )


def client_viewer(client: ApiClient, do_not_track: bool) -> Viewer:
    affiliate = client.affiliate
    return Viewer(
        kind=ViewerKind.API_CLIENT,
        client=ClientScope(
            client_id=client.id,
            affiliate_id=affiliate.id,
            affiliate_kind=str(affiliate.kind),
            purpose=client.purpose,
            region=affiliate.region,
            categories=frozenset(client.categories),
        ),
        do_not_track=do_not_track,
    )
