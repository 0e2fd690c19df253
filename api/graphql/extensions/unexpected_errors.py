"""Errors we did not mean to raise leave with a code but without their text (P-SEC-4), and only
they are logged, without the request's document or variables (P-SEC-1, P-SEC-2).

Their text may be the database's, a file path or a bug's detail; it goes to the log with its
traceback, and the client learns only whether a retry may help: SERVICE_UNAVAILABLE when the
database cannot be reached, INTERNAL_SERVER_ERROR for anything else, the codes a failure outside
execution gets too (api.http.app).

Strawberry would log every error of a result as its GraphQL string, which quotes the document
around the error: `login(input: {password: "..."})` put the password in the log. Refusals we
meant (a wrong password, a conflict, invalid input, a field the viewer may not see) and GraphQL's
own (syntax, validation) are the client's to read, not incidents: they are not logged at all.
"""

import logging

from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from api.errors import (
    UNAVAILABLE_MESSAGE,
    UNEXPECTED_MESSAGE,
    ApiError,
    ErrorCode,
    database_unavailable,
)

logger = logging.getLogger(__name__)


def log_unexpected(error: GraphQLError, operation: str | None) -> None:
    """The error's type, where in the result it happened (field names and list positions only)
    and its traceback; never the document, the variables or the GraphQL string of the error."""
    path = ".".join(str(key) for key in error.path or ()) or "-"
    logger.error(
        "unexpected error in a %s at %s",
        operation or "request",
        path,
        exc_info=error.original_error,
        extra={"operation_type": operation, "path": path},
    )


def is_unexpected(error: GraphQLError) -> bool:
    """Errors we raised on purpose and GraphQL's own (syntax, validation) go out as they are;
    anything else is a fault of ours, or an outage."""
    original = error.original_error
    return original is not None and not isinstance(original, (ApiError, GraphQLError))


class MaskUnexpectedErrors(MaskErrors):
    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected, error_message=UNEXPECTED_MESSAGE)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        if error.original_error is not None and database_unavailable(error.original_error):
            code, message = ErrorCode.SERVICE_UNAVAILABLE, UNAVAILABLE_MESSAGE
        else:
            code, message = ErrorCode.INTERNAL_SERVER_ERROR, self.error_message
        # Built afresh, as MaskErrors does, so nothing of the original (its extensions) survives.
        return GraphQLError(
            message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": code},
        )
