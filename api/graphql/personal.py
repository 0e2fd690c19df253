"""Personal fields: each is a column declared personal in `models/` (its data category comes from
that one declaration) and passes the consent engine (P-SEC-3).

A row field (`api.graphql.row_fields`) rather than a FieldExtension: decisions are prepared in
one batch by the resolver that fetched the rows (`api.graphql.nodes.subject_nodes`), so here a
decision is one dictionary look-up (P-SEC-1 masks by default, at ~no cost per field), and a page
of personal fields runs without Strawberry's per-field machinery (`api.graphql.execution`).

What `extensions.consent` and the ledger say is what happened: a value is listed as masked only
when a partial form of it was shown. A value with no partial form (a time, a flag, an amount) is
blocked, with its error, not shown "masked" in clear.
"""

from collections.abc import Callable
from dataclasses import replace
from operator import attrgetter
from typing import Any

from graphql.pyutils import Path
from tortoise.models import Model

from api.graphql.context import Info, RequestContext
from api.graphql.row_fields import row_field
from models.personal import declaration_of
from plugins.decision import BlockCode, Decision, Effect
from plugins.subject import Subject

CATEGORY_KEY = "consentql.category"
NO_PARTIAL_FORM = "it has no masked form"


# Read per field: a module global is found faster than an enum class's member.
ALLOW, MASK = Effect.ALLOW, Effect.MASK


def reveal(
    context: RequestContext,
    path: Path,
    subject: Subject,
    category: str,
    read: Callable[[Any], Any],
    source: Any,
    mask: str | None,
) -> Any:
    """The value at `path` as this viewer may see it, `read(source)`; read only when something
    of the value is shown (a sealed one is opened only then). A reader and its object rather
    than a closure: a page calls this for each of its ~600 fields."""
    decisions = context.decisions
    decision = decisions.decide(subject, category)
    effect = decision.effect
    if effect is ALLOW:
        return read(source)
    if effect is MASK:
        value = read(source)
        masked = decisions.mask(category, value, mask)
        if masked is not None or value is None:
            if value is not None:
                context.disclosures.masked.append(path)
                decisions.shown_masked(subject, category)
            return masked
        decisions.withheld(subject, category)
        decision = replace(
            decision, effect=Effect.BLOCK, reason=NO_PARTIAL_FORM, code=BlockCode.CONSENT_REQUIRED
        )
    context.disclosures.blocked.append((path, category, decision))
    return None


def personal(
    model: type[Model], column: str, returns: Any, *, mask: str | None = None, **options: Any
) -> Any:
    """A nullable field of `returns` type showing the node's `row.<column>`, a column `model`
    declares personal. `mask` names a masking strategy for this field when it is not its
    category's (a province field is the part of a region that masking keeps)."""
    category = declaration_of(model)[column].category
    value_of = attrgetter(f"row.{column}")

    def resolve(root: Any, context: RequestContext, path: Path) -> Any:
        return reveal(context, path, root.subject, category, value_of, root, mask)

    return row_field(resolve, returns | None, metadata={CATEGORY_KEY: category}, **options)


def decided_list(info: Info, subject: Subject, category: str) -> bool:
    """Whether a list of the subject's rows in `category` may be shown: their very existence,
    ids and number disclose the category in clear, so only where it is allowed. Otherwise the
    list is null with its error, and on record as blocked."""
    decisions = info.context.decisions
    decision: Decision = decisions.decide(subject, category)
    if decision.effect is Effect.ALLOW:
        return True
    if decision.effect is Effect.MASK:
        decisions.withheld(subject, category)
        decision = replace(
            decision, effect=Effect.BLOCK, reason=NO_PARTIAL_FORM, code=BlockCode.CONSENT_REQUIRED
        )
    info.context.disclosures.blocked.append((info.path, category, decision))
    return False
