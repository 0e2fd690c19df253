"""The data-category catalogue, served as data (anyone may read it: it describes, it holds none)."""

import strawberry

from plugins.categories import DataCategory, catalogue
from plugins.decision import Effect

EffectEnum = strawberry.enum(Effect, name="Effect")


@strawberry.type(name="DataCategory")
class DataCategoryNode:
    category: strawberry.Private[DataCategory]

    @strawberry.field
    def id(self) -> str:
        return self.category.id

    @strawberry.field
    def description(self) -> str:
        return self.category.description

    @strawberry.field
    def sensitive(self) -> bool:
        return self.category.sensitive

    @strawberry.field(description="What a viewer gets when no plugin permits: MASK or BLOCK.")
    def default_effect(self) -> EffectEnum:  # type: ignore[valid-type]
        return self.category.default_effect

    @strawberry.field(description="The mask strategy, e.g. phone: 138****1234.")
    def mask(self) -> str:
        return self.category.mask

    @strawberry.field(description="Days kept after the purpose ends; null: the account's life.")
    def retention_days(self) -> int | None:
        return self.category.retention_days

    @strawberry.field
    def retention_basis(self) -> str:
        return self.category.retention_basis


@strawberry.type
class CategoryQueries:
    @strawberry.field(description="Every data category (consent scope), in catalogue order.")
    def data_categories(self) -> list[DataCategoryNode]:
        return [DataCategoryNode(category=category) for category in catalogue().values()]
