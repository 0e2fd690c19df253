"""P-DNT-1: a person who asks not to be tracked gets no optional processing, from anyone.

The person's choice is theirs, not the caller's: a Do Not Track or GPC signal they sent once is
kept as their preference (api.privacy.dnt), and binds every later viewer, so a third party that
sends no header still reads nothing of them. Sharing with a third party and marketing are the
optional processing an API client can do; the code says consent is what would be needed, not
that it is impossible. Such a client does not even list people who opted out: the list itself
would be processing for it. A client that sends the signal itself asks for no optional
processing at all.
"""

from collections.abc import Hashable

from tortoise.expressions import Q

from models.consent import AffiliateKind
from plugins.base import NOBODY, BasePlugin, Narrowing
from plugins.categories import DataCategory
from plugins.decision import ABSTAIN, BlockCode, Vote
from plugins.subject import Subject
from plugins.viewer import Viewer

MARKETING = "marketing"
DO_NOT_TRACK = Vote.restrict("Do Not Track: no optional processing", BlockCode.CONSENT_REQUIRED)


def _not_tracking(_shape: Hashable) -> Q:
    return Q(do_not_track=False)


NOT_TRACKING = Narrowing(_not_tracking)


def optional_processing(viewer: Viewer) -> bool:
    client = viewer.client
    return client is not None and (
        client.affiliate_kind == AffiliateKind.THIRD_PARTY or client.purpose == MARKETING
    )


class DoNotTrackPlugin(BasePlugin):
    name = "do_not_track"

    def may_vote(self, viewer: Viewer) -> bool:
        return optional_processing(viewer)

    def vote(self, viewer: Viewer, subject: Subject, category: DataCategory) -> Vote:
        if optional_processing(viewer) and (viewer.do_not_track or subject.do_not_track):
            return DO_NOT_TRACK
        return ABSTAIN

    def visible_accounts(self, viewer: Viewer) -> Narrowing | None:
        if not optional_processing(viewer):
            return None
        return NOBODY if viewer.do_not_track else NOT_TRACKING
