"""P-EXEMPT-1: an admin reads a person's data in clear under a live legal-access grant."""

from collections.abc import Sequence

from plugins.base import BasePlugin
from plugins.builtin.grants import GrantIndex
from plugins.categories import DataCategory
from plugins.decision import ABSTAIN, Vote
from plugins.subject import Subject
from plugins.viewer import Viewer, ViewerKind


class LegalBasisPlugin(BasePlugin):
    name = "legal_basis"

    def __init__(self) -> None:
        self._grants = GrantIndex()

    async def prepare(self, viewer: Viewer, subjects: Sequence[Subject]) -> None:
        await self._grants.load(viewer, (s.account_id for s in subjects if s.account_id))

    def may_vote(self, viewer: Viewer) -> bool:
        return viewer.kind is ViewerKind.ADMIN

    def vote(self, viewer: Viewer, subject: Subject, category: DataCategory) -> Vote:
        # No viewer check per (subject, category): for a viewer that is no admin the grant index
        # loaded nothing (GrantIndex.load), and this abstains.
        grant_id = self._grants.covering(subject.account_id, category.id)
        return ABSTAIN if grant_id is None else Vote.permit(f"legal:{grant_id}")
