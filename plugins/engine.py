"""The consent engine: combines the plugins' votes into one decision per (subject, category).

Restrictions beat permissions, permissions beat the category's default (MASK, or BLOCK with
CONSENT_REQUIRED). Per request, each subject is prepared once per batch (one query per plugin, not
per row) and each (subject, category) is decided once; every decision is kept for the ledger.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from operator import attrgetter
from typing import NamedTuple

from plugins import masking
from plugins.base import BasePlugin, ConsentPlugin, Narrowing
from plugins.categories import Catalogue, DataCategory, catalogue
from plugins.decision import ABSTAIN, BlockCode, Decision, Effect, VoteKind
from plugins.registry import PluginFactory
from plugins.subject import Subject
from plugins.viewer import Viewer

ENFORCEMENT_OFF = Decision(Effect.ALLOW, "consent enforcement is switched off")
# Read per vote: a module global is found faster than an enum class's member.
PERMIT, RESTRICT = VoteKind.PERMIT, VoteKind.RESTRICT
EFFECT_OF, BASIS_OF = attrgetter("effect"), attrgetter("basis")


class NotPrepared(RuntimeError):
    """A decision was asked for a subject no `prepare` call has seen: a resolver bug."""


class LedgerEntry(NamedTuple):
    """What one viewer was shown of one subject during one request (P-SEC-5, P-TRANSPARENCY-1).
    A named tuple: one is made per row of a list, and a frozen dataclass is dearer to make."""

    subject_ref: str
    clear: tuple[str, ...]
    masked: tuple[str, ...]
    blocked: tuple[str, ...]
    # The bases of what was shown in clear ("owner", "consent:12", "legal:3"), or "none".
    basis: str


@cache
def _default(category: DataCategory) -> Decision:
    if category.default_effect is Effect.MASK:
        return Decision(Effect.MASK, "masked by default")
    return Decision(Effect.BLOCK, "no consent covers it", code=BlockCode.CONSENT_REQUIRED)


def _votes(plugin: ConsentPlugin) -> bool:
    return getattr(type(plugin), "vote", None) is not BasePlugin.vote


class RequestDecisions:
    """One request's decisions for one viewer; never shared between requests."""

    def __init__(
        self,
        viewer: Viewer,
        plugins: Sequence[ConsentPlugin],
        categories: Catalogue,
        enabled: bool = True,
    ) -> None:
        self.viewer = viewer
        self._plugins = tuple(plugins)
        # A plugin that never votes (it only narrows lists) is not asked per field: a 100-row
        # list decides ~500 (subject, category) pairs, and each vote asked costs on every one.
        # Each as (its name, its bound `vote`), looked up once per request, not once per vote.
        self._voters = tuple(
            (p.name, p.vote) for p in self._plugins if _votes(p) and p.may_vote(viewer)
        )
        self._catalogue = categories
        # category id -> (the category, its default decision), for the categories decided on:
        # a catalogue look-up and a category's hash once per request, not once per decision.
        self._categories: dict[str, tuple[DataCategory, Decision]] = {}
        self._enabled = enabled
        self._allowed: dict[tuple[str, str | None], Decision] = {}
        # subject -> category id -> decision; a key exists once the subject is prepared.
        self._decisions: dict[Subject, dict[str, Decision]] = {}
        # The subject last decided on and its decisions: a row's fields are decided one after
        # another, and an identity check is cheaper than hashing the subject again.
        # Starts with an object no caller has, so the first subject is always looked up.
        self._last: tuple[object, dict[str, Decision]] = (object(), {})
        # What the API could not show in a masked form (a time, a list's existence) and what it
        # did show masked: a MASK decision of which nothing was shown is on record as blocked.
        self._withheld: set[tuple[Subject, str]] = set()
        self._shown_masked: set[tuple[Subject, str]] = set()
        # `_splits` for the decisions as they stand: the ledger and the metrics both read it once
        # the operation is done; a new decision clears it.
        self._split_cache: list[tuple[Subject, dict[str, Decision], _Split]] | None = None

    async def prepare(self, subjects: Sequence[Subject]) -> None:
        """Let every plugin load what it needs for the subjects not prepared yet, in one batch."""
        if not self._enabled:
            return
        decisions = self._decisions
        fresh = [s for s in dict.fromkeys(subjects) if s not in decisions]
        if not fresh:
            return
        for plugin in self._plugins:
            await plugin.prepare(self.viewer, fresh)
        decisions.update((subject, {}) for subject in fresh)

    def decide(self, subject: Subject, category_id: str) -> Decision:
        if not self._enabled:
            return ENFORCEMENT_OFF
        last, decided = self._last
        if subject is not last:
            try:
                decided = self._decisions[subject]
            except KeyError:
                raise NotPrepared(f"{subject.ref} was not prepared before deciding") from None
            self._last = (subject, decided)
        decision = decided.get(category_id)
        if decision is None:
            decision = decided[category_id] = self._combine(subject, category_id)
            self._split_cache = None
        return decision

    def _combine(self, subject: Subject, category_id: str) -> Decision:
        known = self._categories.get(category_id)
        if known is None:
            category = self._catalogue[category_id]
            known = self._categories[category_id] = (category, _default(category))
        category, default = known
        permit: tuple[str, str | None] | None = None
        viewer = self.viewer
        for name, vote_on in self._voters:
            vote = vote_on(viewer, subject, category)
            if vote is ABSTAIN:
                # Most votes: an identity check is cheaper than comparing kinds.
                continue
            kind = vote.kind
            if kind is RESTRICT:
                return Decision(
                    Effect.BLOCK, vote.reason or name, code=vote.code or BlockCode.FORBIDDEN
                )
            if kind is PERMIT and permit is None:
                permit = (name, vote.basis)
        if permit is not None:
            # Many subjects share a basis ("owner", one consent per person): one Decision each.
            allowed = self._allowed.get(permit)
            if allowed is None:
                name, basis = permit
                allowed = Decision(Effect.ALLOW, f"permitted by {name}", basis or name)
                self._allowed[permit] = allowed
            return allowed
        return default

    def visible_accounts(self) -> tuple[Narrowing, ...]:
        """The Account rows this viewer may list: every plugin's narrowing, all of which hold
        (none when enforcement is off)."""
        if not self._enabled:
            return ()
        viewer = self.viewer
        return tuple(n for p in self._plugins if (n := p.visible_accounts(viewer)) is not None)

    def mask(self, category_id: str, value: object, strategy: str | None = None) -> object:
        """What a MASK decision shows of `value` (see `masking.apply`): by the category's
        strategy, or by `strategy` where a field names its own."""
        if value is None:
            return None
        return masking.apply(strategy or self._catalogue[category_id].mask, value)

    def shown_masked(self, subject: Subject, category_id: str) -> None:
        """A masked form of this category was shown for the subject."""
        # Added and the splits cleared whether or not it was there: a second look-up of the pair
        # would hash the subject again, once per masked field.
        self._shown_masked.add((subject, category_id))
        self._split_cache = None

    def withheld(self, subject: Subject, category_id: str) -> None:
        """A MASK decision that the API could not honour with a partial form: what it withheld
        was blocked, and is on record so unless a masked form of the category was shown too."""
        if (subject, category_id) not in self._withheld:
            self._withheld.add((subject, category_id))
            self._split_cache = None

    def _effects(self, subject: Subject, decided: dict[str, Decision]) -> tuple[Effect, ...]:
        effects = tuple(map(EFFECT_OF, decided.values()))
        if not self._withheld:
            return effects
        return tuple(
            Effect.BLOCK
            if effect is Effect.MASK
            and (subject, category) in self._withheld
            and (subject, category) not in self._shown_masked
            else effect
            for category, effect in zip(decided, effects, strict=True)
        )

    def _splits(self) -> list[tuple[Subject, dict[str, Decision], "_Split"]]:
        """Each subject decided on, in the order prepared, with its categories split by what
        was shown."""
        if self._split_cache is not None:
            return self._split_cache
        found = [
            (subject, decided, _split_of(tuple(decided), self._effects(subject, decided)))
            for subject, decided in self._decisions.items()
            if decided
        ]
        self._split_cache = found
        return found

    def ledger_entries(self) -> list[LedgerEntry]:
        entries = []
        for subject, decided, split in self._splits():
            # Only ALLOW decisions carry a basis.
            bases = set(map(BASIS_OF, decided.values()))
            bases.discard(None)
            entries.append(
                LedgerEntry(
                    subject.ref,
                    split.clear,
                    split.masked,
                    split.blocked,
                    ",".join(sorted(bases)) or "none",
                )
            )
        return entries

    def decision_counts(self) -> Counter[tuple[Effect, str]]:
        """How many (subject, category) decisions ended in each (effect, category)."""
        counts: Counter[tuple[Effect, str]] = Counter()
        for split, subjects in Counter(split for _, _, split in self._splits()).items():
            for effect_category in split.decided:
                counts[effect_category] += subjects
        return counts


@dataclass(frozen=True, eq=False)
class _Split:
    """Categories by effect, each sorted. Compared by identity: `_split_of` makes one per
    distinct split."""

    decided: tuple[tuple[Effect, str], ...]
    clear: tuple[str, ...]
    masked: tuple[str, ...]
    blocked: tuple[str, ...]

    @classmethod
    def of(cls, categories: tuple[str, ...], effects: tuple[Effect, ...]) -> "_Split":
        by_effect: dict[Effect, list[str]] = {effect: [] for effect in Effect}
        for category_id, effect in sorted(zip(categories, effects, strict=True)):
            by_effect[effect].append(category_id)
        return cls(
            decided=tuple(zip(effects, categories, strict=True)),
            clear=tuple(by_effect[Effect.ALLOW]),
            masked=tuple(by_effect[Effect.MASK]),
            blocked=tuple(by_effect[Effect.BLOCK]),
        )


# The rows of a list share a handful of splits, and the requests of one query the same ones: each
# is sorted once per worker, not once per row or per request. Immutable, so shared; bounded, as
# the shapes of the queries asked are.
_split_of = lru_cache(maxsize=4096)(_Split.of)


class ConsentEngine:
    """Built once per app; hands out a fresh `RequestDecisions` (fresh plugins) per request."""

    def __init__(
        self,
        plugins: Sequence[PluginFactory],
        categories: Catalogue | None = None,
        *,
        enabled: bool = True,
    ) -> None:
        self.plugins = tuple(plugins)
        self.catalogue = catalogue() if categories is None else categories
        # Off only for benchmarks: every decision is then ALLOW and nothing is recorded.
        self.enabled = enabled

    def for_request(self, viewer: Viewer) -> RequestDecisions:
        plugins = [factory() for factory in self.plugins] if self.enabled else []
        return RequestDecisions(viewer, plugins, self.catalogue, self.enabled)
