"""P-REGION-1: data collected in mainland China stays there; a recipient elsewhere gets nothing.

Region codes are ISO 3166 alpha-2; only CN counts as mainland China (HK, MO and TW do not).
"""

from models.consent import MAINLAND_CHINA
from plugins.base import NOBODY, BasePlugin, Narrowing
from plugins.categories import DataCategory
from plugins.decision import ABSTAIN, BlockCode, Vote
from plugins.subject import Subject
from plugins.viewer import Viewer

OUTSIDE = Vote.restrict("the recipient is outside mainland China", BlockCode.FORBIDDEN)


def outside_mainland(viewer: Viewer) -> bool:
    return viewer.client is not None and viewer.client.region != MAINLAND_CHINA


class ResidencyPlugin(BasePlugin):
    name = "residency"

    def may_vote(self, viewer: Viewer) -> bool:
        return outside_mainland(viewer)

    def vote(self, viewer: Viewer, subject: Subject, category: DataCategory) -> Vote:
        return OUTSIDE if self.may_vote(viewer) else ABSTAIN

    def visible_accounts(self, viewer: Viewer) -> Narrowing | None:
        return NOBODY if outside_mainland(viewer) else None
