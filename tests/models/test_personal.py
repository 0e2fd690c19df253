"""Every column that holds personal data is declared once, on its model, and every outlet follows
the declaration: GraphQL fields, validation, export, erasure, retention (P-SEC-3, P-RETAIN-1,
P-EXPORT-1, P-DELETE-1)."""

import re
from pathlib import Path

from tortoise import fields
from tortoise.context import TortoiseContext

from api.privacy import retention
from api.privacy.erasure import erase
from api.privacy.export import export_document
from models.accounts import Account
from models.personal import (
    Format,
    Retention,
    RowAction,
    Storage,
    collection_name,
    declared,
    erasure_changes,
    exported_fields,
)
from plugins.categories import catalogue
from tests.conftest import LOGIN, gql, sign_in
from tests.privacy.test_cancellation import client_token, fill_account

ROOT = Path(__file__).resolve().parents[2]


def test_p_sec_3_every_column_of_every_model_is_declared_personal_or_operational(
    db: TortoiseContext,
) -> None:
    declarations = {declaration.model: declaration for declaration in declared()}
    for model in db.apps["models"].values():
        assert model in declarations, f"{model.__name__} has no @personal_data declaration"
        declaration = declarations[model]
        columns = set(model._meta.fields_db_projection)
        personal = [name for column in declaration.columns for name in column.stored_columns]
        operational = set(declaration.operational)
        assert len(personal) == len(set(personal)), f"{model.__name__}: a column declared twice"
        assert not operational & set(personal), f"{model.__name__}: personal and operational"
        assert columns == operational | set(personal), (
            f"{model.__name__}: unclassified {sorted(columns - operational - set(personal))}, "
            f"no such column {sorted(operational | set(personal) - columns)}"
        )
        assert set(declaration.exported) <= operational
        if declaration.owner:
            assert declaration.owner in columns, f"{model.__name__}: owner {declaration.owner}"


def test_p_sec_3_declarations_name_known_categories_and_consistent_storage(
    db: TortoiseContext,
) -> None:
    known = set(catalogue())
    for declaration in declared():
        model = declaration.model
        assert model is not None
        assert declaration.categories <= known, f"{model.__name__}: {declaration.categories}"
        for column in declaration.columns:
            stored = model._meta.fields_map[column.stored_columns[0]]
            if column.storage is Storage.SEALED:
                assert isinstance(stored, fields.BinaryField) and column.sealed_as
                if column.lookup:
                    assert f"{column.name}_hash" in model._meta.fields_map
            else:
                assert not column.sealed_as and not column.lookup
            if column.format in (Format.TEXT, Format.FREE_TEXT):
                # Input is limited by the column itself, or by a declared length for free text.
                assert column.max_length or getattr(stored, "max_length", None), column.name


def test_p_retain_1_every_personal_column_retention_touches_has_a_rule(db: TortoiseContext):
    ruled = {rule.model for rule in retention.rules()}
    for declaration in declared():
        acts = declaration.on_retention is not RowAction.KEEP or any(
            column.retention is not Retention.KEEP for column in declaration.columns
        )
        if acts:
            # A retention action on a table whose categories set no retention period would
            # never run: the declaration would promise what the job never does.
            assert declaration.model in ruled, f"{declaration.model}: no retention period"


def test_p_sec_2_no_sealing_or_context_string_outside_models() -> None:
    """Sealed columns are read and written through their declared accessors only: a context
    string spelled by hand elsewhere could seal data nobody can open again."""
    contexts = {
        column.sealed_as
        for declaration in declared()
        for column in declaration.columns
        if column.sealed_as
    }
    calls = re.compile(r"\.(seal|unseal)\(|\bkey\.open\(|data_key\.open\(")
    offenders = []
    for folder in ("api", "plugins", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for number, line in enumerate(text.splitlines(), 1):
                if calls.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
                offenders += [
                    f"{path.relative_to(ROOT)}:{number}: {context}"
                    for context in contexts
                    if f'"{context}"' in line
                ]
    assert not offenders, offenders


async def test_p_export_1_p_delete_1_every_declared_column_is_exported_and_erased(client):
    """A person with rows in every table that holds their data: the export shows every declared
    column of each, and an erasure leaves each column as its declaration says."""
    token = await sign_in(client)
    account = await Account.get()
    login = {"login": "13800130000", "password": "correct horse battery"}
    client_info = {"os": "iOS 19", "networkType": "WIFI", "devicePhone": "13800130000"}
    await gql(client, LOGIN, {"input": {**login, "client": client_info}})
    await fill_account(client, token)
    await client_token(account.id)
    document = await export_document(await Account.get(id=account.id).select_related("data_key"))
    for declaration in declared():
        if not declaration.owner or declaration.model is Account:
            continue
        rows = await declaration.model.filter(**{declaration.owner: account.id}).count()
        section = document.get(collection_name(declaration.model), [])
        if declaration.model.__name__ != "Consent":
            assert len(section) == rows, declaration.model
        for row in section:
            assert set(exported_fields(declaration)) <= row.keys(), declaration.model
    assert set(exported_fields(Account.PERSONAL)) <= document["account"].keys()

    assert await erase(account.id, "NO_CONSENT")
    for declaration in declared():
        changes = erasure_changes(declaration)
        if not declaration.owner or not changes:
            continue
        owner = {declaration.owner: account.id}
        if declaration.on_erasure is RowAction.UNLINK:
            # The rows stay, without the link: found by nobody any more.
            assert not await declaration.model.filter(**owner).exists()
            continue
        stored = await declaration.model.filter(**owner).values(*changes)
        assert all(row == changes for row in stored), (declaration.model, stored)
