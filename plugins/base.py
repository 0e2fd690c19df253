"""The plugin protocol: every plugin abstains, permits or restricts per (viewer, subject, category).

A plugin class is instantiated once per request (by `engine.ConsentEngine.for_request`): what
`prepare` loads is that request's alone, never shared with other requests or workers, so a
withdrawal written by one worker counts in every worker on the next request (P-WITHDRAW-1).
"""

from collections.abc import Sequence
from typing import Protocol

from tortoise.expressions import Q

from plugins.categories import DataCategory
from plugins.decision import ABSTAIN, Vote
from plugins.subject import Subject
from plugins.viewer import Viewer


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

    def visible_accounts(self, viewer: Viewer) -> Q | None:
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

    def visible_accounts(self, viewer: Viewer) -> Q | None:
        return None


# Matches no row: for a viewer that may list, but nobody (P-REGION-1, P-DNT-1).
NOBODY = Q(id__in=[])
