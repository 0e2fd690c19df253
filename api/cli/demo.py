"""A realistic demo for an empty database: `consentql seed --demo` and `consentql serve --demo`.

Every account goes through `register()` and every contact detail through the same validators
as the API, so the demo holds nothing the API itself would refuse. The content is generated
from a fixed seed: two demo databases are alike, and the README's queries work on both.
"""

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from tortoise.transactions import in_transaction

from api.accounts.service import register
from api.auth.passwords import Passwords
from api.auth.tokens import CLIENT_PREFIX, digest, new_token
from api.policy.acceptance import Evidence
from api.policy.founding import CONTROLLER, ensure_founding_policy
from api.settings import Settings
from api.validation import email_address, mainland_mobile
from models.accounts import Account, DeviceLog, LoginRecord, Role, phone_lookup
from models.clock import utcnow
from models.consent import (
    MAINLAND_CHINA,
    Affiliate,
    AffiliateKind,
    ApiClient,
    Consent,
    PolicyVersion,
)
from models.keys import DataKey
from models.orders import Order, OrderKind, OrderStatus, ProductType
from models.reservations import Reservation, ReservationStatus

# The demo admin's sign-in, documented in the README and printed by the command line.
ADMIN_PHONE = "13800000000"
ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "consentql-demo-admin"
# Every demo person shares one password, so a frontend team can sign in as any of them.
PERSON_PASSWORD = "consentql-demo-person"

SEED = 2022
Row = TypeVar("Row", Reservation, DeviceLog, LoginRecord)


AFFILIATE_NAME = "示例通信客户服务中心"
AFFILIATE_PURPOSE = "customer-service"
CONSENTED_CATEGORIES = ["contact.phone", "identity.name"]

# (hanzi, pinyin): the pinyin makes believable ascii email addresses.
SURNAMES = [
    ("王", "wang"),
    ("李", "li"),
    ("张", "zhang"),
    ("刘", "liu"),
    ("陈", "chen"),
    ("杨", "yang"),
    ("黄", "huang"),
    ("赵", "zhao"),
    ("吴", "wu"),
    ("周", "zhou"),
    ("徐", "xu"),
    ("孙", "sun"),
    ("马", "ma"),
    ("朱", "zhu"),
    ("胡", "hu"),
    ("郭", "guo"),
    ("何", "he"),
    ("林", "lin"),
    ("罗", "luo"),
    ("高", "gao"),
]
GIVEN_NAMES = [
    ("芳", "fang"),
    ("娜", "na"),
    ("伟", "wei"),
    ("洋", "yang"),
    ("静", "jing"),
    ("敏", "min"),
    ("磊", "lei"),
    ("强", "qiang"),
    ("丽", "li"),
    ("军", "jun"),
    ("杰", "jie"),
    ("婷", "ting"),
    ("浩然", "haoran"),
    ("子涵", "zihan"),
    ("雨欣", "yuxin"),
    ("晓明", "xiaoming"),
    ("建华", "jianhua"),
    ("秀英", "xiuying"),
    ("志强", "zhiqiang"),
    ("思远", "siyuan"),
    ("欣怡", "xinyi"),
    ("宇轩", "yuxuan"),
]
MOBILE_PREFIXES = ["138", "139", "135", "136", "150", "151", "186", "187", "188", "177"]
EMAIL_DOMAINS = ["example.com", "example.cn"]
COMPANIES = [
    "华信科技有限公司",
    "东方智造股份有限公司",
    "蓝海物流有限公司",
    "星辰软件有限公司",
    "锦程建设集团有限公司",
    "天府数据服务有限公司",
    "楚天医药有限公司",
    "金陵文化传媒有限公司",
    "西湖电子商务有限公司",
    "鹏城智能制造有限公司",
    "珠江贸易有限公司",
    "燕京咨询有限公司",
]
REGIONS = [
    ("北京", "北京"),
    ("上海", "上海"),
    ("广东", "深圳"),
    ("广东", "广州"),
    ("浙江", "杭州"),
    ("四川", "成都"),
    ("湖北", "武汉"),
    ("江苏", "南京"),
    ("江苏", "苏州"),
    ("陕西", "西安"),
    ("山东", "青岛"),
    ("福建", "厦门"),
    ("重庆", "重庆"),
    ("湖南", "长沙"),
]


@dataclass(frozen=True)
class Product:
    name: str
    product_type: ProductType
    kind: OrderKind
    amount: Decimal


PRODUCTS = [
    Product("5G畅享套餐 128元", ProductType.MOBILE, OrderKind.SUBSCRIPTION, Decimal("128.00")),
    Product("5G智享套餐 199元", ProductType.MOBILE, OrderKind.SUBSCRIPTION, Decimal("199.00")),
    Product("话费充值 100元", ProductType.MOBILE, OrderKind.CONSUMPTION, Decimal("100.00")),
    Product("国内流量包 10GB", ProductType.MOBILE, OrderKind.CONSUMPTION, Decimal("30.00")),
    Product("千兆宽带 包月", ProductType.BROADBAND, OrderKind.SUBSCRIPTION, Decimal("199.00")),
    Product("企业专线 100M", ProductType.BROADBAND, OrderKind.SUBSCRIPTION, Decimal("1280.00")),
    Product("宽带上门安装", ProductType.BROADBAND, OrderKind.CONSUMPTION, Decimal("100.00")),
    Product("视频会员 月卡", ProductType.VALUE_ADDED, OrderKind.SUBSCRIPTION, Decimal("25.00")),
    Product("云盘 1TB 年卡", ProductType.VALUE_ADDED, OrderKind.SUBSCRIPTION, Decimal("89.00")),
    Product("彩铃 单次", ProductType.VALUE_ADDED, OrderKind.CONSUMPTION, Decimal("3.00")),
    Product("千兆路由器", ProductType.GOODS, OrderKind.CONSUMPTION, Decimal("299.00")),
    Product("5G 手机 128GB", ProductType.GOODS, OrderKind.CONSUMPTION, Decimal("2499.00")),
]
RESERVABLE = [
    "千兆宽带 包月",
    "企业专线 100M",
    "5G智享套餐 199元",
    "云视讯会议",
    "物联网卡 100张",
]
DEVICES = [
    ("Android 14", "5G"),
    ("iOS 17.5", "WIFI"),
    ("HarmonyOS 4.2", "5G"),
    ("Android 13", "4G"),
    ("iOS 16.7", "4G"),
]
CLIENT_VERSIONS = ["3.2.0", "3.2.1", "3.3.0"]


@dataclass(frozen=True)
class Person:
    name: str
    phone: str
    email: str
    company: str
    province: str
    city: str


class People:
    """Distinct, valid demo people from one seeded generator."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._phones = {ADMIN_PHONE}
        self._emails = {ADMIN_EMAIL}

    def _phone(self) -> str:
        while True:
            number = self._rng.choice(MOBILE_PREFIXES) + f"{self._rng.randrange(10**8):08d}"
            if number not in self._phones:
                self._phones.add(number)
                return number

    def _email(self, local: str) -> str:
        while True:
            suffix = self._rng.randrange(1, 100)
            address = f"{local}{suffix}@{self._rng.choice(EMAIL_DOMAINS)}"
            if address not in self._emails:
                self._emails.add(address)
                return address

    def next(self) -> Person:
        surname, surname_pinyin = self._rng.choice(SURNAMES)
        given, given_pinyin = self._rng.choice(GIVEN_NAMES)
        province, city = self._rng.choice(REGIONS)
        return Person(
            name=surname + given,
            phone=self._phone(),
            email=self._email(f"{surname_pinyin}.{given_pinyin}"),
            company=self._rng.choice(COMPANIES),
            province=province,
            city=city,
        )


def cheap_passwords(settings: Settings) -> Passwords:
    # Hashing ~40 people at full argon2 strength (~190 ms each) would make the seed take
    # seconds. Demo people get cheap parameters (never costlier than configured); their hashes
    # then fail `needs_rehash`, so login rehashes them at full strength on first sign-in.
    cheap = settings.model_copy(
        update={
            "argon2_time_cost": min(settings.argon2_time_cost, 1),
            "argon2_memory_kib": min(settings.argon2_memory_kib, 8192),
            "argon2_parallelism": min(settings.argon2_parallelism, 1),
        }
    )
    return Passwords(cheap)


def sealed(row: Row, **values: str) -> Row:
    """`row` with sealed values set through their accessors (models.personal)."""
    for name, value in values.items():
        setattr(row, name, value)
    return row


def preferred_time(rng: random.Random, now: datetime) -> datetime:
    # A working-hours slot (Beijing time, UTC+8) in the next two weeks, stored in UTC.
    day = (now + timedelta(days=rng.randrange(1, 15))).date()
    local_hour = rng.choice([9, 10, 11, 14, 15, 16])
    return datetime(day.year, day.month, day.day, local_hour - 8, tzinfo=UTC)


async def seed(settings: Settings, people: int = 40) -> tuple[str, str] | None:
    """Fill an empty database with a demo; the admin's (login phone, password), or None when
    accounts exist already (a demo never mixes with real data)."""
    rng = random.Random(SEED)
    generator = People(rng)
    now = utcnow()
    # One transaction: a seed that fails half-way leaves an empty database, so it can be rerun.
    async with in_transaction():
        if await Account.exists():
            return None
        policy = await ensure_founding_policy()
        admin = await register(
            Passwords(settings),
            phone=ADMIN_PHONE,
            email=ADMIN_EMAIL,
            name="演示管理员",
            company=CONTROLLER,
            secret=ADMIN_PASSWORD,
            evidence=Evidence(channel="cli"),
            role=Role.ADMIN,
        )
        admin.province, admin.city = "北京", "北京"
        await admin.save(update_fields=["province", "city"])

        passwords = cheap_passwords(settings)
        accounts: list[tuple[Account, Person]] = []
        for _ in range(people):
            person = generator.next()
            account = await register(
                passwords,
                phone=person.phone,
                email=person.email,
                name=person.name,
                company=person.company,
                secret=PERSON_PASSWORD,
                # Each registration accepts the founding policy, as through the API.
                evidence=Evidence(channel="web"),
            )
            account.province, account.city = person.province, person.city
            await account.save(update_fields=["province", "city"])
            accounts.append((account, person))

        await Order.bulk_create(orders(rng, [account for account, _ in accounts]))
        await Reservation.bulk_create(await reservations(rng, generator, accounts, now))
        login_records, device_logs = activity(rng, accounts)
        await LoginRecord.bulk_create(login_records)
        await DeviceLog.bulk_create(device_logs)
        await share_with_affiliate(rng, [account for account, _ in accounts], policy, now)
    return ADMIN_PHONE, ADMIN_PASSWORD


def orders(rng: random.Random, accounts: list[Account]) -> list[Order]:
    rows: list[Order] = []
    for account in accounts:
        for product in rng.sample(PRODUCTS, rng.randint(1, 4)):
            if product.kind is OrderKind.SUBSCRIPTION:
                status = rng.choice([OrderStatus.ACTIVE] * 3 + [OrderStatus.CANCELLED])
            else:
                status = rng.choice([OrderStatus.COMPLETED] * 3 + [OrderStatus.PENDING])
            rows.append(
                Order(
                    account=account,
                    kind=product.kind,
                    product=product.name,
                    product_type=product.product_type,
                    amount=product.amount,
                    status=status,
                )
            )
    return rows


async def reservations(
    rng: random.Random,
    generator: People,
    accounts: list[tuple[Account, Person]],
    now: datetime,
) -> list[Reservation]:
    rows: list[Reservation] = []
    statuses = [ReservationStatus.PENDING, ReservationStatus.CONFIRMED, ReservationStatus.CANCELLED]
    # About half the people reserve while signed in: sealed under their own key, so erasing
    # them erases these copies too.
    for account, person in accounts[::2]:
        reservation = Reservation(
            account=account,
            data_key=account.data_key,
            product=rng.choice(RESERVABLE),
            name=person.name,
            company=person.company,
            province=person.province,
            city=person.city,
            preferred_time=preferred_time(rng, now),
            status=rng.choice(statuses),
        )
        rows.append(sealed(reservation, phone=person.phone, email=person.email))
    # Anonymous reservations are people of their own, each with a data key of its own; they
    # are validated as the createReservation mutation validates them.
    for _ in range(max(2, len(accounts) // 3)):
        person = generator.next()
        data_key = await DataKey.issue()
        reservation = Reservation(
            data_key=data_key,
            product=rng.choice(RESERVABLE),
            name=person.name,
            company=person.company if rng.random() < 0.7 else None,
            province=person.province,
            city=person.city,
            preferred_time=preferred_time(rng, now),
            status=rng.choice(statuses),
        )
        phone, email = mainland_mobile(person.phone), email_address(person.email)
        rows.append(sealed(reservation, phone=phone, email=email))
    return rows


def activity(
    rng: random.Random, accounts: list[tuple[Account, Person]]
) -> tuple[list[LoginRecord], list[DeviceLog]]:
    """Sign-in attempts and device records for two people in three (P-COLLECT-2, P-COLLECT-3)."""
    logins: list[LoginRecord] = []
    devices: list[DeviceLog] = []
    for index, (account, person) in enumerate(accounts):
        if index % 3 == 2:
            continue
        os_name, network = rng.choice(DEVICES)
        device_id = f"{rng.getrandbits(64):016x}"
        device = DeviceLog(account=account, os=os_name, network_status=network)
        devices.append(sealed(device, device_id=device_id))
        # Now and then a mistyped password before the successful attempt.
        outcomes = [False, True] if rng.random() < 0.25 else [True]
        for success in outcomes:
            login = LoginRecord(
                account=account,
                login_hash=phone_lookup(person.phone),
                success=success,
                ip=f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
            )
            # What the client says of itself is kept only for an attempt that proved the
            # account (api.activity.service.record_sign_in_attempt).
            if success:
                login.network_type = network
                login.os = os_name
                login.client_version = rng.choice(CLIENT_VERSIONS)
                login.device_phone = person.phone
            logins.append(login)
    return logins, devices


async def share_with_affiliate(
    rng: random.Random, accounts: list[Account], policy: PolicyVersion, now: datetime
) -> None:
    """One affiliate in mainland China that about half the people consented to (P-SHARE-1)."""
    affiliate = await Affiliate.create(
        name=AFFILIATE_NAME,
        kind=AffiliateKind.AFFILIATE,
        region=MAINLAND_CHINA,
        purposes=[AFFILIATE_PURPOSE],
    )
    await Consent.bulk_create(
        Consent(
            account=account,
            recipient=affiliate,
            purpose=AFFILIATE_PURPOSE,
            categories=CONSENTED_CATEGORIES,
            policy_version=policy,
            granted_at=now,
            evidence_channel="web",
        )
        for account in accounts
        if rng.random() < 0.5
    )
    # The token is dropped on purpose: a demo must not print or store a live credential, so
    # this client only shows the shape; a usable one is issued separately and shown once.
    await ApiClient.create(
        affiliate=affiliate,
        name="客服工单系统",
        purpose=AFFILIATE_PURPOSE,
        categories=CONSENTED_CATEGORIES,
        token_hash=digest(new_token(CLIENT_PREFIX)),
    )
