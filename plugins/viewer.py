"""Who asks: built by the api layer from a session or an API client token."""

from dataclasses import dataclass
from enum import StrEnum


class ViewerKind(StrEnum):
    ANONYMOUS = "ANONYMOUS"
    PERSON = "PERSON"
    # A person whose account has the ADMIN role: `account_id` is set.
    ADMIN = "ADMIN"
    # A partner company's staff member (role PARTNER): `account_id` is set. They see their own
    # details as any person does, and nobody else's.
    PARTNER = "PARTNER"
    API_CLIENT = "API_CLIENT"


@dataclass(frozen=True)
class ClientScope:
    """An API client's binding: one recipient, one purpose, one region (P-SHARE-2, P-REGION-1)."""

    client_id: int
    affiliate_id: int
    affiliate_kind: str
    purpose: str
    region: str
    categories: frozenset[str]


@dataclass(frozen=True)
class Viewer:
    kind: ViewerKind
    account_id: int | None = None
    client: ClientScope | None = None
    # DNT or Sec-GPC on the request (P-DNT-1).
    do_not_track: bool = False
    # An admin's duties (models.accounts.Duty values): each opens what it needs, no more.
    duties: frozenset[str] = frozenset()

    @property
    def ref(self) -> str:
        if self.client is not None:
            return f"client:{self.client.client_id}"
        if self.account_id is not None:
            return f"account:{self.account_id}"
        return "anonymous"
