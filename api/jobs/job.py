"""A scheduled job: its name, when it runs (an APScheduler trigger), and the work."""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.triggers.base import BaseTrigger

# What a run did, as counts: kept with the job's row and logged; never personal data.
Summary = Mapping[str, int]

# After a failure the job is tried again sooner than its schedule says: after this, doubling.
FIRST_RETRY = timedelta(minutes=1)
MAX_RETRY = timedelta(hours=1)


@dataclass(frozen=True)
class Job:
    name: str
    trigger: BaseTrigger
    work: Callable[[], Awaitable[Summary]]
    # A run renews its lease every third of this; a holder silent for longer is presumed dead
    # and another process may take the job over.
    lease: timedelta = timedelta(minutes=5)

    def next_run(self, finished: datetime) -> datetime:
        """The trigger's next time after this run finished (a run that overran its slot does not
        run again at once to catch up)."""
        following: datetime | None = self.trigger.get_next_fire_time(finished, finished)
        if following is None:
            raise ValueError(f"job {self.name}: its trigger never fires again")
        return following.astimezone(UTC)

    def retry_at(self, failed: datetime, consecutive_failures: int) -> datetime:
        delay = min(FIRST_RETRY * 2 ** (consecutive_failures - 1), MAX_RETRY)
        return min(failed + delay, self.next_run(failed))
