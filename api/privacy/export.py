"""Everything held about a person, as one machine-readable JSON document (P-EXPORT-1).

The same document answers an ACCESS request. It is built for the person themself, so it shows
every value in clear; it is never built for anyone else. Its sections are derived from the
declarations of personal data (`models.personal`): every table that holds rows of the person is
in it, with every personal column its declaration exports, so a new personal column is exported
without a change here.
"""

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from tortoise.models import Model

from api.actor import Actor
from api.audit.events import record_change
from api.audit.history import Names
from api.consent.receipts import consent_receipt
from models.accounts import Account
from models.audit import AuditEntry
from models.clock import utcnow
from models.consent import Consent, PolicyAcceptance, PolicyVersion
from models.personal import PersonalData, collection_name, declared, exported_fields
from models.privacy import TransferSubject
from models.reservations import Reservation

FORMAT = "consentql-export/2"
FIELDS = (
    "created_at",
    "action",
    "subject_ref",
    "categories_clear",
    "categories_masked",
    "categories_blocked",
    "basis",
)


def plain(value: Any) -> Any:
    """JSON-ready: times in ISO 8601, money as a decimal string, enums as their value."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, str):
        return str(value)
    return value


async def rows_of(declaration: PersonalData, account: Account) -> list[Model]:
    """The person's rows of one table, oldest first, able to open what is sealed in them."""
    model = declaration.model
    assert model is not None
    if model is Account:
        return [account]
    query = model.filter(**{declaration.owner: account.id}).order_by("id")
    if "data_key" in model._meta.fk_fields:
        query = query.select_related("data_key")
    rows = await query
    if "account" in model._meta.fk_fields:
        for row in rows:
            row.account = account
    return rows


async def export_document(account: Account) -> dict[str, Any]:
    """`account` with its data key fetched."""
    document: dict[str, Any] = {"format": FORMAT, "generated_at": utcnow()}
    for declaration in declared():
        fields = exported_fields(declaration)
        # Consents come with their receipts, transfers with their successor, below.
        if not declaration.owner or not fields or declaration.model in (Consent, TransferSubject):
            continue
        assert declaration.model is not None
        rows = await rows_of(declaration, account)
        section = [{name: getattr(row, name) for name in fields} for row in rows]
        document[collection_name(declaration.model)] = section
    document["account"] = document.pop(collection_name(Account))[0]
    document["consents"] = await consents_with_receipts(account)
    document["transfers"] = await transfers_of(account)
    await name_policy_versions(document[collection_name(PolicyAcceptance)])
    document["access_history"] = await access_history(account)
    return plain(document)


async def consents_with_receipts(account: Account) -> list[dict[str, Any]]:
    consents = (
        await Consent.filter(account_id=account.id)
        .select_related("recipient", "policy_version")
        .order_by("id")
    )
    awaiting = (await PolicyVersion.awaiting_acceptance([account.id])).get(account.id)
    declaration = Consent.PERSONAL  # type: ignore[attr-defined]
    return [
        {
            **{name: getattr(row, name) for name in exported_fields(declaration)},
            "receipt": dataclasses.asdict(consent_receipt(row, awaiting)),
        }
        for row in consents
    ]


async def transfers_of(account: Account) -> list[dict[str, Any]]:
    """Each transfer to a successor that concerned the person, with the successor's commitment
    and the person's answer (P-TRANSFER-1)."""
    rows = (
        await TransferSubject.filter(account_id=account.id)
        .select_related("transfer__successor")
        .order_by("id")
    )
    return [
        {
            "transfer_id": row.transfer_id,
            "successor": row.transfer.successor.name,
            "reason": row.transfer.reason,
            "reference": row.transfer.reference,
            "recorded_at": row.transfer.recorded_at,
            "categories": row.transfer.categories,
            "commitment": {
                "signed_at": row.transfer.commitment_signed_at,
                "reference": row.transfer.commitment_reference,
                "digest": row.transfer.commitment_digest,
            },
            **{name: getattr(row, name) for name in exported_fields(TransferSubject.PERSONAL)},
        }
        for row in rows
    ]


async def name_policy_versions(acceptances: list[dict[str, Any]]) -> None:
    ids = {row["policy_version_id"] for row in acceptances}
    names = dict(await PolicyVersion.filter(id__in=ids).values_list("id", "version"))
    for row in acceptances:
        row["version"] = names[row["policy_version_id"]]


async def access_history(account: Account) -> list[dict[str, Any]]:
    """Every audit event about the person and their reservations, who acted named as
    `myAccessHistory` names them."""
    own_ref = f"account:{account.id}"
    reservation_ids = await Reservation.filter(account_id=account.id).values_list("id", flat=True)
    refs = [own_ref, *(f"reservation:{rid}" for rid in reservation_ids)]
    events = await AuditEntry.filter(subject_ref__in=refs).order_by("id")
    names = await Names.of(events)
    return [
        {
            "by": names.actor(event, own_ref),
            **{name: getattr(event, name) for name in FIELDS},
        }
        for event in events
    ]


async def export_my_data(actor: Actor, account: Account) -> dict[str, Any]:
    """The person's own export, and the fact that they took it on record."""
    document = await export_document(account)
    await record_change(actor, f"account:{account.id}", "DATA_EXPORTED", {})
    return document
