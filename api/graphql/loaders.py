"""DataLoaders for nested lists and for what a row counts in other tables: one statement per field
per request, whatever the page size.

A nested list is keyed by (parent id, page size, cursor); keys with the same page arguments are
fetched together with one `IN` query and split per parent here.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from strawberry.dataloader import DataLoader
from tortoise.functions import Count
from tortoise.models import Model

from api.graphql.pagination import decode_cursor
from api.policy.publication import previous_versions, published_versions
from models.accounts import DeviceLog, LoginRecord
from models.consent import PolicyVersion
from models.orders import Order
from models.privacy import Notification, PublicNotice, TransferOutcome, TransferSubject
from models.reservations import Reservation

PageKey = tuple[int, int, str | None]  # (account id, rows wanted, cursor)


def children_loader(
    model: type[Model], kind: str, related: Sequence[str] = ()
) -> DataLoader[PageKey, list[Any]]:
    async def load(keys: list[PageKey]) -> list[list[Any]]:
        by_page: dict[tuple[int, str | None], list[int]] = defaultdict(list)
        for account_id, wanted, after in keys:
            by_page[(wanted, after)].append(account_id)
        found: dict[PageKey, list[Any]] = {}
        for (wanted, after), account_ids in by_page.items():
            query = model.filter(account_id__in=account_ids)
            if after is not None:
                query = query.filter(id__lt=decode_cursor(kind, after))
            rows_by_account: dict[int, list[Any]] = defaultdict(list)
            for row in await query.select_related(*related).order_by("-id"):
                rows_by_account[row.account_id].append(row)
            for account_id in account_ids:
                found[(account_id, wanted, after)] = rows_by_account[account_id][:wanted]
        return [found[key] for key in keys]

    return DataLoader(load_fn=load)


def count_loader(model: type[Model], key: str) -> DataLoader[int, int]:
    """How many rows of `model` point at each key, in one grouped statement per batch."""

    async def load(keys: list[int]) -> list[int]:
        rows = (
            await model.filter(**{f"{key}__in": keys})
            .annotate(rows=Count("id"))
            .group_by(key)
            .values_list(key, "rows")
        )
        counts = {parent: int(count) for parent, count in rows}
        return [counts.get(parent, 0) for parent in keys]

    return DataLoader(load_fn=load)


# Account ids per outcome of one transfer, in account order.
Outcomes = dict[TransferOutcome, list[int]]


async def load_transfer_counts(transfer_ids: list[int]) -> list[dict[TransferOutcome, int]]:
    """How many people each outcome of a transfer holds: one statement for both counts."""
    rows = (
        await TransferSubject.filter(transfer_id__in=transfer_ids)
        .annotate(rows=Count("id"))
        .group_by("transfer_id", "outcome")
        .values_list("transfer_id", "outcome", "rows")
    )
    found = {transfer_id: dict.fromkeys(TransferOutcome, 0) for transfer_id in transfer_ids}
    for transfer_id, outcome, count in rows:
        found[transfer_id][TransferOutcome(outcome)] = int(count)
    return [found[transfer_id] for transfer_id in transfer_ids]


async def load_transfer_outcomes(transfer_ids: list[int]) -> list[Outcomes]:
    rows = (
        await TransferSubject.filter(transfer_id__in=transfer_ids)
        .order_by("account_id")
        .values_list("transfer_id", "outcome", "account_id")
    )
    found: dict[int, Outcomes] = {
        transfer_id: {outcome: [] for outcome in TransferOutcome} for transfer_id in transfer_ids
    }
    for transfer_id, outcome, account_id in rows:
        found[transfer_id][TransferOutcome(outcome)].append(account_id)
    return [found[transfer_id] for transfer_id in transfer_ids]


async def load_own_transfers(keys: list[tuple[int, int]]) -> list[TransferSubject | None]:
    """(account id, transfer id) -> that person's row in that transfer, in one statement."""
    account_ids = {account_id for account_id, _ in keys}
    transfer_ids = {transfer_id for _, transfer_id in keys}
    rows = await TransferSubject.filter(
        account_id__in=account_ids, transfer_id__in=transfer_ids
    ).select_related("transfer__successor")
    found = {(row.account_id, row.transfer_id): row for row in rows}
    return [found.get(key) for key in keys]


async def load_previous_policies(policy_ids: list[int]) -> list[PolicyVersion | None]:
    """The version before each: every version in one statement (there are a handful)."""
    previous = previous_versions(await published_versions())
    return [previous.get(policy_id) for policy_id in policy_ids]


async def load_policy_awaiting(account_ids: list[int]) -> list[PolicyVersion | None]:
    awaiting = await PolicyVersion.awaiting_acceptance(account_ids)
    return [awaiting.get(account_id) for account_id in account_ids]


@dataclass
class Loaders:
    orders: DataLoader[PageKey, list[Order]] = field(
        default_factory=lambda: children_loader(Order, "order")
    )
    reservations: DataLoader[PageKey, list[Reservation]] = field(
        default_factory=lambda: children_loader(Reservation, "reservation", ["data_key"])
    )
    login_records: DataLoader[PageKey, list[LoginRecord]] = field(
        default_factory=lambda: children_loader(LoginRecord, "login")
    )
    device_logs: DataLoader[PageKey, list[DeviceLog]] = field(
        default_factory=lambda: children_loader(DeviceLog, "device")
    )
    policy_awaiting: DataLoader[int, PolicyVersion | None] = field(
        default_factory=lambda: DataLoader(load_fn=load_policy_awaiting)
    )
    own_transfers: DataLoader[tuple[int, int], TransferSubject | None] = field(
        default_factory=lambda: DataLoader(load_fn=load_own_transfers)
    )
    previous_policy: DataLoader[int, PolicyVersion | None] = field(
        default_factory=lambda: DataLoader(load_fn=load_previous_policies)
    )
    incident_notified: DataLoader[int, int] = field(
        default_factory=lambda: count_loader(Notification, "incident_id")
    )
    incident_public_notices: DataLoader[int, int] = field(
        default_factory=lambda: count_loader(PublicNotice, "incident_id")
    )
    transfer_counts: DataLoader[int, dict[TransferOutcome, int]] = field(
        default_factory=lambda: DataLoader(load_fn=load_transfer_counts)
    )
    transfer_outcomes: DataLoader[int, Outcomes] = field(
        default_factory=lambda: DataLoader(load_fn=load_transfer_outcomes)
    )
