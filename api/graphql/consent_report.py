"""After execution: one error per blocked field, the masked and blocked paths under
`extensions.consent`, and one ledger write for the whole request (P-SEC-5)."""

from collections.abc import AsyncIterator
from typing import Any

from strawberry.extensions import SchemaExtension

from api.graphql.context import RequestContext


class ConsentReport(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:
        yield
        context: RequestContext = self.execution_context.context
        result = self.execution_context.result
        if result is not None and context.disclosures.blocked:
            result.errors = [*(result.errors or []), *context.disclosures.errors()]
        await context.services.ledger.record_reads(context)

    def get_results(self) -> dict[str, Any]:
        disclosures = self.execution_context.context.disclosures
        if not (disclosures.masked or disclosures.blocked):
            return {}
        return {"consent": disclosures.summary()}
