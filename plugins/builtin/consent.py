"""P-SHARE-1/2, P-WITHDRAW-1, P-UPDATE-1, P-TRANSFER-1: an API client sees what the person
consented to.

A consent counts for a client when it names the client's recipient and purpose, is not withdrawn
and was given under a policy version still acceptable: once a version that requires fresh consent
applies, consents given under earlier versions pause until the person accepts that version
(`acceptPolicy`) or consents again under it. Only categories both in the consent and in the
client's scope are permitted. Everything is read from the database on each request, so
a withdrawal counts in every worker at once.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tortoise.expressions import Q, RawSQL, Subquery
from tortoise.queryset import QuerySet, ValuesListQuery

from models.accounts import Account, AccountStatus
from models.clock import utcnow
from models.consent import Consent, PolicyAcceptance, PolicyVersion
from models.privacy import TRANSFER_PURPOSE, TransferOutcome, TransferSubject
from models.statements import Statement
from plugins.base import BasePlugin, Narrowing
from plugins.categories import DataCategory
from plugins.decision import ABSTAIN, Vote
from plugins.subject import Subject
from plugins.viewer import ClientScope, Viewer


def covering_consents(scope: ClientScope) -> QuerySet[Consent]:
    """Consents naming the client's recipient and purpose, not withdrawn, not paused."""
    return _covering(scope.affiliate_id, scope.purpose, utcnow())


def _covering(recipient: int, purpose: str, now: datetime) -> QuerySet[Consent]:
    fresh_version = (
        PolicyVersion.filter(requires_fresh_consent=True, effective_at__lte=now)
        .order_by("-effective_at")
        .limit(1)
    )
    # Empty while no version requires fresh consent: comparing with NULL matches nothing.
    stale_versions = Subquery(
        PolicyVersion.filter(
            effective_at__lt=Subquery(fresh_version.values("effective_at"))
        ).values("id")
    )
    accepted_fresh = Subquery(
        PolicyAcceptance.filter(policy_version_id__in=Subquery(fresh_version.values("id"))).values(
            "account_id"
        )
    )
    return Consent.filter(
        Q(recipient_id=recipient, purpose=purpose, withdrawn_at=None)
        & (~Q(policy_version_id__in=stale_versions) | Q(account_id__in=accepted_fresh))
    )


def _is_transfer(scope: ClientScope) -> bool:
    return scope.purpose == TRANSFER_PURPOSE


def live_consents(transfer: bool, recipient: int, purpose: str, now: datetime) -> QuerySet[Consent]:
    """The consents that let the client see a person. For a successor's client (purpose
    "transfer", P-TRANSFER-1) the person must also have moved to it in a recorded transfer:
    a consent alone moves nothing until an admin records the transfer, and someone asked in a
    transfer is seen only once they accepted."""
    consents = _covering(recipient, purpose, now)
    if not transfer:
        return consents
    moved = TransferSubject.filter(
        transfer__successor_id=recipient, outcome=TransferOutcome.MOVED
    ).values("account_id")
    return consents.filter(account_id__in=Subquery(moved))


def _live_consents_of(
    transfer: bool, *, recipient: int, purpose: str, now: datetime, people: list[int]
) -> ValuesListQuery:
    """Newest first, for the people of a page: (consent id, account id, categories)."""
    return (
        live_consents(transfer, recipient, purpose, now)
        .filter(account_id__in=people)
        .order_by("-id")
        .values_list("id", "account_id", "categories")
    )


# Built once per page size and kind of client, not on every request. Read as the driver's rows:
# the ids need no conversion, and the categories are decoded once per distinct stored list.
LIVE_CONSENTS_OF = Statement[list[Any]](Consent, _live_consents_of)
# The stored categories (JSON text from either driver) as the consent's model reads them.
_categories_of = Consent._meta.fields_map["categories"].to_python_value


class RecipientConsentPlugin(BasePlugin):
    name = "consent"

    def __init__(self) -> None:
        self._loaded: set[int] = set()
        # account id -> category id -> the permit of the newest consent that lets the client see
        # it: a vote is two look-ups, and a consent's permit is made once, not once per field.
        self._permits: dict[int | None, dict[str, Vote]] = {}

    async def prepare(self, viewer: Viewer, subjects: Sequence[Subject]) -> None:
        scope = viewer.client
        wanted = {s.account_id for s in subjects if s.account_id} - self._loaded
        if scope is None or not wanted:
            return
        self._loaded |= wanted
        rows = await LIVE_CONSENTS_OF.rows(
            _is_transfer(scope),
            recipient=scope.affiliate_id,
            purpose=scope.purpose,
            now=utcnow(),
            people=sorted(wanted),
        )
        in_scope = scope.categories
        # Stored text -> the categories it lists that the client's scope has: a page's consents
        # share a handful of lists, each decoded and intersected once.
        shown: dict[str, tuple[str, ...]] = {}
        permits = self._permits
        # Newest first: an older consent fills only the categories no newer one covers.
        for consent_id, account_id, stored in rows:
            categories = shown.get(stored)
            if categories is None:
                categories = shown[stored] = tuple(in_scope.intersection(_categories_of(stored)))
            permit = Vote.permit(f"consent:{consent_id}")
            covered = permits.get(account_id)
            if covered is None:
                permits[account_id] = dict.fromkeys(categories, permit)
            else:
                for category_id in categories:
                    covered.setdefault(category_id, permit)

    def may_vote(self, viewer: Viewer) -> bool:
        return viewer.client is not None

    def vote(self, viewer: Viewer, subject: Subject, category: DataCategory) -> Vote:
        # Asked once per (subject, category), so no viewer check: for a viewer that is no client
        # `prepare` loaded nothing, and this abstains (as for a subject without an account).
        covered = self._permits.get(subject.account_id)
        if covered is None:
            return ABSTAIN
        return covered.get(category.id, ABSTAIN)

    def visible_accounts(self, viewer: Viewer) -> Narrowing | None:
        scope = viewer.client
        if scope is None:
            return None
        return Narrowing(
            _consenting,
            _is_transfer(scope),
            {"recipient": scope.affiliate_id, "purpose": scope.purpose, "now": utcnow()},
        )


def _consenting(transfer: bool, *, recipient: int, purpose: str, now: datetime) -> Q:
    """Active people with a live consent to the client. Correlated with the account row being
    filtered: the database walks the page's accounts in key order and looks each one's consent
    up in the (account_id, recipient_id) index, stopping at the page's end, whatever the page and
    however many people there are. Uncorrelated, SQLite collects and sorts every consenting
    person for each page, and PostgreSQL needs the page's bound repeated inside."""
    outer_account_id = RawSQL(f'"{Account._meta.db_table}"."id"')
    consents = live_consents(transfer, recipient, purpose, now).filter(account_id=outer_account_id)
    return Q(id__in=Subquery(consents.values("account_id")), status=AccountStatus.ACTIVE)
