"""What every resolver of one request shares: who asks, their decisions, loaders, the ledger."""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import strawberry
from starlette.requests import Request
from starlette.responses import Response

from api.auth.sessions import person_viewer
from api.errors import forbidden, unauthenticated
from api.graphql.disclosure import Disclosures
from api.graphql.loaders import Loaders
from models.accounts import Account, Session
from plugins.engine import RequestDecisions
from plugins.viewer import Viewer, ViewerKind

if TYPE_CHECKING:
    from api.runtime import Services


@dataclass
class RequestContext:
    request: Request
    response: Response
    services: "Services"
    viewer: Viewer
    session: Session | None
    decisions: RequestDecisions
    request_id: str
    loaders: Loaders = field(default_factory=Loaders)
    disclosures: Disclosures = field(default_factory=Disclosures)

    @property
    def account_id(self) -> int:
        """The signed-in person's account id, or UNAUTHENTICATED."""
        if self.viewer.account_id is None:
            raise unauthenticated()
        return self.viewer.account_id

    async def account(self) -> Account:
        if self.session is None:
            raise unauthenticated()
        return self.session.account

    def become(self, account: Account, session: Session | None) -> None:
        """From here on this request speaks to the person who just registered or signed in."""
        self.viewer = person_viewer(account, self.viewer.do_not_track)
        self.session = session
        self.decisions = self.services.engine.for_request(self.viewer)

    def set_session_cookie(self, token: str) -> None:
        settings = self.services.settings
        self.response.set_cookie(
            settings.session_cookie,
            token,
            max_age=settings.session_hours * 3600,
            httponly=True,
            samesite="lax",
            secure=settings.production,
        )

    def clear_session_cookie(self) -> None:
        settings = self.services.settings
        self.response.delete_cookie(
            settings.session_cookie, httponly=True, samesite="lax", secure=settings.production
        )

    def require_admin(self) -> int:
        if self.viewer.kind is not ViewerKind.ADMIN:
            raise forbidden("admins only") if self.viewer.account_id else unauthenticated()
        return self.account_id


Info = strawberry.Info[RequestContext, None]
