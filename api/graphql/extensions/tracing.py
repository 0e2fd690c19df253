"""Spans of a GraphQL operation, for OpenTelemetry tracing (api.http.tracing): `graphql.operation`
(operation name and type, the document with every literal value replaced, the error codes) with
`graphql.parse`, `graphql.validate` and `graphql.execute` beneath. Never the variables, never a
literal, never an error message (graphql-core's repeat the variable's value). No span per
resolver: a 100-row list would make thousands.
"""

import contextlib
from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, Any

from graphql import (
    BooleanValueNode,
    FloatValueNode,
    IntValueNode,
    StringValueNode,
    Visitor,
    print_ast,
    visit,
)
from graphql.language import DocumentNode
from strawberry.extensions import SchemaExtension

if TYPE_CHECKING:
    from opentelemetry.trace import Span, Tracer


class _BlankLiterals(Visitor):
    """Every literal value becomes a placeholder of its kind; names, fields, arguments,
    variables and enum values (all from the schema or the client's own code) stay."""

    def enter_string_value(self, node: StringValueNode, *_args: Any) -> StringValueNode:
        return StringValueNode(value="")

    def enter_int_value(self, node: IntValueNode, *_args: Any) -> IntValueNode:
        return IntValueNode(value="0")

    def enter_float_value(self, node: FloatValueNode, *_args: Any) -> FloatValueNode:
        return FloatValueNode(value="0")

    def enter_boolean_value(self, node: BooleanValueNode, *_args: Any) -> BooleanValueNode:
        return BooleanValueNode(value=False)


def document_without_literals(document: DocumentNode) -> str:
    return print_ast(visit(document, _BlankLiterals()))


class TracedOperations(SchemaExtension):
    def __init__(self, tracer: "Tracer") -> None:
        self.tracer = tracer

    def _child(self, name: str) -> "Span":
        from opentelemetry import trace

        return self.tracer.start_span(name, context=trace.set_span_in_context(self.operation))

    def on_operation(self) -> Iterator[None]:
        self.operation = self.tracer.start_span("graphql.operation")
        try:
            yield
        finally:
            self._describe(self.operation)
            self.operation.end()

    def _describe(self, span: "Span") -> None:
        context = self.execution_context
        if context.operation_name:
            span.set_attribute("graphql.operation.name", context.operation_name)
        document = context.graphql_document
        if document is not None:
            span.set_attribute("graphql.document", document_without_literals(document))
            # Several operations and no name: refused, and no type to tell.
            with contextlib.suppress(RuntimeError):
                span.set_attribute("graphql.operation.type", context.operation_type.value)
        errors = [
            *(context.pre_execution_errors or ()),
            *(getattr(context.result, "errors", None) or ()),
        ]
        codes = sorted({str((error.extensions or {}).get("code")) for error in errors})
        if codes:
            span.set_attribute("graphql.error_codes", codes)

    def _step(self, name: str) -> Iterator[None]:
        span = self._child(name)
        try:
            yield
        finally:
            span.end()

    def on_parse(self) -> Iterator[None]:
        yield from self._step("graphql.parse")

    def on_validate(self) -> Iterator[None]:
        yield from self._step("graphql.validate")

    def on_execute(self) -> Iterator[None]:
        yield from self._step("graphql.execute")


def tracing_extension(tracer: "Tracer") -> Callable[[], SchemaExtension]:
    return partial(TracedOperations, tracer)
