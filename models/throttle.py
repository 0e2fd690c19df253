"""Failed sign-ins per key (a login's keyed hash, or a client address), shared by every worker."""

from datetime import datetime, timedelta

from tortoise import fields
from tortoise.models import Model
from tortoise.transactions import in_transaction

from models.personal import Erasure, Format, RowAction, personal_data, plain


@personal_data(
    # "ip:<address>" holds a client address in clear; "login:<hash>" only a keyed hash.
    plain("key", "network.ip", Format.NONE, erasure=Erasure.KEEP),
    operational={
        "id": "the row's number",
        "failures": "how many in a row",
        "last_failure_at": "when the last one failed",
    },
    owner="",
    on_retention=RowAction.DELETE,
    retention_from="last_failure_at",
)
class SignInFailures(Model):
    """How many sign-ins failed for one key in a row, and when the last one did.

    Nothing else is stored: the delay or lock that follows is computed from these two, so a
    change of the throttling rules applies to existing counts at once.
    """

    id = fields.IntField(primary_key=True)
    # "login:<keyed hash>" or "ip:<address>"; never the login as typed (it is personal data).
    key = fields.CharField(max_length=80, unique=True)
    failures = fields.IntField(default=0)
    last_failure_at = fields.DatetimeField()

    class Meta:
        table = "sign_in_failures"

    @classmethod
    async def add_failure(
        cls, key: str, now: datetime, forget_after: timedelta
    ) -> "SignInFailures":
        """One more failure, atomically across workers; a run older than `forget_after` restarts.

        The row is locked for the read-modify-write (PostgreSQL); a first failure of two workers
        at once is settled by the unique key, the loser retrying on the winner's row.
        """
        for _ in range(2):
            async with in_transaction():
                row = await cls.filter(key=key).select_for_update().first()
                if row is not None:
                    stale = now - row.last_failure_at > forget_after
                    row.failures = 1 if stale else row.failures + 1
                    row.last_failure_at = now
                    await row.save(update_fields=["failures", "last_failure_at"])
                    return row
            created, was_new = await cls.get_or_create(
                key=key, defaults={"failures": 1, "last_failure_at": now}
            )
            if was_new:
                return created
        raise RuntimeError(f"sign-in failures for {key} could not be counted")

    @classmethod
    async def clear(cls, key: str) -> None:
        await cls.filter(key=key).delete()
