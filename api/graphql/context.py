"""What every resolver of one request shares: who asks, their decisions, loaders, what the
response held back, and the session cookie to set or clear."""

from dataclasses import dataclass, field

import strawberry
from starlette.requests import Request
from starlette.responses import Response

from api.actor import Actor
from api.auth.sessions import person_viewer
from api.errors import unauthenticated
from api.graphql.disclosure import Disclosures
from api.graphql.loaders import Loaders
from api.privacy.dnt import privacy_signal
from api.runtime import Runtime
from models.accounts import Account, Session
from plugins.engine import RequestDecisions
from plugins.viewer import Viewer

USER_AGENT_LENGTH = 255


@dataclass
class RequestContext:
    request: Request
    response: Response
    runtime: Runtime
    viewer: Viewer
    session: Session | None
    decisions: RequestDecisions
    request_id: str
    loaders: Loaders = field(default_factory=Loaders)
    disclosures: Disclosures = field(default_factory=Disclosures)

    @property
    def actor(self) -> Actor:
        request = self.request
        agent = request.headers.get("user-agent")
        return Actor(
            viewer=self.viewer,
            request_id=self.request_id,
            address=request.client.host if request.client else None,
            user_agent=agent[:USER_AGENT_LENGTH] if agent else None,
            privacy_signal=privacy_signal(request.headers),
        )

    async def account(self) -> Account:
        """The signed-in person's account (its data key fetched), or UNAUTHENTICATED."""
        if self.session is None:
            raise unauthenticated()
        return self.session.account

    def become(self, account: Account, session: Session | None) -> None:
        """From here on this request speaks to the person who just registered or signed in."""
        self.viewer = person_viewer(account, self.viewer.do_not_track)
        self.session = session
        self.decisions = self.runtime.engine.for_request(self.viewer)

    def set_session_cookie(self, token: str) -> None:
        settings = self.runtime.settings
        self.response.set_cookie(
            settings.session_cookie,
            token,
            max_age=settings.session_hours * 3600,
            httponly=True,
            samesite="lax",
            secure=settings.production,
        )

    def clear_session_cookie(self) -> None:
        settings = self.runtime.settings
        self.response.delete_cookie(
            settings.session_cookie, httponly=True, samesite="lax", secure=settings.production
        )


Info = strawberry.Info[RequestContext, None]
