"""Trusted documents: the GraphQL documents an operator allows, stored by the SHA-256 of their
text, which is what a client sends in `extensions.persistedQuery.sha256Hash` (P-SEC-4)."""

import hashlib
from dataclasses import dataclass

from graphql import GraphQLSchema, parse, validate
from graphql.error import GraphQLError
from tortoise.transactions import in_transaction

from api.errors import invalid
from models.documents import TrustedDocument


def document_hash(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


@dataclass(frozen=True)
class Added:
    source: str
    sha256: str
    new: bool


async def trusted_document(sha256: str) -> str | None:
    row = await TrustedDocument.get_or_none(sha256=sha256)
    return row.document if row else None


async def add_documents(schema: GraphQLSchema, documents: dict[str, str]) -> list[Added]:
    """Stores each document (source name -> text) that parses and fits the schema; refuses all
    of them, storing none, if one does not. A document stored before is left as it is."""
    for source, text in documents.items():
        try:
            errors = validate(schema, parse(text))
        except GraphQLError as error:
            errors = [error]
        if errors:
            raise invalid("documents", f"{source}: {errors[0].message}")
    added = []
    async with in_transaction():
        for source, text in documents.items():
            sha256 = document_hash(text)
            _, new = await TrustedDocument.get_or_create(
                sha256=sha256, defaults={"document": text, "source": source[:255]}
            )
            added.append(Added(source=source, sha256=sha256, new=new))
    return added
