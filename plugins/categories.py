"""The data categories (consent scopes), kept as data in `categories.json`.

Each names what it covers, whether it is sensitive, its default effect when no plugin permits,
how it is masked and what a masked value may keep of it (P-SEC-1: served to clients, who see the
masked values), and how long it is kept (P-RETAIN-1).
"""

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from plugins.decision import Effect
from plugins.masking import STRATEGIES


@dataclass(frozen=True)
class DataCategory:
    id: str
    description: str
    sensitive: bool
    # MASK or BLOCK: ALLOW is only ever earned from a plugin.
    default_effect: Effect
    mask: str
    masked_keeps: str
    retention_days: int | None
    retention_basis: str


class Catalogue(Mapping[str, DataCategory]):
    def __init__(self, categories: list[DataCategory]) -> None:
        self._by_id = {category.id: category for category in categories}
        if len(self._by_id) != len(categories):
            raise ValueError("data category ids must be unique")

    def __getitem__(self, category_id: str) -> DataCategory:
        try:
            return self._by_id[category_id]
        except KeyError:
            raise KeyError(f"unknown data category {category_id!r}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_id)

    def __len__(self) -> int:
        return len(self._by_id)


def parse_category(raw: dict[str, Any]) -> DataCategory:
    category = DataCategory(
        id=raw["id"],
        description=raw["description"],
        sensitive=bool(raw["sensitive"]),
        default_effect=Effect(raw["default_effect"]),
        mask=raw["mask"],
        masked_keeps=raw["masked_keeps"],
        retention_days=raw["retention_days"],
        retention_basis=raw["retention_basis"],
    )
    if category.default_effect is Effect.ALLOW:
        raise ValueError(f"{category.id}: the default effect must be MASK or BLOCK")
    if category.mask not in STRATEGIES:
        raise ValueError(f"{category.id}: no mask strategy named {category.mask!r}")
    if not category.masked_keeps.strip():
        raise ValueError(f"{category.id}: say what a masked value may keep")
    return category


@cache
def catalogue() -> Catalogue:
    text = resources.files("plugins").joinpath("categories.json").read_text(encoding="utf-8")
    return Catalogue([parse_category(raw) for raw in json.loads(text)["categories"]])
