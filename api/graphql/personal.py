"""Personal fields: every one names its data category and passes the consent engine (P-SEC-3).

A plain sync resolver rather than a FieldExtension: decisions are prepared in one batch by the
resolver that fetched the rows, so here a decision is one dictionary look-up (P-SEC-1 masks by
default, at ~no cost per field).
"""

from collections.abc import Callable
from operator import attrgetter
from typing import Any

import strawberry

from api.graphql.context import Info
from plugins.decision import Effect
from plugins.subject import Subject

CATEGORY_KEY = "consentql.category"


def reveal(
    info: Info,
    subject: Subject,
    category: str,
    value: Callable[[], Any],
    mask: str | None = None,
) -> Any:
    context = info.context
    decision = context.decisions.decide(subject, category)
    if decision.effect is Effect.ALLOW:
        return value()
    if decision.effect is Effect.MASK:
        context.disclosures.masked.append(info.path)
        raw = value()
        masked = context.decisions.mask(category, raw, mask)
        # Only plain text has a partial form; a number, time or enum (a str subclass) is shown
        # unchanged where the category's mask is `none`, else withheld whole.
        return masked if type(raw) is str or masked is raw else None
    context.disclosures.blocked.append((info.path, category, decision))
    return None


def personal(
    category: str,
    source: str | Callable[[Any], Any],
    returns: type,
    *,
    mask: str | None = None,
    **options: Any,
) -> Any:
    """A nullable field of `returns` type; `source` is an attribute path on the node, such as
    "row.name", or a function of the node. `mask` names a masking strategy for this field when
    it is not the category's (a province field is the part of a region that masking keeps)."""
    value_of = attrgetter(source) if isinstance(source, str) else source

    def resolve(root: Any, info: Info) -> Any:
        return reveal(info, root.subject, category, lambda: value_of(root), mask)

    resolve.__annotations__["return"] = returns | None
    return strawberry.field(resolver=resolve, metadata={CATEGORY_KEY: category}, **options)
