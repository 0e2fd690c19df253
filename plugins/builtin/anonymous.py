"""P-DISCLOSE-1: nobody unauthenticated gets personal information, nor learns who has an account."""

from tortoise.expressions import Q

from plugins.base import NOBODY, BasePlugin
from plugins.categories import DataCategory
from plugins.decision import ABSTAIN, BlockCode, Vote
from plugins.subject import Subject
from plugins.viewer import Viewer, ViewerKind

ANONYMOUS = Vote.restrict("sign in to see personal information", BlockCode.FORBIDDEN)


class AnonymousPlugin(BasePlugin):
    name = "anonymous"

    def may_vote(self, viewer: Viewer) -> bool:
        return viewer.kind is ViewerKind.ANONYMOUS

    def vote(self, viewer: Viewer, subject: Subject, category: DataCategory) -> Vote:
        return ANONYMOUS if self.may_vote(viewer) else ABSTAIN

    def visible_accounts(self, viewer: Viewer) -> Q | None:
        return NOBODY if viewer.kind is ViewerKind.ANONYMOUS else None
