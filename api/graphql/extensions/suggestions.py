"""'Did you mean ...?' suggestions for admins only: to anyone else they map the hidden schema.

graphql-core 3.3 can leave suggestions out itself (`hide_suggestions=True` on `validate` and on
`execute`), but Strawberry 0.341 passes that flag to neither, and its
`StrawberryConfig(disable_field_suggestions=True)` is schema-wide and covers unknown fields only.
So the sentence is cut from the response's errors once the operation is done, which also reaches
the errors raised while coercing variables during execution (an unknown enum value). Every
suggestion graphql-core writes has one shape: `pyutils.did_you_mean` builds
" Did you mean 'a', 'b', or 'c'?" (or "the enum value 'A'?"), and ScalarLeafsRule writes
" Did you mean 'field { ... }'?". GraphQL names cannot contain "?", so the first "?" ends it.
"""

import re
from collections.abc import Callable, Iterator
from functools import partial

from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

_SUGGESTION = re.compile(r" Did you mean [^?]*\?")


def strip_suggestions(message: str) -> str:
    return _SUGGESTION.sub("", message)


class HideSuggestions(SchemaExtension):
    def __init__(self, reveal_to: Callable[[ExecutionContext], bool]) -> None:
        self.reveal_to = reveal_to

    def on_operation(self) -> Iterator[None]:
        yield
        context = self.execution_context
        # Validation errors live in `pre_execution_errors`; execution errors in the result. The
        # response holds these same objects, so they are edited in place.
        errors = [
            *(context.pre_execution_errors or ()),
            *(getattr(context.result, "errors", None) or ()),
        ]
        if errors and not self.reveal_to(context):
            for error in errors:
                error.message = strip_suggestions(error.message)


def suggestions_extension(
    is_admin: Callable[[ExecutionContext], bool],
) -> Callable[[], SchemaExtension]:
    """Extension factory for `strawberry.Schema(extensions=[...])`: suggestions for admins only."""
    return partial(HideSuggestions, is_admin)
