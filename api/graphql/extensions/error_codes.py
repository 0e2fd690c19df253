"""GraphQL's own refusals get an `extensions.code` too, so every error a client can act on has one.

Our errors (`ApiError`, the limits, the introspection gate) carry their code already. graphql-core
writes the rest without one: a syntax error, a document that does not fit the schema, and a
variable of the wrong type or shape (a number for a string, an unknown enum value, a missing
input field). Those are labelled here, once the operation is done, the way Apollo names them.
Errors of a resolver (they have a `path`) are left alone: they either carry our code or are
masked as unexpected.
"""

from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from api.errors import ErrorCode


def _label(error: GraphQLError, code: ErrorCode) -> None:
    if not (error.extensions or {}).get("code"):
        error.extensions = {**(error.extensions or {}), "code": code}


def _label_before_execution(error: GraphQLError) -> None:
    if error.message.startswith("Syntax Error"):
        _label(error, ErrorCode.GRAPHQL_PARSE_FAILED)
    elif error.message.startswith("Variable '$"):
        _label(error, ErrorCode.BAD_USER_INPUT)
    else:
        _label(error, ErrorCode.GRAPHQL_VALIDATION_FAILED)


class LabelGraphQLErrors(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        try:
            yield
        except GraphQLError as error:
            # Under ParserCache a syntax error is raised out of the operation, not returned.
            _label_before_execution(error)
            raise
        context = self.execution_context
        # The response holds these same objects, so they are labelled in place.
        for error in context.pre_execution_errors or ():
            _label_before_execution(error)
        for error in getattr(context.result, "errors", None) or ():
            if error.path is None:
                _label(error, ErrorCode.BAD_USER_INPUT)
