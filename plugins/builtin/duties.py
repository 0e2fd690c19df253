"""An admin reads what their duty needs, and no more (P-SEC-1, P-SEC-3).

Admins hold no permission of their own (they see personal fields masked by default); a duty given
to an admin on the command line opens the category that duty cannot be done without: answering
privacy requests (P-RIGHTS-3/4) means reading what people wrote in them. Each such read is on
record with the duty as its basis, and the person sees it (P-SEC-5, P-TRANSPARENCY-1).
"""

from models.accounts import Duty
from plugins.base import BasePlugin
from plugins.categories import DataCategory
from plugins.decision import ABSTAIN, Vote
from plugins.subject import Subject
from plugins.viewer import Viewer, ViewerKind

# duty -> the category it opens
DUTY_CATEGORIES = {Duty.PRIVACY_REQUESTS: "privacy.request"}
PERMITS = {duty: Vote.permit(f"duty:{duty}") for duty in DUTY_CATEGORIES}


def duty_opening(viewer: Viewer, category_id: str) -> str | None:
    """The viewer's duty that opens this category, if any."""
    if viewer.kind is not ViewerKind.ADMIN:
        return None
    for duty in viewer.duties:
        if DUTY_CATEGORIES.get(duty) == category_id:
            return duty
    return None


class DutiesPlugin(BasePlugin):
    name = "duties"

    def may_vote(self, viewer: Viewer) -> bool:
        return viewer.kind is ViewerKind.ADMIN and bool(viewer.duties & DUTY_CATEGORIES.keys())

    def vote(self, viewer: Viewer, subject: Subject, category: DataCategory) -> Vote:
        duty = duty_opening(viewer, category.id)
        return ABSTAIN if duty is None else PERMITS[duty]
