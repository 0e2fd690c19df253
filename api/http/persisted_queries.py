"""Persisted queries: Apollo's automatic persisted queries, and an optional allow-list of trusted
documents (P-SEC-4).

A client sends `extensions.persistedQuery = {version: 1, sha256Hash}`, first without the
document; on PERSISTED_QUERY_NOT_FOUND it sends both, and the document is kept under its hash,
which must be the SHA-256 of its text. Kept in this process only (a least-recently-used cache
bounded in bytes): a worker that has not seen a document answers NOT_FOUND and the client sends it
once more, which the protocol expects. Not in the database, because anyone may register a
document and nobody could then bound what the table holds. Trusted documents
(`consentql documents add`) are in the database and found by hash by every worker.

With CONSENTQL_TRUSTED_DOCUMENTS_ONLY, only trusted documents run, by hash or in full, except for
signed-in admins, who work in GraphiQL on documents no frontend ships; the cache then holds
trusted documents only.
"""

import re
from collections import OrderedDict
from dataclasses import replace
from typing import Any

from strawberry.http import GraphQLRequestData

from api.documents.service import document_hash, trusted_document
from api.errors import ErrorCode
from plugins.viewer import Viewer, ViewerKind

# Bytes of document text one process keeps for automatic persisted queries.
CACHE_BYTES = 8 * 1024 * 1024
_SHA256 = re.compile(r"[0-9a-f]{64}")


class DocumentRefused(Exception):
    def __init__(self, status: int, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class DocumentCache:
    """Documents by hash, least recently used dropped first, at most `max_bytes` of text."""

    def __init__(self, max_bytes: int = CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._documents: OrderedDict[str, str] = OrderedDict()

    def get(self, sha256: str) -> str | None:
        document = self._documents.get(sha256)
        if document is not None:
            self._documents.move_to_end(sha256)
        return document

    def put(self, sha256: str, document: str) -> None:
        if sha256 in self._documents or len(document) > self.max_bytes:
            return
        self._documents[sha256] = document
        self.size += len(document)
        while self.size > self.max_bytes:
            _, dropped = self._documents.popitem(last=False)
            self.size -= len(dropped)


def _requested_hash(extensions: dict[str, Any] | None) -> str | None:
    persisted = (extensions or {}).get("persistedQuery")
    if persisted is None:
        return None
    if not isinstance(persisted, dict) or persisted.get("version") != 1:
        raise DocumentRefused(400, ErrorCode.BAD_REQUEST, "persistedQuery version 1 is supported")
    sha256 = persisted.get("sha256Hash")
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
        raise DocumentRefused(
            400, ErrorCode.BAD_REQUEST, "persistedQuery.sha256Hash must be 64 lowercase hex digits"
        )
    return sha256


class PersistedQueries:
    def __init__(self, trusted_only: bool, cache: DocumentCache | None = None) -> None:
        self.trusted_only = trusted_only
        self.cache = cache or DocumentCache()

    async def admit(self, request: GraphQLRequestData, viewer: Viewer) -> GraphQLRequestData:
        """The request with its document, or DocumentRefused."""
        sha256 = _requested_hash(request.extensions)
        must_be_trusted = self.trusted_only and viewer.kind is not ViewerKind.ADMIN
        if sha256 is None:
            if must_be_trusted and request.query is not None:
                await self._require_trusted(document_hash(request.query), request.query)
            return request
        if request.query is None:
            return replace(request, query=await self._by_hash(sha256))
        if document_hash(request.query) != sha256:
            raise DocumentRefused(
                400,
                ErrorCode.PERSISTED_QUERY_HASH_MISMATCH,
                "persistedQuery.sha256Hash is not the SHA-256 of the document",
            )
        if must_be_trusted:
            await self._require_trusted(sha256, request.query)
        elif not self.trusted_only:
            # With the allow-list on, only trusted documents enter the cache, so that what an
            # admin registers never runs for anyone else by its hash.
            self.cache.put(sha256, request.query)
        return request

    async def _by_hash(self, sha256: str) -> str:
        document = self.cache.get(sha256) or await trusted_document(sha256)
        if document is None:
            # The protocol's normal first miss, answered 200 like Apollo's servers do.
            raise DocumentRefused(
                200, ErrorCode.PERSISTED_QUERY_NOT_FOUND, "PersistedQueryNotFound"
            )
        self.cache.put(sha256, document)
        return document

    async def _require_trusted(self, sha256: str, document: str) -> None:
        # Known trusted once seen: documents are only ever added to the allow-list.
        if self.cache.get(sha256) == document:
            return
        if await trusted_document(sha256) != document:
            raise DocumentRefused(
                403, ErrorCode.DOCUMENT_NOT_TRUSTED, "only trusted documents run here"
            )
        self.cache.put(sha256, document)
