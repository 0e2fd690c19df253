"""P-RETAIN-2: a cancelled person's data is frozen: readable only under legal access.

Restrictions beat permissions, so this plugin cannot restrict everyone and leave the exceptions
to the plugins that permit. It restricts every viewer except an admin holding a live legal grant
that covers the category for that person (`legal_basis` permits), and an admin whose duty is to
answer the person's privacy requests, for what those requests say (`duties` permits): a person
who cancels is still owed answers to what they asked before (P-RIGHTS-4).
"""

from collections.abc import Sequence

from plugins.base import BasePlugin
from plugins.builtin.duties import duty_opening
from plugins.builtin.grants import GrantIndex
from plugins.categories import DataCategory
from plugins.decision import ABSTAIN, BlockCode, Vote
from plugins.subject import Subject
from plugins.viewer import Viewer, ViewerKind

FROZEN = Vote.restrict("the account is cancelled: legal access only", BlockCode.FORBIDDEN)


class CancelledPlugin(BasePlugin):
    name = "cancelled"

    def __init__(self) -> None:
        self._grants = GrantIndex()

    async def prepare(self, viewer: Viewer, subjects: Sequence[Subject]) -> None:
        frozen = (s.account_id for s in subjects if s.frozen and s.account_id)
        await self._grants.load(viewer, frozen)

    def vote(self, viewer: Viewer, subject: Subject, category: DataCategory) -> Vote:
        if not subject.frozen:
            return ABSTAIN
        if viewer.kind is ViewerKind.ADMIN and (
            self._grants.covering(subject.account_id, category.id) is not None
            or duty_opening(viewer, category.id) is not None
        ):
            return ABSTAIN
        return FROZEN
