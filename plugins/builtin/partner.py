"""Policy 五(一)3-4: a partner company's staff member reads and corrects their own details, and
sees nobody else's.

The owner plugin permits their own fields; this one restricts every other person's, so no path
through the API (a nested list, a reservation, a future field) can show a partner anyone else,
masked or not, and a partner lists no accounts.
"""

from plugins.base import NOBODY, BasePlugin, Narrowing
from plugins.categories import DataCategory
from plugins.decision import ABSTAIN, BlockCode, Vote
from plugins.subject import Subject
from plugins.viewer import Viewer, ViewerKind

OTHERS = Vote.restrict("partner accounts see only their own details", BlockCode.FORBIDDEN)


class PartnerPlugin(BasePlugin):
    name = "partner"

    def may_vote(self, viewer: Viewer) -> bool:
        return viewer.kind is ViewerKind.PARTNER

    def vote(self, viewer: Viewer, subject: Subject, category: DataCategory) -> Vote:
        if self.may_vote(viewer) and subject.account_id != viewer.account_id:
            return OTHERS
        return ABSTAIN

    def visible_accounts(self, viewer: Viewer) -> Narrowing | None:
        return NOBODY if viewer.kind is ViewerKind.PARTNER else None
