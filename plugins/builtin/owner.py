"""P-RIGHTS-1: a person sees everything held about themself, reservations included."""

from plugins.base import BasePlugin
from plugins.categories import DataCategory
from plugins.decision import ABSTAIN, Vote
from plugins.subject import Subject
from plugins.viewer import Viewer, ViewerKind

OWNER = Vote.permit("owner")


class OwnerPlugin(BasePlugin):
    name = "owner"

    def may_vote(self, viewer: Viewer) -> bool:
        return (
            viewer.kind in (ViewerKind.PERSON, ViewerKind.ADMIN) and viewer.account_id is not None
        )

    def vote(self, viewer: Viewer, subject: Subject, category: DataCategory) -> Vote:
        if self.may_vote(viewer) and viewer.account_id == subject.account_id:
            return OWNER
        return ABSTAIN
