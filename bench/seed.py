"""Fast bulk seeding for benchmarks: N people with orders, reservations and consents.

Unlike the demo (api/demo.py), people are not registered one by one: rows are built in memory,
each person's data key is made and their phone and email sealed here in Python, and every batch
goes in with one `bulk_create` per table in one transaction. Ids are given explicitly so rows can
point at each other without reading anything back (PostgreSQL's sequences are moved past them at
the end). Nobody gets a password: the viewers the benchmarks need get sessions directly
(bench.queries).

    python -m bench.seed --people 10000                      # SQLite file in a temp folder
    python -m bench.seed --people 1000000 --database-url postgres://postgres@127.0.0.1/bench
"""

import argparse
import asyncio
import base64
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tortoise import Tortoise, connections
from tortoise.models import Model
from tortoise.transactions import in_transaction

from api.cli.demo import COMPANIES, GIVEN_NAMES, PRODUCTS, REGIONS, RESERVABLE, SURNAMES
from api.database import prepare_storage, tortoise_config
from api.policy.founding import ensure_founding_policy
from api.settings import Settings
from models import keyring
from models.accounts import Account, Role
from models.clock import utcnow
from models.consent import MAINLAND_CHINA, Affiliate, AffiliateKind, Consent
from models.keys import DataKey
from models.orders import Order, OrderKind, OrderStatus
from models.personal import seal_with
from models.reservations import Reservation, ReservationStatus

DEFAULT_PEOPLE = 10_000
BATCH_PEOPLE = 5_000

RECIPIENT = "基准测试客服中心"
PURPOSE = "customer-service"
# The bench client may ask for every personal field of an account.
CLIENT_CATEGORIES = [
    "contact.phone",
    "contact.email",
    "identity.name",
    "org.company",
    "location.region",
]
# Some people consent to less, so the client's list also holds masked and blocked fields.
NARROW_CONSENT = ["contact.phone", "identity.name"]

# Person index -> the categories they consent to the bench recipient for, or None for no consent.
ConsentRule = Callable[[int], list[str] | None]


def half_consent(index: int) -> list[str] | None:
    """Half the people consent to the bench recipient; one in four of those to less."""
    if index % 2 == 0:
        return None
    return NARROW_CONSENT if index % 8 == 7 else CLIENT_CATEGORIES


# The tables seeded with explicit ids, whose PostgreSQL sequences must then move past them.
SEEDED_TABLES: tuple[type[Model], ...] = (DataKey, Account, Order, Reservation, Consent)


class SeedRefused(RuntimeError):
    """The database holds accounts already: a benchmark never mixes with other data."""


@dataclass(frozen=True)
class Seeded:
    people: int
    seconds: float


class Progress:
    """One line to stderr per step: done, total, rate and time left (long jobs show progress)."""

    def __init__(self, label: str, total: int) -> None:
        self.label = label
        self.total = total
        self.done = 0
        self.started = time.perf_counter()

    def advance(self, count: int) -> None:
        self.done += count
        elapsed = time.perf_counter() - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate else 0.0
        print(
            f"{self.label}: {self.done:,}/{self.total:,} ({rate:,.0f}/s, {left:,.0f} s left)",
            file=sys.stderr,
            flush=True,
        )


@dataclass
class _Ids:
    """The last id given per table of rows a person may have several or none of."""

    order: int = 0
    reservation: int = 0
    consent: int = 0


@dataclass(frozen=True)
class _Shared:
    """What every seeded consent points at."""

    recipient_id: int
    policy_version_id: int
    granted_at: datetime
    consents: ConsentRule


def _person_rows(
    index: int, ring: keyring.Keyring, ids: _Ids, shared: _Shared
) -> tuple[list[Model], list[Model], list[Model], list[Model], list[Model]]:
    """The rows of person `index` (0 is the admin): data key, account, orders, reservation,
    consent. Deterministic: two seeds of the same size hold the same people."""
    plain_key = os.urandom(keyring.KEY_BYTES)
    person_id = index + 1
    phone = f"139{index:08d}"
    email = f"person{index}@example.com"
    surname, _ = SURNAMES[index % len(SURNAMES)]
    given, _ = GIVEN_NAMES[(index // len(SURNAMES)) % len(GIVEN_NAMES)]
    province, city = REGIONS[index % len(REGIONS)]
    data_key = DataKey(id=person_id, wrapped=ring.wrap(plain_key), master_key_id=ring.key_id)
    account = Account(
        id=person_id,
        data_key_id=person_id,
        phone_sealed=seal_with(Account, "phone", plain_key, phone),
        phone_hash=ring.lookup_hash(f"phone:{phone}"),
        email_sealed=seal_with(Account, "email", plain_key, email),
        email_hash=ring.lookup_hash(f"email:{email}"),
        name=surname + given,
        company=COMPANIES[index % len(COMPANIES)],
        province=province,
        city=city,
        role=Role.ADMIN if index == 0 else Role.USER,
    )
    orders: list[Model] = []
    for offset in range(1 + index % 4):
        product = PRODUCTS[(index + offset) % len(PRODUCTS)]
        ids.order += 1
        orders.append(
            Order(
                id=ids.order,
                account_id=person_id,
                kind=product.kind,
                product=product.name,
                product_type=product.product_type,
                amount=product.amount,
                status=OrderStatus.ACTIVE
                if product.kind is OrderKind.SUBSCRIPTION
                else OrderStatus.COMPLETED,
            )
        )
    reservations: list[Model] = []
    if index % 2 == 0:
        ids.reservation += 1
        reservations.append(
            Reservation(
                id=ids.reservation,
                account_id=person_id,
                data_key_id=person_id,
                product=RESERVABLE[index % len(RESERVABLE)],
                phone_sealed=seal_with(Reservation, "phone", plain_key, phone),
                email_sealed=seal_with(Reservation, "email", plain_key, email),
                name=surname + given,
                company=account.company,
                province=province,
                city=city,
                status=ReservationStatus.CONFIRMED,
            )
        )
    consents: list[Model] = []
    categories = shared.consents(index)
    if categories is not None:
        ids.consent += 1
        consents.append(
            Consent(
                id=ids.consent,
                account_id=person_id,
                recipient_id=shared.recipient_id,
                purpose=PURPOSE,
                categories=categories,
                policy_version_id=shared.policy_version_id,
                granted_at=shared.granted_at,
                evidence_channel="bench",
            )
        )
    return [data_key], [account], orders, reservations, consents


async def _finish_postgres() -> None:
    """Moves the sequences past the explicit ids, and gathers planner statistics: until
    autovacuum gets to it, a freshly bulk-loaded table has none, and the client's first page of
    10,000 people was planned 1.6x slower than after ANALYZE."""
    connection = connections.get("default")
    if connection.capabilities.dialect != "postgres":
        return  # SQLite takes max(id) + 1 by itself, and plans without statistics
    for model in SEEDED_TABLES:
        table = model._meta.db_table
        await connection.execute_script(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
            f'(SELECT COALESCE(MAX(id), 1) FROM "{table}"))'
        )
    await connection.execute_script("ANALYZE")


async def seed(
    people: int = DEFAULT_PEOPLE, *, batch: int = BATCH_PEOPLE, consents: ConsentRule = half_consent
) -> Seeded:
    """Seed `people` people plus one admin into an empty database (the ORM started by the
    caller, the keyring installed); `consents` says who consents to the bench recipient."""
    started = time.perf_counter()
    if await Account.exists():
        raise SeedRefused("the database already holds accounts; seed an empty one")
    ring = keyring.active()
    now = utcnow()
    policy = await ensure_founding_policy()
    affiliate = await Affiliate.create(
        name=RECIPIENT,
        kind=AffiliateKind.AFFILIATE,
        region=MAINLAND_CHINA,
        purposes=[PURPOSE],
    )
    ids = _Ids()
    shared = _Shared(
        recipient_id=affiliate.id, policy_version_id=policy.id, granted_at=now, consents=consents
    )
    total = people + 1
    progress = Progress("seeding people", total)
    for first in range(0, total, batch):
        tables: tuple[list[Model], ...] = ([], [], [], [], [])
        for index in range(first, min(first + batch, total)):
            for rows, made in zip(tables, _person_rows(index, ring, ids, shared), strict=True):
                rows.extend(made)
        async with in_transaction():
            for rows in tables:
                if rows:
                    await type(rows[0]).bulk_create(rows, batch_size=1000)
        progress.advance(len(tables[1]))
    await _finish_postgres()
    return Seeded(people=people, seconds=time.perf_counter() - started)


def bench_settings(database_url: str, data_dir: Path, **overrides: object) -> Settings:
    """Settings for a benchmark database: a fresh master key unless the environment sets one."""
    master_key = (
        os.environ.get("CONSENTQL_MASTER_KEY") or base64.b64encode(secrets.token_bytes(32)).decode()
    )
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        master_key=master_key,
        **overrides,  # type: ignore[arg-type]
    )


async def open_database(settings: Settings, *, create: bool) -> None:
    """Start the ORM on the settings' database; `create` makes it and its tables from the
    models (a fresh PostgreSQL database must not exist yet)."""
    prepare_storage(settings)
    await Tortoise.init(config=tortoise_config(settings.resolved_database_url), _create_db=create)
    if create:
        await Tortoise.generate_schemas()


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.seed", description=__doc__)
    parser.add_argument("--people", type=int, default=DEFAULT_PEOPLE)
    parser.add_argument(
        "--database-url",
        default="",
        help="a PostgreSQL database that does not exist yet (default: SQLite in a temp folder)",
    )
    return parser.parse_args(argv)


async def run(args: argparse.Namespace) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="consentql-seed-"))
    settings = bench_settings(args.database_url, data_dir)
    await open_database(settings, create=True)
    try:
        seeded = await seed(args.people)
    finally:
        await Tortoise.close_connections()
    print(
        f"Seeded {seeded.people:,} people in {seeded.seconds:.1f} s "
        f"into {settings.resolved_database_url.split('@')[-1]}"
    )


if __name__ == "__main__":
    asyncio.run(run(arguments()))
