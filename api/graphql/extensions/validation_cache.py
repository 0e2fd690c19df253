"""Validation is skipped for a document that already passed the same rules.

Strawberry's `ValidationCache` is not used: it keeps the error list of a failed document and
hands those same objects to every later request, while `HideSuggestions` edits errors in place,
so an admin could get a message cut for someone else. Here only a pass is remembered; a
refused document is validated again each time (it is cheap to refuse, and rare).

The key is the schema, the document and the rules. The rules are per request (introspection
gate, the query limits with the request's page sizes), so a document passes for one kind of
caller and is still checked for another: the limits rule is one class per distinct page-size
variables (`api.graphql.extensions.limits`), not one per request.
"""

from collections import OrderedDict
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from strawberry.extensions import SchemaExtension

DEFAULT_MAXSIZE = 256


class PassedDocuments:
    """The keys of documents that passed validation, least recently used dropped first."""

    def __init__(self, maxsize: int = DEFAULT_MAXSIZE) -> None:
        self.maxsize = maxsize
        self._keys: OrderedDict[tuple[Any, ...], None] = OrderedDict()

    def __contains__(self, key: tuple[Any, ...]) -> bool:
        if key not in self._keys:
            return False
        self._keys.move_to_end(key)
        return True

    def add(self, key: tuple[Any, ...]) -> None:
        self._keys[key] = None
        self._keys.move_to_end(key)
        if len(self._keys) > self.maxsize:
            self._keys.popitem(last=False)

    def __len__(self) -> int:
        return len(self._keys)


class SkipRevalidation(SchemaExtension):
    def __init__(self, passed: PassedDocuments) -> None:
        self.passed = passed

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        key = (id(context.schema), context.graphql_document, context.validation_rules)
        if key in self.passed:
            # Strawberry validates only while no errors are set.
            context.pre_execution_errors = []
            yield
            return
        yield
        if context.pre_execution_errors == []:
            self.passed.add(key)


def validation_cache_extension(
    maxsize: int = DEFAULT_MAXSIZE,
) -> Callable[[], SchemaExtension]:
    """Extension factory for `strawberry.Schema(extensions=[...])`; list it after every
    extension that adds validation rules. The memory is the schema's, shared by its requests."""
    return partial(SkipRevalidation, PassedDocuments(maxsize))
