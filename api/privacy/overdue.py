"""The daily overdue alert (P-RIGHTS-4): requests past their due date, and those due today.

Admins hear of them where operations alerts are routed, not in the app: one WARNING log line for
each kind, naming requests by id only (no personal data), and the gauge
`consentql_privacy_requests_overdue` that every worker reads from the database, for an alert rule
that pages whoever is on call. Notifications stay what people are told about their own data
(myNotifications); an admin's is not the place for work that must not wait for a sign-in.
"""

import logging
from datetime import date

from api.privacy.requests import overdue_requests
from models.privacy import OPEN_STATUSES, PrivacyRequest

logger = logging.getLogger(__name__)

# Ids named in one log line; the count says how many more.
LISTED = 50


def listed(ids: list[int]) -> str:
    more = f" and {len(ids) - LISTED} more" if len(ids) > LISTED else ""
    return ", ".join(str(id_) for id_ in ids[:LISTED]) + more


async def alert_overdue(today: date) -> dict[str, int]:
    overdue = await overdue_requests().order_by("due_on", "id").values_list("id", flat=True)
    due_today = (
        await PrivacyRequest.filter(status__in=OPEN_STATUSES, due_on=today)
        .order_by("id")
        .values_list("id", flat=True)
    )
    if overdue:
        logger.warning(
            "%s privacy requests are past their due date (P-RIGHTS-4): ids %s",
            len(overdue),
            listed(overdue),
        )
    if due_today:
        logger.warning(
            "%s privacy requests are due today: ids %s", len(due_today), listed(due_today)
        )
    return {"overdue": len(overdue), "due_today": len(due_today)}
