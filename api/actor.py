"""Who performs a use case: the viewer, and where the request came from.

Use cases (each domain's service) take an `Actor`, never a GraphQL context: the command line and
scheduled jobs call the same services, and every audit event names who acted and in which
request (P-SEC-5).
"""

from dataclasses import dataclass

from api.errors import forbidden, unauthenticated
from models.accounts import Duty
from plugins.viewer import Viewer, ViewerKind


@dataclass(frozen=True)
class Actor:
    viewer: Viewer
    request_id: str | None = None
    # The connecting address and the client's own description: consent evidence, sign-in records.
    address: str | None = None
    user_agent: str | None = None
    # A Do Not Track or GPC signal on the request ("DNT", "GPC"), kept as the person's choice.
    privacy_signal: str | None = None

    @property
    def account_id(self) -> int:
        """The signed-in person's account id, or UNAUTHENTICATED."""
        if self.viewer.account_id is None:
            raise unauthenticated()
        return self.viewer.account_id

    def admin_id(self, duty: Duty | None = None) -> int:
        """The acting admin's account id; FORBIDDEN for anyone else signed in, and for an admin
        without `duty` when the use case needs one."""
        if self.viewer.kind is not ViewerKind.ADMIN:
            raise forbidden("admins only") if self.viewer.account_id else unauthenticated()
        if duty is not None and duty not in self.viewer.duties:
            raise forbidden(f"this needs the {duty} duty")
        return self.account_id
