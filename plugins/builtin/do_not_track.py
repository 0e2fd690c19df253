"""P-DNT-1: with Do Not Track (or GPC) on the request, no optional processing runs.

Sharing with a third party and marketing are the optional processing an API client can do; the
code says consent is what would be needed, not that it is impossible. Such a client does not even
list who consented: the list itself would be processing for it.
"""

from tortoise.expressions import Q

from models.consent import AffiliateKind
from plugins.base import NOBODY, BasePlugin
from plugins.categories import DataCategory
from plugins.decision import ABSTAIN, BlockCode, Vote
from plugins.subject import Subject
from plugins.viewer import Viewer

MARKETING = "marketing"
DO_NOT_TRACK = Vote.restrict("Do Not Track: no optional processing", BlockCode.CONSENT_REQUIRED)


def optional_processing(viewer: Viewer) -> bool:
    client = viewer.client
    return client is not None and (
        client.affiliate_kind == AffiliateKind.THIRD_PARTY or client.purpose == MARKETING
    )


class DoNotTrackPlugin(BasePlugin):
    name = "do_not_track"

    def may_vote(self, viewer: Viewer) -> bool:
        return viewer.do_not_track and optional_processing(viewer)

    def vote(self, viewer: Viewer, subject: Subject, category: DataCategory) -> Vote:
        if self.may_vote(viewer):
            return DO_NOT_TRACK
        return ABSTAIN

    def visible_accounts(self, viewer: Viewer) -> Q | None:
        return NOBODY if viewer.do_not_track and optional_processing(viewer) else None
