"""Whose data a field holds: an account, or a reservation (which may belong to an account)."""

from dataclasses import dataclass
from typing import Literal

from models.accounts import Account, AccountStatus
from models.reservations import Reservation

# P-RETAIN-2: from cancellation on, the data is kept only for what the law requires.
FROZEN_STATUSES = frozenset(
    {AccountStatus.CANCELLING, AccountStatus.CANCELLED, AccountStatus.ERASED}
)


@dataclass(frozen=True)
class Subject:
    kind: Literal["account", "reservation"]
    id: int
    # The person behind the data, when they have an account.
    account_id: int | None
    frozen: bool
    # The person's own Do Not Track choice (P-DNT-1), whoever asks.
    do_not_track: bool = False

    @property
    def ref(self) -> str:
        return f"{self.kind}:{self.id}"

    @classmethod
    def of_account(cls, account: Account) -> "Subject":
        frozen = account.status in FROZEN_STATUSES
        return cls("account", account.id, account.id, frozen, account.do_not_track)

    @classmethod
    def of_reservation(cls, reservation: Reservation, account: Account | None) -> "Subject":
        """`account` is the reservation's account, loaded by the caller (None without one)."""
        if reservation.account_id != (account.id if account is not None else None):
            # A wrong or missing owner would decide the reservation as someone else's.
            raise ValueError(f"reservation:{reservation.id} does not belong to the given account")
        if account is None:
            return cls("reservation", reservation.id, None, frozen=False)
        frozen = account.status in FROZEN_STATUSES
        return cls("reservation", reservation.id, account.id, frozen, account.do_not_track)
