"""P-RIGHTS-1: a person sees everything held about themself, reservations included; so does an
admin or a partner's staff member, who are people too."""

from plugins.base import BasePlugin
from plugins.categories import DataCategory
from plugins.decision import ABSTAIN, Vote
from plugins.subject import Subject
from plugins.viewer import Viewer, ViewerKind

OWNER = Vote.permit("owner")
SIGNED_IN_PEOPLE = (ViewerKind.PERSON, ViewerKind.ADMIN, ViewerKind.PARTNER)


class OwnerPlugin(BasePlugin):
    name = "owner"

    def may_vote(self, viewer: Viewer) -> bool:
        return viewer.kind in SIGNED_IN_PEOPLE and viewer.account_id is not None

    def vote(self, viewer: Viewer, subject: Subject, category: DataCategory) -> Vote:
        # The identity first: in an admin's list of 100 people it differs 499 times in 500. The
        # kind is still checked, so no viewer without an account matches a subject without one.
        if viewer.account_id == subject.account_id and self.may_vote(viewer):
            return OWNER
        return ABSTAIN
