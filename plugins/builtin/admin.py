"""Admins run the service: they may list every account, but get no permission of their own.

So an admin sees each personal field at its category default (masked, P-SEC-1) and in clear only
under a legal grant (`legal_basis`). Any other signed-in person lists only themself.
"""

from tortoise.expressions import Q

from plugins.base import BasePlugin
from plugins.viewer import Viewer, ViewerKind


class AdminPlugin(BasePlugin):
    name = "admin"

    def visible_accounts(self, viewer: Viewer) -> Q | None:
        if viewer.kind is ViewerKind.PERSON:
            return Q(id=viewer.account_id)
        return None
