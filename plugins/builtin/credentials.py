"""Passwords never leave, not as a hash, not to the person themself (P-SEC-2)."""

from plugins.base import BasePlugin
from plugins.categories import DataCategory
from plugins.decision import ABSTAIN, BlockCode, Vote
from plugins.subject import Subject
from plugins.viewer import Viewer

CREDENTIAL = "credential.password"
NEVER = Vote.restrict("credentials are never disclosed", BlockCode.FORBIDDEN)


class CredentialsPlugin(BasePlugin):
    name = "credentials"

    def vote(self, viewer: Viewer, subject: Subject, category: DataCategory) -> Vote:
        return NEVER if category.id == CREDENTIAL else ABSTAIN
