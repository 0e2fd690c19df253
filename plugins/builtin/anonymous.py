"""P-DISCLOSE-1: nobody unauthenticated gets personal information.

Who may list people at all (admins and API clients only) is the accounts service's rule; this
plugin keeps anonymous callers from every personal field wherever one is shown to them (a
reservation they made, the person they register as before signing in).
"""

from plugins.base import BasePlugin
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
