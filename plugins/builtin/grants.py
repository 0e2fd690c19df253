"""Live legal-access grants of the viewing admin, loaded once per batch of subjects.

A grant serves the admin who requested it, not every admin: the approver signed off on that
person's access, not on a general one (P-EXEMPT-1).
"""

from collections.abc import Iterable

from models.consent import LegalAccessGrant
from plugins.viewer import Viewer, ViewerKind


class GrantIndex:
    def __init__(self) -> None:
        self._loaded: set[int] = set()
        # account id -> (grant id, categories), newest grant first
        self._grants: dict[int, list[tuple[int, frozenset[str]]]] = {}

    async def load(self, viewer: Viewer, account_ids: Iterable[int]) -> None:
        if viewer.kind is not ViewerKind.ADMIN:
            # Before reading the ids: for any other viewer there is nothing to load.
            return
        wanted = set(account_ids) - self._loaded
        if not wanted:
            return
        self._loaded |= wanted
        rows = (
            await LegalAccessGrant.filter(
                LegalAccessGrant.live(),
                subject_id__in=wanted,
                requested_by_id=viewer.account_id,
            )
            .order_by("-id")
            .values_list("id", "subject_id", "categories")
        )
        for grant_id, subject_id, categories in rows:
            self._grants.setdefault(subject_id, []).append((grant_id, frozenset(categories)))

    def covering(self, account_id: int | None, category_id: str) -> int | None:
        """The id of a live grant that covers this category of this person, if any."""
        for grant_id, categories in self._grants.get(account_id or 0, ()):
            if category_id in categories:
                return grant_id
        return None
