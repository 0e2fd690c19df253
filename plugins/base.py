"""The plugin protocol: every plugin abstains, permits or restricts per (viewer, subject, category).

A plugin class is instantiated once per request (by `engine.ConsentEngine.for_request`): what
`prepare` loads is that request's alone, never shared with other requests or workers, so a
withdrawal written by one worker counts in every worker on the next request (P-WITHDRAW-1).
"""

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

from plugins.categories import DataCategory
from plugins.decision import ABSTAIN, Vote
from plugins.subject import Subject
from plugins.viewer import Viewer

M = TypeVar("M", bound=Model)


@dataclass(frozen=True, eq=False)
class Narrowing:
    """A filter of the Account rows a viewer may list: `build(shape, **params)` makes it.

    The page of accounts is made into SQL once per shape and run with each request's values
    (`models.statements`), so `build` must be a function of the plugin's module, shape the filter
    from `shape` alone and use each of `params` (ints, texts, times, lists of ints) only as a value
    the filter compares. A flag or anything else that changes the filter belongs in `shape`.
    """

    build: Callable[..., Q]
    shape: Hashable = ()
    params: Mapping[str, Any] = field(default_factory=dict)

    def q(self) -> Q:
        return self.build(self.shape, **self.params)


def narrowed(query: QuerySet[M], narrowings: Sequence[Narrowing]) -> QuerySet[M]:
    """`query` with every narrowing applied: they all hold."""
    for narrowing in narrowings:
        query = query.filter(narrowing.q())
    return query


def _nobody(_shape: Hashable) -> Q:
    return Q(id__in=[])


# Matches no row: for a viewer that may list, but nobody (P-REGION-1, P-DNT-1).
NOBODY = Narrowing(_nobody)


class ConsentPlugin(Protocol):
    name: str

    async def prepare(self, viewer: Viewer, subjects: Sequence[Subject]) -> None:
        """Load in one query what `vote` needs for these subjects (called once per batch)."""

    def vote(self, viewer: Viewer, subject: Subject, category: DataCategory) -> Vote:
        """Sync and pure: uses only what `prepare` loaded."""
        ...

    def may_vote(self, viewer: Viewer) -> bool:
        """False when `vote` abstains on every (subject, category) for this viewer: the engine
        then leaves the plugin out of the per-field loop (a 100-row list decides ~500 pairs)."""
        ...

    def visible_accounts(self, viewer: Viewer) -> Narrowing | None:
        """Narrows the Account rows a viewer who may list accounts (an admin, an API client) sees;
        None narrows nothing. Who may list at all is the accounts service's rule.

        A narrowing by subquery should correlate with the account row (see the consent plugin):
        the page is then read in key order, one index look-up per account, whatever the page
        and however many people there are. An uncorrelated subquery is collected whole first
        on SQLite, and on PostgreSQL read from the newest account down to the page.
        """
        ...


class BasePlugin:
    """No-op defaults: subclasses override what they need."""

    name: str = ""

    async def prepare(self, viewer: Viewer, subjects: Sequence[Subject]) -> None:
        return None

    def vote(self, viewer: Viewer, subject: Subject, category: DataCategory) -> Vote:
        return ABSTAIN

    def may_vote(self, viewer: Viewer) -> bool:
        return True

    def visible_accounts(self, viewer: Viewer) -> Narrowing | None:
        return None
