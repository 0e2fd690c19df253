"""Errors we did not mean to raise leave with a code but without their text (P-SEC-4).

Their text may be the database's, a file path or a bug's detail; it goes to the log (Strawberry
logs every error of a result) and the client learns only whether a retry may help:
SERVICE_UNAVAILABLE when the database cannot be reached, INTERNAL_SERVER_ERROR for anything else,
the codes a failure outside execution gets too (api.http.app).
"""

from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from api.errors import (
    UNAVAILABLE_MESSAGE,
    UNEXPECTED_MESSAGE,
    ApiError,
    ErrorCode,
    database_unavailable,
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
