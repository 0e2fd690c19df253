"""After execution: one error per blocked field, the masked and blocked paths under
`extensions.consent`, and one ledger write for the whole request (P-SEC-5)."""

import logging
from collections.abc import AsyncIterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from api.graphql.context import RequestContext

logger = logging.getLogger(__name__)


class ConsentReport(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:
        yield
        context: RequestContext = self.execution_context.context
        result = self.execution_context.result
        if result is not None and context.disclosures.blocked:
            result.errors = [*(result.errors or []), *context.disclosures.errors()]
        try:
            await context.runtime.ledger.record_reads(context.actor, context.decisions)
        except Exception as error:
            # P-SEC-5: what is not on record is not shown. Raised from here, Strawberry would
            # answer with the database's own message, past MaskErrors; the result is emptied in
            # place instead, and its one error is masked like any other unexpected one.
            logger.exception("the access ledger could not be written; nothing was shown")
            if result is None:
                raise
            result.data = None
            result.errors = [GraphQLError("access ledger unavailable", original_error=error)]

    def get_results(self) -> dict[str, Any]:
        disclosures = self.execution_context.context.disclosures
        if not (disclosures.masked or disclosures.blocked):
            return {}
        return {"consent": disclosures.summary()}
