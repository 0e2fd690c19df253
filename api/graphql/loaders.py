"""DataLoaders for nested lists and for what a row counts in other tables: one statement per field
per request, whatever the page size.

A nested list is keyed by (parent id, page request); keys with the same page arguments are
fetched together with one `IN` query and split per parent here.
"""

from collections import defaultdict
from collections.abc import Sequence
from functools import cached_property, partial
from typing import Any

from strawberry.dataloader import DataLoader
from tortoise.functions import Count, Max, Min
from tortoise.models import Model

from api.graphql.pagination import OtherSide, Page, PageRequest
from api.policy.publication import previous_versions, published_versions
from models.accounts import DeviceLog, LoginRecord
from models.consent import PolicyVersion
from models.orders import Order
from models.privacy import Notification, PublicNotice, TransferOutcome, TransferSubject
from models.reservations import Reservation


class ChildPages:
    """Pages of a table's rows under accounts, for every account of a page at once: one
    statement per page request for the rows, and one for what lies beyond the pages, asked
    only when a client selects it."""

    def __init__(self, model: type[Model], related: Sequence[str] = ()) -> None:
        # The loaders' functions and the pages' closures hold the model and the other loader,
        # never this object: no cycle keeps a request's pages alive after it (see
        # `api.graphql.execution.weak_async_helpers`).
        extremes: DataLoader[int, tuple[int, int] | None] = DataLoader(
            partial(load_extremes, model)
        )
        self._pages: DataLoader[tuple[int, PageRequest], Page[Any]] = DataLoader(
            partial(load_pages, model, tuple(related), extremes)
        )

    async def page(self, account_id: int, request: PageRequest) -> Page[Any]:
        return await self._pages.load((account_id, request))


async def load_pages(
    model: type[Model],
    related: Sequence[str],
    extremes: DataLoader[int, tuple[int, int] | None],
    keys: list[tuple[int, PageRequest]],
) -> list[Page[Any]]:
    by_request: dict[PageRequest, list[int]] = defaultdict(list)
    for account_id, request in keys:
        by_request[request].append(account_id)
    found: dict[tuple[int, PageRequest], Page[Any]] = {}
    for request, account_ids in by_request.items():
        query = request.ordered(model.filter(account_id__in=account_ids))
        rows_by_account: dict[int, list[Any]] = defaultdict(list)
        for row in await query.select_related(*related):
            rows_by_account[row.account_id].append(row)
        for account_id in account_ids:
            read = rows_by_account[account_id][: request.size + 1]
            found[(account_id, request)] = request.page(read, other_side(extremes, account_id))
    return [found[key] for key in keys]


def other_side(extremes: DataLoader[int, tuple[int, int] | None], account_id: int) -> OtherSide:
    async def beyond(newer: bool, key: int, inclusive: bool) -> bool:
        found = await extremes.load(account_id)
        if found is None:
            return False
        oldest, newest = found
        if newer:
            return newest >= key if inclusive else newest > key
        return oldest <= key if inclusive else oldest < key

    return beyond


async def load_extremes(model: type[Model], account_ids: list[int]) -> list[tuple[int, int] | None]:
    rows = (
        await model.filter(account_id__in=account_ids)
        .annotate(oldest=Min("id"), newest=Max("id"))
        .group_by("account_id")
        .values_list("account_id", "oldest", "newest")
    )
    extremes = {account_id: (oldest, newest) for account_id, oldest, newest in rows}
    return [extremes.get(account_id) for account_id in account_ids]


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


class Loaders:
    """One request's loaders, each made when a field of the request first needs it: most
    requests use none or one of them."""

    @cached_property
    def orders(self) -> ChildPages:
        return ChildPages(Order)

    @cached_property
    def reservations(self) -> ChildPages:
        return ChildPages(Reservation, ["data_key"])

    @cached_property
    def login_records(self) -> ChildPages:
        return ChildPages(LoginRecord)

    @cached_property
    def device_logs(self) -> ChildPages:
        return ChildPages(DeviceLog)

    @cached_property
    def policy_awaiting(self) -> DataLoader[int, PolicyVersion | None]:
        return DataLoader(load_fn=load_policy_awaiting)

    @cached_property
    def own_transfers(self) -> DataLoader[tuple[int, int], TransferSubject | None]:
        return DataLoader(load_fn=load_own_transfers)

    @cached_property
    def previous_policy(self) -> DataLoader[int, PolicyVersion | None]:
        return DataLoader(load_fn=load_previous_policies)

    @cached_property
    def incident_notified(self) -> DataLoader[int, int]:
        return count_loader(Notification, "incident_id")

    @cached_property
    def incident_public_notices(self) -> DataLoader[int, int]:
        return count_loader(PublicNotice, "incident_id")

    @cached_property
    def transfer_counts(self) -> DataLoader[int, dict[TransferOutcome, int]]:
        return DataLoader(load_fn=load_transfer_counts)

    @cached_property
    def transfer_outcomes(self) -> DataLoader[int, Outcomes]:
        return DataLoader(load_fn=load_transfer_outcomes)
