"""The consent engine and its built-in plugins, on an in-memory database (no HTTP, no GraphQL)."""

import logging
import os
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from importlib.metadata import EntryPoint, EntryPoints
from urllib.parse import urlsplit, urlunsplit

import pytest
from tortoise import connections
from tortoise.contrib.test import tortoise_test_context

from models import MODEL_MODULES, keyring
from models.accounts import Account, AccountStatus, Role
from models.clock import set_clock, utcnow
from models.consent import (
    Affiliate,
    AffiliateKind,
    ApiClient,
    Consent,
    ConsentEnd,
    LegalAccessGrant,
    LegalGround,
    PolicyVersion,
    text_digest,
)
from models.keys import DataKey
from models.privacy import Transfer, TransferOutcome, TransferReason, TransferSubject
from models.reservations import Reservation
from plugins import registry
from plugins.base import BasePlugin, narrowed
from plugins.builtin.owner import OwnerPlugin
from plugins.categories import DataCategory, catalogue
from plugins.decision import ABSTAIN, BlockCode, Decision, Effect, Vote
from plugins.engine import ConsentEngine, NotPrepared, RequestDecisions
from plugins.registry import DEFAULT_PLUGINS, build_plugins
from plugins.subject import Subject
from plugins.viewer import ClientScope, Viewer, ViewerKind

MODULES = list(dict.fromkeys([*MODEL_MODULES, "models.consent", "models.audit"]))
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")
PERSONAL = sorted(set(catalogue()) - {"credential.password"})
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def database_url() -> str:
    if not POSTGRES_URL:
        return "sqlite://:memory:"
    parts = urlsplit(POSTGRES_URL)
    return urlunsplit(parts._replace(path=f"/consentql_test_{uuid.uuid4().hex[:12]}"))


@pytest.fixture
async def db() -> AsyncIterator[None]:
    keyring.install(keyring.Keyring.from_master_key(b"k" * 32))
    set_clock(lambda: NOW)
    try:
        async with tortoise_test_context(MODULES, db_url=database_url()) as context:
            yield
            if POSTGRES_URL:
                connection = context.db()
                await connection.close()
                await connection.db_delete()
    finally:
        set_clock()


@pytest.fixture
def engine() -> ConsentEngine:
    return ConsentEngine(build_plugins())


async def person(
    name: str = "张三", status: AccountStatus = AccountStatus.ACTIVE, role: Role = Role.USER
) -> Account:
    key = await DataKey.issue()
    return await Account.create(
        data_key=key, name=name, company="中国电信", status=status, role=role
    )


async def policy(
    version: str = "2022-06-07", effective_at: datetime = NOW - timedelta(days=365), **extra: bool
) -> PolicyVersion:
    return await PolicyVersion.create(
        version=version,
        published_at=effective_at - timedelta(days=7),
        effective_at=effective_at,
        digest=text_digest(version),
        summary="",
        controller="consentql",
        contact_phone="400-1100-868",
        contact_email="zqservice@chinamobile.com",
        registered_address="北京市东城区后永康胡同 17 号 106A 室",
        contact_address="北京市海淀区知春路北航致真大厦 政企能力支撑部 (收)",
        **extra,
    )


async def affiliate(
    region: str = "CN",
    kind: AffiliateKind = AffiliateKind.AFFILIATE,
    purposes: Sequence[str] = ("service",),
) -> Affiliate:
    return await Affiliate.create(name="翼支付", kind=kind, region=region, purposes=list(purposes))


async def consent(
    account: Account,
    recipient: Affiliate,
    categories: Sequence[str],
    version: PolicyVersion,
    purpose: str = "service",
) -> Consent:
    return await Consent.create(
        account=account,
        recipient=recipient,
        purpose=purpose,
        categories=list(categories),
        policy_version=version,
        granted_at=utcnow(),
        evidence_channel="web",
    )


def client(
    recipient: Affiliate,
    purpose: str = "service",
    categories: Sequence[str] = ("contact.phone", "contact.email", "identity.name"),
    *,
    do_not_track: bool = False,
) -> Viewer:
    return Viewer(
        kind=ViewerKind.API_CLIENT,
        client=ClientScope(
            client_id=recipient.id * 100,
            affiliate_id=recipient.id,
            affiliate_kind=str(recipient.kind),
            purpose=purpose,
            region=recipient.region,
            categories=frozenset(categories),
        ),
        do_not_track=do_not_track,
    )


def admin(account: Account) -> Viewer:
    return Viewer(kind=ViewerKind.ADMIN, account_id=account.id)


async def decide(
    engine: ConsentEngine, viewer: Viewer, subject: Subject, category_id: str
) -> Decision:
    decisions = engine.for_request(viewer)
    await decisions.prepare([subject])
    return decisions.decide(subject, category_id)


async def visible(engine: ConsentEngine, viewer: Viewer) -> set[int]:
    query = narrowed(Account.all(), engine.for_request(viewer).visible_accounts())
    return set(await query.values_list("id", flat=True))


async def legal_grant(
    requester: Account,
    approver: Account,
    subject: Account,
    categories: Sequence[str],
    **extra: object,
) -> LegalAccessGrant:
    return await LegalAccessGrant.create(
        ground=LegalGround.CRIMINAL_INVESTIGATION,
        reference="(2026)京01刑初1号",
        requested_by=requester,
        approved_by=approver,
        subject=subject,
        categories=list(categories),
        expires_at=NOW + timedelta(days=30),
        **extra,
    )


async def test_p_contact_1_current_policy_is_the_latest_in_effect(db: None) -> None:
    assert await PolicyVersion.current() is None
    first = await policy("2022-06-07")
    await policy("2027-01-01", NOW + timedelta(days=60))
    current = await PolicyVersion.current()
    assert current is not None
    assert (current.id, current.contact_phone) == (first.id, "400-1100-868")
    assert current.digest == text_digest("2022-06-07")


# --- Combining rule -------------------------------------------------------------------------


class Fixed(BasePlugin):
    """Votes the same for everything: the building block of the combining-rule tests."""

    def __init__(self, vote: Vote, name: str = "fixed") -> None:
        self.answer = vote
        self.name = name

    def vote(self, viewer: Viewer, subject: Subject, category: DataCategory) -> Vote:
        return self.answer


SUBJECT = Subject("account", 7, 7, frozen=False)
PERMIT = Vote.permit("test:1")
RESTRICT = Vote.restrict("test says no", BlockCode.FORBIDDEN)


async def combined(*votes: Vote, category_id: str = "contact.phone") -> Decision:
    decisions = RequestDecisions(
        Viewer(kind=ViewerKind.PERSON, account_id=1), [Fixed(v) for v in votes], catalogue()
    )
    await decisions.prepare([SUBJECT])
    return decisions.decide(SUBJECT, category_id)


async def test_restriction_beats_permission_in_any_order() -> None:
    for votes in [(PERMIT, RESTRICT), (RESTRICT, PERMIT), (ABSTAIN, PERMIT, RESTRICT)]:
        decision = await combined(*votes)
        assert decision.effect is Effect.BLOCK
        assert decision.code is BlockCode.FORBIDDEN
        assert decision.reason == "test says no"


async def test_permission_beats_the_default_and_names_its_basis() -> None:
    decision = await combined(ABSTAIN, PERMIT)
    assert (decision.effect, decision.basis) == (Effect.ALLOW, "test:1")
    assert (await combined(PERMIT, category_id="activity.orders")).effect is Effect.ALLOW


async def test_without_permission_the_category_default_holds() -> None:
    assert (await combined(ABSTAIN)).effect is Effect.MASK
    blocked = await combined(ABSTAIN, category_id="activity.orders")
    assert (blocked.effect, blocked.code) == (Effect.BLOCK, BlockCode.CONSENT_REQUIRED)
    assert (await combined()).effect is Effect.MASK


def test_p_rights_1_owner_permits_only_a_signed_in_person_their_own_data() -> None:
    """The owner plugin asked directly, without the engine leaving it out by `may_vote`: a
    viewer without an account never owns a subject without one (an anonymous reservation)."""
    owner = OwnerPlugin()
    phone = catalogue()["contact.phone"]
    anonymous_reservation = Subject("reservation", 3, None, frozen=False)
    assert owner.vote(Viewer(kind=ViewerKind.PERSON, account_id=7), SUBJECT, phone).basis == "owner"
    assert owner.vote(Viewer(kind=ViewerKind.PERSON, account_id=8), SUBJECT, phone) is ABSTAIN
    for nobody in (
        Viewer(kind=ViewerKind.ANONYMOUS),
        Viewer(
            kind=ViewerKind.API_CLIENT,
            client=ClientScope(1, 1, "affiliate", "service", "CN", frozenset({"contact.phone"})),
        ),
    ):
        assert owner.vote(nobody, anonymous_reservation, phone) is ABSTAIN


async def test_deciding_before_prepare_is_a_clear_error() -> None:
    decisions = RequestDecisions(Viewer(kind=ViewerKind.ANONYMOUS), [], catalogue())
    with pytest.raises(NotPrepared, match="account:7"):
        decisions.decide(SUBJECT, "contact.phone")


async def test_deciding_an_unprepared_subject_after_a_prepared_one_is_still_an_error() -> None:
    decisions = RequestDecisions(Viewer(kind=ViewerKind.ANONYMOUS), [], catalogue())
    await decisions.prepare([SUBJECT])
    decisions.decide(SUBJECT, "contact.phone")
    with pytest.raises(NotPrepared, match="account:8"):
        decisions.decide(Subject("account", 8, 8, frozen=False), "contact.phone")
    # The subject decided last is still answered from its own decisions.
    assert decisions.decide(SUBJECT, "contact.email").effect is Effect.MASK


# --- Caching, batching, the ledger ----------------------------------------------------------


class Counting(BasePlugin):
    name = "counting"
    instances: list["Counting"] = []  # noqa: RUF012 (the test reads every instance back)

    def __init__(self) -> None:
        self.prepared: list[int] = []
        self.votes = 0
        Counting.instances.append(self)

    async def prepare(self, viewer: Viewer, subjects: Sequence[Subject]) -> None:
        self.prepared.append(len(subjects))

    def vote(self, viewer: Viewer, subject: Subject, category: DataCategory) -> Vote:
        self.votes += 1
        return ABSTAIN


async def test_a_decision_is_computed_once_per_subject_and_category() -> None:
    Counting.instances.clear()
    decisions = ConsentEngine([Counting]).for_request(Viewer(kind=ViewerKind.PERSON, account_id=1))
    subjects = [Subject("account", i, i, frozen=False) for i in range(1, 4)]
    await decisions.prepare(subjects)
    for _ in range(5):
        for subject in subjects:
            decisions.decide(subject, "contact.phone")
            decisions.decide(subject, "identity.name")
    assert Counting.instances[0].votes == 6


class ClientsOnly(Counting):
    """Votes only for API clients, and says so: other viewers' decisions never ask it."""

    def may_vote(self, viewer: Viewer) -> bool:
        return viewer.client is not None


async def test_a_plugin_that_cannot_vote_for_the_viewer_is_not_asked_per_field() -> None:
    Counting.instances.clear()
    decisions = ConsentEngine([ClientsOnly]).for_request(
        Viewer(kind=ViewerKind.PERSON, account_id=1)
    )
    await decisions.prepare([SUBJECT])
    assert decisions.decide(SUBJECT, "contact.phone").effect is Effect.MASK
    [plugin] = Counting.instances
    assert plugin.votes == 0 and plugin.prepared == [1]


async def test_prepare_runs_once_per_batch_and_skips_subjects_already_prepared() -> None:
    Counting.instances.clear()
    engine = ConsentEngine([Counting])
    decisions = engine.for_request(Viewer(kind=ViewerKind.PERSON, account_id=1))
    page = [Subject("account", i, i, frozen=False) for i in range(1, 101)]
    await decisions.prepare(page)
    await decisions.prepare(page[:10])
    await decisions.prepare([*page[:10], Subject("reservation", 1, 1, frozen=False)])
    assert Counting.instances[0].prepared == [100, 1]
    # A new request starts from nothing: plugins and their state are per request.
    await engine.for_request(Viewer(kind=ViewerKind.ANONYMOUS)).prepare(page[:10])
    assert [c.prepared for c in Counting.instances] == [[100, 1], [10]]


async def test_built_in_plugins_cost_one_query_each_per_batch_whatever_its_size(
    db: None, engine: ConsentEngine, caplog: pytest.LogCaptureFixture
) -> None:
    version = await policy()
    recipient = await affiliate()
    holder = await person(role=Role.ADMIN)
    approver = await person(role=Role.ADMIN)

    async def queries_for(size: int) -> int:
        people = [await person(status=AccountStatus.CANCELLED) for _ in range(size)]
        for someone in people:
            await consent(someone, recipient, ["contact.phone"], version)
            await legal_grant(holder, approver, someone, ["contact.phone"])
        subjects = [Subject.of_account(someone) for someone in people]
        counts = []
        for viewer in (client(recipient), admin(holder)):
            decisions = engine.for_request(viewer)
            caplog.clear()
            with caplog.at_level(logging.DEBUG, logger="tortoise.db_client"):
                await decisions.prepare(subjects)
            counts.append(len(caplog.records))
            for subject in subjects:
                for category_id in PERSONAL:
                    decisions.decide(subject, category_id)
        return sum(counts)

    small, large = await queries_for(2), await queries_for(30)
    # consent (client); legal_basis and cancelled (admin): one statement each.
    assert small == large == 3


async def test_p_sec_5_ledger_lists_per_subject_what_was_clear_masked_and_blocked(
    db: None, engine: ConsentEngine
) -> None:
    version = await policy()
    recipient = await affiliate()
    consenting, other = await person(), await person()
    granted = await consent(consenting, recipient, ["contact.phone", "activity.orders"], version)
    viewer = client(recipient, categories=["contact.phone", "activity.orders"])
    decisions = engine.for_request(viewer)
    subjects = [Subject.of_account(consenting), Subject.of_account(other)]
    await decisions.prepare(subjects)
    for subject in subjects:
        for category_id in ("contact.phone", "identity.name", "activity.orders"):
            decisions.decide(subject, category_id)
    first, second = decisions.ledger_entries()
    assert first.subject_ref == f"account:{consenting.id}"
    assert first.clear == ("activity.orders", "contact.phone")
    assert first.masked == ("identity.name",)
    assert first.blocked == ()
    assert first.basis == f"consent:{granted.id}"
    assert (second.clear, second.masked, second.blocked, second.basis) == (
        (),
        ("contact.phone", "identity.name"),
        ("activity.orders",),
        "none",
    )


async def test_p_sec_5_a_mask_with_nothing_shown_is_on_record_as_blocked(
    db: None, engine: ConsentEngine
) -> None:
    """The API withholds what has no masked form (a time, a list's existence): unless a masked
    form of that category was shown as well, the ledger says blocked, as the response did."""
    viewer = Viewer(kind=ViewerKind.ADMIN, account_id=999)
    decisions = engine.for_request(viewer)
    withheld_only, also_shown = (
        Subject.of_account(await person()),
        Subject.of_account(await person()),
    )
    await decisions.prepare([withheld_only, also_shown])
    for subject in (withheld_only, also_shown):
        assert decisions.decide(subject, "device.info").effect is Effect.MASK
        decisions.withheld(subject, "device.info")
    decisions.shown_masked(also_shown, "device.info")
    first, second = decisions.ledger_entries()
    assert (first.masked, first.blocked) == ((), ("device.info",))
    assert (second.masked, second.blocked) == (("device.info",), ())
    assert decisions.decision_counts()[(Effect.BLOCK, "device.info")] == 1


async def test_engine_switched_off_allows_everything_and_records_nothing() -> None:
    decisions = ConsentEngine(build_plugins(), enabled=False).for_request(
        Viewer(kind=ViewerKind.ANONYMOUS)
    )
    await decisions.prepare([SUBJECT])
    assert decisions.decide(SUBJECT, "contact.phone").effect is Effect.ALLOW
    assert decisions.visible_accounts() == ()
    assert decisions.ledger_entries() == []


def test_engine_masks_by_the_category_strategy(engine: ConsentEngine) -> None:
    decisions = engine.for_request(Viewer(kind=ViewerKind.ANONYMOUS))
    assert decisions.mask("contact.phone", "13812341234") == "138****1234"
    assert decisions.mask("network.ip", "10.1.2.3") == "10.1.2.0/24"
    assert decisions.mask("contact.email", None) is None


# --- Registry and entry points --------------------------------------------------------------


class VipPlugin(BasePlugin):
    """Installed by the test below through a (fake) package's entry point."""

    name = "vip"

    def vote(self, viewer: Viewer, subject: Subject, category: DataCategory) -> Vote:
        if category.id == "identity.name":
            return Vote.permit("vip")
        return ABSTAIN


async def test_a_plugin_from_another_package_takes_effect(monkeypatch: pytest.MonkeyPatch) -> None:
    installed = EntryPoints(
        [EntryPoint(name="vip", value=f"{__name__}:VipPlugin", group=registry.ENTRY_POINT_GROUP)]
    )
    monkeypatch.setattr(
        registry, "entry_points", lambda group, name: installed.select(group=group, name=name)
    )
    stranger = Viewer(kind=ViewerKind.PERSON, account_id=1)
    without = ConsentEngine(build_plugins(DEFAULT_PLUGINS)).for_request(stranger)
    with_vip = ConsentEngine(build_plugins([*DEFAULT_PLUGINS, "vip"])).for_request(stranger)
    for decisions in (without, with_vip):
        await decisions.prepare([SUBJECT])
    assert without.decide(SUBJECT, "identity.name").effect is Effect.MASK
    assert with_vip.decide(SUBJECT, "identity.name") == Decision(
        Effect.ALLOW, "permitted by vip", "vip"
    )
    # Restrictions still beat an installed plugin's permission.
    assert with_vip.decide(SUBJECT, "contact.phone").effect is Effect.MASK


def test_unknown_or_repeated_plugin_names_refuse_to_start() -> None:
    with pytest.raises(ValueError, match="unknown consent plugin 'nosuch'"):
        build_plugins(["owner", "nosuch"])
    with pytest.raises(ValueError, match="listed twice"):
        build_plugins(["owner", "owner"])


# --- Built-in plugins, by promise -----------------------------------------------------------


async def test_p_rights_1_owner_sees_everything_about_themself_but_the_password(
    db: None, engine: ConsentEngine
) -> None:
    me = await person()
    viewer = Viewer(kind=ViewerKind.PERSON, account_id=me.id)
    decisions = engine.for_request(viewer)
    mine = Subject.of_account(me)
    my_reservation = Subject("reservation", 5, me.id, frozen=False)
    await decisions.prepare([mine, my_reservation])
    for category_id in PERSONAL:
        assert decisions.decide(mine, category_id) == Decision(
            Effect.ALLOW, "permitted by owner", "owner"
        )
        assert decisions.decide(my_reservation, category_id).effect is Effect.ALLOW
    password = decisions.decide(mine, "credential.password")
    assert (password.effect, password.code) == (Effect.BLOCK, BlockCode.FORBIDDEN)


async def test_admin_sees_personal_fields_masked_and_lists_every_account(
    db: None, engine: ConsentEngine
) -> None:
    operator = await person(role=Role.ADMIN)
    someone = await person()
    decision = await decide(engine, admin(operator), Subject.of_account(someone), "contact.phone")
    assert decision.effect is Effect.MASK
    assert await visible(engine, admin(operator)) == {operator.id, someone.id}


async def test_p_share_2_client_sees_only_what_was_consented_for_its_recipient_and_purpose(
    db: None, engine: ConsentEngine
) -> None:
    version = await policy()
    recipient = await affiliate(purposes=["service", "marketing"])
    someone = await person()
    subject = Subject.of_account(someone)
    given = await consent(someone, recipient, ["contact.phone", "identity.name"], version)
    # The client may see phone and email; the person consented to phone and name.
    viewer = client(recipient, categories=["contact.phone", "contact.email"])

    phone = await decide(engine, viewer, subject, "contact.phone")
    assert (phone.effect, phone.basis) == (Effect.ALLOW, f"consent:{given.id}")
    assert (await decide(engine, viewer, subject, "identity.name")).effect is Effect.MASK
    assert (await decide(engine, viewer, subject, "contact.email")).effect is Effect.MASK
    orders = await decide(engine, viewer, subject, "activity.orders")
    assert (orders.effect, orders.code) == (Effect.BLOCK, BlockCode.CONSENT_REQUIRED)

    other_purpose = client(recipient, purpose="marketing", categories=["contact.phone"])
    other_recipient = client(await affiliate(), categories=["contact.phone"])
    for stranger in (other_purpose, other_recipient):
        assert (await decide(engine, stranger, subject, "contact.phone")).effect is Effect.MASK


async def test_p_share_2_of_several_live_consents_the_newest_covering_a_category_is_its_basis(
    db: None, engine: ConsentEngine
) -> None:
    version = await policy()
    recipient = await affiliate()
    someone = await person()
    subject = Subject.of_account(someone)
    older = await consent(someone, recipient, ["contact.phone", "contact.email"], version)
    newer = await consent(someone, recipient, ["contact.phone"], version)
    viewer = client(recipient)

    decisions = engine.for_request(viewer)
    await decisions.prepare([subject])
    bases = {
        category: (decision.effect, decision.basis)
        for category in ("contact.phone", "contact.email", "identity.name")
        for decision in [decisions.decide(subject, category)]
    }
    assert bases == {
        "contact.phone": (Effect.ALLOW, f"consent:{newer.id}"),
        "contact.email": (Effect.ALLOW, f"consent:{older.id}"),
        "identity.name": (Effect.MASK, None),
    }


async def test_p_share_1_client_lists_only_people_who_consented_to_it(
    db: None, engine: ConsentEngine
) -> None:
    version = await policy()
    recipient = await affiliate(purposes=["service", "marketing"])
    consenting, withdrawn, silent, other_purpose = [await person() for _ in range(4)]
    cancelled = await person(status=AccountStatus.CANCELLED)
    await consent(consenting, recipient, ["contact.phone"], version)
    await consent(cancelled, recipient, ["contact.phone"], version)
    await consent(other_purpose, recipient, ["contact.phone"], version, purpose="marketing")
    ended = await consent(withdrawn, recipient, ["contact.phone"], version)
    ended.withdrawn_at = utcnow()
    await ended.save()
    assert silent.id not in await visible(engine, client(recipient))
    assert await visible(engine, client(recipient)) == {consenting.id}


@pytest.mark.skipif(bool(POSTGRES_URL), reason="reads SQLite's query plan")
async def test_p_share_1_a_client_page_is_read_in_key_order_not_after_every_consent(
    db: None, engine: ConsentEngine
) -> None:
    """The narrowing correlates with the account row: SQLite walks accounts newest first and
    looks each one's consent up in its index, instead of collecting every consenting person
    (the whole consent table) and sorting them for each page."""
    version = await policy()
    recipient = await affiliate()
    for _ in range(3):
        await consent(await person(), recipient, ["contact.phone"], version)
    narrowings = engine.for_request(client(recipient)).visible_accounts()
    assert narrowings
    page = narrowed(Account.all(), narrowings).order_by("-id").limit(2)
    # Not `page.explain()`: on SQLite it drops the subquery's parameters.
    page._make_query()
    sql, parameters = page.query.get_parameterized_sql()
    explained = await connections.get("default").execute_query_dict(
        f"EXPLAIN QUERY PLAN {sql}", parameters
    )
    plan = [row["detail"] for row in explained]
    assert any(step.startswith("CORRELATED") for step in plan), plan
    assert not any(step.startswith("SCAN consent") for step in plan), plan
    assert len(await page) == 2


async def test_p_share_2_purpose_change_ends_consent_and_clients_for_the_old_purpose(
    db: None, engine: ConsentEngine
) -> None:
    version = await policy()
    recipient = await affiliate(purposes=["service", "analytics"])
    someone = await person()
    given = await consent(someone, recipient, ["contact.phone"], version)
    kept = await consent(someone, recipient, ["contact.phone"], version, purpose="analytics")
    issued = await ApiClient.create(
        affiliate=recipient, name="crm", purpose="service", token_hash="a" * 64
    )
    viewer = client(recipient)
    assert (await decide(engine, viewer, Subject.of_account(someone), "contact.phone")).basis == (
        f"consent:{given.id}"
    )

    await recipient.change_purposes(["analytics", "billing"])

    await given.refresh_from_db()
    await kept.refresh_from_db()
    await issued.refresh_from_db()
    assert given.withdrawn_at is not None
    assert given.ended_reason == ConsentEnd.PURPOSE_CHANGED
    assert kept.withdrawn_at is None
    assert issued.revoked_at is not None
    decision = await decide(engine, viewer, Subject.of_account(someone), "contact.phone")
    assert decision.effect is Effect.MASK
    assert await visible(engine, viewer) == set()


async def test_p_share_2_client_purpose_must_be_one_of_its_recipients(db: None) -> None:
    recipient = await affiliate(purposes=["service"])
    with pytest.raises(ValueError, match="marketing"):
        await ApiClient.create(
            affiliate=recipient, name="crm", purpose="marketing", token_hash="b" * 64
        )


async def test_p_withdraw_1_withdrawal_counts_from_the_next_request(
    db: None, engine: ConsentEngine
) -> None:
    version = await policy()
    recipient = await affiliate()
    someone = await person()
    subject = Subject.of_account(someone)
    given = await consent(someone, recipient, ["contact.phone"], version)
    viewer = client(recipient)
    before = engine.for_request(viewer)
    await before.prepare([subject])
    assert before.decide(subject, "contact.phone").effect is Effect.ALLOW

    given.withdrawn_at = utcnow()
    given.ended_reason = ConsentEnd.WITHDRAWN
    await given.save()

    assert (await decide(engine, viewer, subject, "contact.phone")).effect is Effect.MASK
    assert await visible(engine, viewer) == set()
    # The earlier request's decision stays what it was; nothing rewrites it.
    assert before.decide(subject, "contact.phone").effect is Effect.ALLOW


async def test_p_update_1_a_version_requiring_fresh_consent_retires_older_consents(
    db: None, engine: ConsentEngine
) -> None:
    old = await policy("2022-06-07")
    someone, renewed = await person(), await person()
    recipient = await affiliate()
    await consent(someone, recipient, ["contact.phone"], old)
    viewer = client(recipient)
    subject = Subject.of_account(someone)

    # Announced but not yet in effect: old consents still count.
    await policy("2026-12-01", NOW + timedelta(days=29), requires_fresh_consent=True)
    assert (await decide(engine, viewer, subject, "contact.phone")).effect is Effect.ALLOW

    fresh = await policy("2026-11-01", NOW - timedelta(days=1), requires_fresh_consent=True)
    await consent(renewed, recipient, ["contact.phone"], fresh)
    assert (await decide(engine, viewer, subject, "contact.phone")).effect is Effect.MASK
    renewed_decision = await decide(engine, viewer, Subject.of_account(renewed), "contact.phone")
    assert renewed_decision.effect is Effect.ALLOW
    assert await visible(engine, viewer) == {renewed.id}


async def test_p_update_1_a_version_without_fresh_consent_keeps_older_consents(
    db: None, engine: ConsentEngine
) -> None:
    old = await policy("2022-06-07")
    await policy("2026-11-01", NOW - timedelta(days=1))
    someone = await person()
    recipient = await affiliate()
    await consent(someone, recipient, ["contact.phone"], old)
    decision = await decide(engine, client(recipient), Subject.of_account(someone), "contact.phone")
    assert decision.effect is Effect.ALLOW


@pytest.mark.parametrize("region", ["HK", "MO", "TW", "US"])
async def test_p_region_1_recipient_outside_mainland_china_gets_nothing(
    db: None, engine: ConsentEngine, region: str
) -> None:
    version = await policy()
    recipient = await affiliate(region=region)
    someone = await person()
    await consent(someone, recipient, PERSONAL, version)
    viewer = client(recipient, categories=PERSONAL)
    for category_id in PERSONAL:
        decision = await decide(engine, viewer, Subject.of_account(someone), category_id)
        assert (decision.effect, decision.code) == (Effect.BLOCK, BlockCode.FORBIDDEN)
    assert await visible(engine, viewer) == set()


async def test_p_disclose_1_anonymous_viewer_gets_no_personal_information(
    db: None, engine: ConsentEngine
) -> None:
    someone = await person()
    anonymous = Viewer(kind=ViewerKind.ANONYMOUS)
    for category_id in catalogue():
        decision = await decide(engine, anonymous, Subject.of_account(someone), category_id)
        assert (decision.effect, decision.code) == (Effect.BLOCK, BlockCode.FORBIDDEN)


async def test_p_dnt_1_no_third_party_or_marketing_access_under_do_not_track(
    db: None, engine: ConsentEngine
) -> None:
    version = await policy()
    third_party = await affiliate(kind=AffiliateKind.THIRD_PARTY)
    own = await affiliate(purposes=["service", "marketing"])
    someone = await person()
    subject = Subject.of_account(someone)
    for recipient, purpose in ((third_party, "service"), (own, "marketing"), (own, "service")):
        await consent(someone, recipient, ["contact.phone"], version, purpose=purpose)

    for recipient, purpose in ((third_party, "service"), (own, "marketing")):
        tracked = client(recipient, purpose)
        assert (await decide(engine, tracked, subject, "contact.phone")).effect is Effect.ALLOW
        untracked = client(recipient, purpose, do_not_track=True)
        decision = await decide(engine, untracked, subject, "contact.phone")
        assert (decision.effect, decision.code) == (Effect.BLOCK, BlockCode.CONSENT_REQUIRED)
        assert await visible(engine, tracked) == {someone.id}
        assert await visible(engine, untracked) == set()
    # The service an affiliate runs for the person is not optional processing.
    necessary = client(own, "service", do_not_track=True)
    assert (await decide(engine, necessary, subject, "contact.phone")).effect is Effect.ALLOW
    assert await visible(engine, necessary) == {someone.id}


async def test_p_exempt_1_admin_reads_in_clear_only_what_a_live_grant_covers(
    db: None, engine: ConsentEngine
) -> None:
    requester, approver, bystander = [await person(role=Role.ADMIN) for _ in range(3)]
    someone = await person()
    subject = Subject.of_account(someone)
    grant = await legal_grant(requester, approver, someone, ["contact.phone"])

    phone = await decide(engine, admin(requester), subject, "contact.phone")
    assert (phone.effect, phone.basis) == (Effect.ALLOW, f"legal:{grant.id}")
    assert (await decide(engine, admin(requester), subject, "contact.email")).effect is Effect.MASK
    # The grant serves the admin who asked for it, no other.
    for other in (approver, bystander):
        assert (await decide(engine, admin(other), subject, "contact.phone")).effect is Effect.MASK
    # Someone no longer an admin holds no legal basis.
    demoted = Viewer(kind=ViewerKind.PERSON, account_id=requester.id)
    assert (await decide(engine, demoted, subject, "contact.phone")).effect is Effect.MASK

    set_clock(lambda: NOW + timedelta(days=31))
    assert (await decide(engine, admin(requester), subject, "contact.phone")).effect is Effect.MASK
    set_clock(lambda: NOW)
    grant.revoked_at = NOW
    await grant.save()
    assert (await decide(engine, admin(requester), subject, "contact.phone")).effect is Effect.MASK


async def test_p_exempt_1_grant_needs_an_approver_other_than_its_requester(db: None) -> None:
    operator = await person(role=Role.ADMIN)
    someone = await person()
    with pytest.raises(ValueError, match="approver other than its requester"):
        await legal_grant(operator, operator, someone, ["contact.phone"])
    assert await LegalAccessGrant.all().count() == 0


async def test_p_retain_2_cancelled_person_is_frozen_except_under_a_legal_grant(
    db: None, engine: ConsentEngine
) -> None:
    version = await policy()
    recipient = await affiliate()
    requester, approver = await person(role=Role.ADMIN), await person(role=Role.ADMIN)
    for status in (AccountStatus.CANCELLING, AccountStatus.CANCELLED):
        gone = await person(status=status)
        subject = Subject.of_account(gone)
        await consent(gone, recipient, PERSONAL, version)
        grant = await legal_grant(requester, approver, gone, ["contact.phone"])

        for viewer in (client(recipient, categories=PERSONAL), admin(approver)):
            decision = await decide(engine, viewer, subject, "contact.phone")
            assert (decision.effect, decision.code) == (Effect.BLOCK, BlockCode.FORBIDDEN)
        phone = await decide(engine, admin(requester), subject, "contact.phone")
        assert (phone.effect, phone.basis) == (Effect.ALLOW, f"legal:{grant.id}")
        email = await decide(engine, admin(requester), subject, "contact.email")
        assert (email.effect, email.code) == (Effect.BLOCK, BlockCode.FORBIDDEN)
        assert gone.id not in await visible(engine, client(recipient))


async def test_p_sec_2_password_is_never_readable_not_even_by_owner_or_legal_grant(
    db: None, engine: ConsentEngine
) -> None:
    requester, approver = await person(role=Role.ADMIN), await person(role=Role.ADMIN)
    someone = await person()
    await legal_grant(requester, approver, someone, ["credential.password"])
    subject = Subject.of_account(someone)
    for viewer in (Viewer(kind=ViewerKind.PERSON, account_id=someone.id), admin(requester)):
        decision = await decide(engine, viewer, subject, "credential.password")
        assert (decision.effect, decision.code) == (Effect.BLOCK, BlockCode.FORBIDDEN)


async def test_reservation_subject_refuses_an_owner_that_is_not_its_account(db: None) -> None:
    owner, other = await person(), await person()
    reservation = await Reservation.create(
        account=owner,
        data_key=await DataKey.issue(),
        product="5G",
        name="张三",
        province="广东省",
        city="深圳市",
    )
    cancelled = await person(status=AccountStatus.CANCELLED)
    assert Subject.of_reservation(reservation, owner) == Subject(
        "reservation", reservation.id, owner.id, frozen=False
    )
    for wrong in (other, cancelled, None):
        with pytest.raises(ValueError, match="does not belong"):
            Subject.of_reservation(reservation, wrong)
    reservation.account_id = cancelled.id
    assert Subject.of_reservation(reservation, cancelled).frozen


# --- Partner accounts (policy 五(一)3-4) -------------------------------------------------------


def partner(account: Account) -> Viewer:
    return Viewer(kind=ViewerKind.PARTNER, account_id=account.id)


async def test_p_rights_1_a_partner_sees_their_own_details_in_clear_and_nobody_else(
    db: None, engine: ConsentEngine
) -> None:
    staff = await person("李四", role=Role.PARTNER)
    someone = await person()
    decisions = engine.for_request(partner(staff))
    own, other = Subject.of_account(staff), Subject.of_account(someone)
    own_reservation = Subject("reservation", 9, staff.id, frozen=False)
    anonymous_reservation = Subject("reservation", 10, None, frozen=False)
    await decisions.prepare([own, other, own_reservation, anonymous_reservation])
    for category_id in PERSONAL:
        # Not an admin's masking: the owner's permission.
        assert decisions.decide(own, category_id).basis == "owner"
        assert decisions.decide(own_reservation, category_id).effect is Effect.ALLOW
        for foreign in (other, anonymous_reservation):
            decision = decisions.decide(foreign, category_id)
            assert (decision.effect, decision.code) == (Effect.BLOCK, BlockCode.FORBIDDEN)
    assert decisions.decide(own, "credential.password").effect is Effect.BLOCK
    assert await visible(engine, partner(staff)) == set()


async def test_p_sec_3_a_partner_gets_nothing_from_consents_or_legal_grants(
    db: None, engine: ConsentEngine
) -> None:
    """Rows that would permit an admin or a client permit a partner nothing."""
    version = await policy()
    staff = await person("李四", role=Role.PARTNER)
    approver = await person(role=Role.ADMIN)
    someone = await person()
    recipient = await affiliate()
    await consent(someone, recipient, PERSONAL, version)
    await legal_grant(staff, approver, someone, PERSONAL)
    for category_id in PERSONAL:
        decision = await decide(engine, partner(staff), Subject.of_account(someone), category_id)
        assert (decision.effect, decision.code) == (Effect.BLOCK, BlockCode.FORBIDDEN)
    assert await visible(engine, partner(staff)) == set()


# --- Transfers (P-TRANSFER-1) -------------------------------------------------------------------


async def test_p_transfer_1_a_successors_client_sees_a_person_only_once_they_moved(
    db: None, engine: ConsentEngine
) -> None:
    version = await policy()
    operator = await person(role=Role.ADMIN)
    buyer = await affiliate(purposes=["transfer"])
    other_buyer = await affiliate(purposes=["transfer"])
    people = {outcome: await person() for outcome in TransferOutcome}
    unrecorded = await person()
    for someone in [*people.values(), unrecorded]:
        await consent(someone, buyer, ["contact.phone"], version, purpose="transfer")
    deal = await Transfer.create(
        successor=buyer,
        reason=TransferReason.MERGER,
        reference="并购-1",
        recorded_by=operator,
        recorded_at=NOW,
    )
    elsewhere = await Transfer.create(
        successor=other_buyer,
        reason=TransferReason.MERGER,
        reference="并购-2",
        recorded_by=operator,
        recorded_at=NOW,
    )
    for outcome, someone in people.items():
        await TransferSubject.create(transfer=deal, account=someone, outcome=outcome)
    # Moved to another successor: that move is not this one's.
    await TransferSubject.create(
        transfer=elsewhere, account=unrecorded, outcome=TransferOutcome.MOVED
    )
    viewer = client(buyer, purpose="transfer", categories=["contact.phone"])
    moved = people[TransferOutcome.MOVED]
    assert await visible(engine, viewer) == {moved.id}
    for someone in [*people.values(), unrecorded]:
        decision = await decide(engine, viewer, Subject.of_account(someone), "contact.phone")
        assert (decision.effect is Effect.ALLOW) == (someone is moved)
    # The same consents for any other purpose are what they always were.
    other_purpose = client(buyer, purpose="service", categories=["contact.phone"])
    assert await visible(engine, other_purpose) == set()
