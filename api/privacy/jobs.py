"""What the privacy jobs (retention, erasure replay) do with an item that fails: log it by
reference, list it for a person to look at, and go on with the rest. An outage is not an item's
fault: it stops the job, which the next run finishes."""

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from api.errors import database_unavailable

logger = logging.getLogger(__name__)

T = TypeVar("T")


async def attempt(ref: str, failed: list[str], work: Callable[[], Awaitable[T]]) -> T | None:
    try:
        return await work()
    except Exception as error:
        if database_unavailable(error):
            raise
        # The reference only (account:12): never the row's values.
        logger.exception("%s skipped after an error", ref)
        failed.append(ref)
        return None
