"""A database that holds rows written under the first migration migrates to the latest, rows
intact, on SQLite and PostgreSQL; the founding policy version stored then by digest alone gets
its real text (P-UPDATE-1)."""

from tortoise import Tortoise, connections
from tortoise.migrations.api import migrate

from api.database import tortoise_config
from api.policy.founding import TEXT, ensure_founding_policy
from models.accounts import Account, Role
from models.consent import PolicyAcceptance, text_digest
from models.privacy import Notification, Transfer, TransferOutcome, TransferSubject
from tests.conftest import POSTGRES_URL, fresh_database_url

AT = "'2026-01-01 00:00:00+00:00'"


def rows_of_0001() -> list[str]:
    """Rows as the code of the first migration wrote them, in tables later migrations change
    (and tables that refer to those)."""
    digest = text_digest(TEXT.read_text(encoding="utf-8"))
    account = "INSERT INTO account (id, data_key_id, name, company, role, status, created_at, "
    account += "updated_at) VALUES"
    return [
        f"INSERT INTO data_key (id, master_key_id, created_at) VALUES (1, 'k', {AT})",
        f"INSERT INTO data_key (id, master_key_id, created_at) VALUES (2, 'k', {AT})",
        f"{account} (1, 1, 'a', 'c', 'ADMIN', 'ACTIVE', {AT}, {AT})",
        f"{account} (2, 2, 'b', 'c', 'USER', 'ACTIVE', {AT}, {AT})",
        "INSERT INTO affiliate (id, name, kind, region, purposes, created_at) VALUES "
        f"(1, 'x', 'AFFILIATE', 'CN', '[\"transfer\"]', {AT})",
        "INSERT INTO policy_version (id, version, published_at, effective_at, digest, summary, "
        "requires_fresh_consent, controller, contact_phone, contact_email, registered_address, "
        f"contact_address) VALUES (1, '2022-06-07', {AT}, {AT}, '{digest}', 's', false, 'c', "
        "'p', 'e', 'r', 'a')",
        "INSERT INTO policy_acceptance (id, account_id, policy_version_id, accepted_at, channel) "
        f"VALUES (1, 2, 1, {AT}, 'web')",
        "INSERT INTO transfer (id, successor_id, reason, reference, recorded_by_id, recorded_at) "
        f"VALUES (1, 1, 'MERGER', 'r', 1, {AT})",
        "INSERT INTO transfer_subject (id, transfer_id, account_id, outcome) VALUES "
        "(1, 1, 2, 'NEEDS_CONSENT')",
        "INSERT INTO notification (id, account_id, topic, channel, title, body, status, "
        f"created_at) VALUES (1, 2, 'INCIDENT', 'SMS', 't', 'b', 'QUEUED', {AT})",
        "INSERT INTO outbox_message (id, notification_id, channel, created_at) VALUES "
        f"(1, 1, 'SMS', {AT})",
    ]


async def test_p_update_1_a_database_with_rows_from_the_first_migration_migrates(tmp_path):
    url = (POSTGRES_URL and fresh_database_url()) or f"sqlite://{tmp_path / 'old.sqlite3'}"
    config = tortoise_config(url)
    await Tortoise.init(config=config, _create_db=True)
    await Tortoise.close_connections()
    await migrate(config=config, target="models.0001_initial")
    await Tortoise.init(config=config)
    try:
        for statement in rows_of_0001():
            await connections.get("default").execute_query(statement)
        await Tortoise.close_connections()
        await migrate(config=config)
        await Tortoise.init(config=config)
        assert (await ensure_founding_policy()).text == TEXT.read_text(encoding="utf-8")
        roles = await Account.all().order_by("id").values_list("role", "partner_of_id")
        assert roles == [(Role.ADMIN, None), (Role.USER, None)]
        old = await Transfer.get(id=1)
        assert (old.categories, old.commitment_digest) == (None, None)
        subject = await TransferSubject.get(id=1)
        assert (subject.outcome, subject.responded_at) == (TransferOutcome.NEEDS_CONSENT, None)
        assert (await Notification.get(id=1)).transfer_id is None
        acceptance = await PolicyAcceptance.get(id=1)
        assert (acceptance.channel, acceptance.evidence_ip) == ("web", None)
    finally:
        if url.startswith("postgres"):
            await Tortoise._drop_databases()
        else:
            await Tortoise.close_connections()
