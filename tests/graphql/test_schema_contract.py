"""The committed SDL, the layer rule, and every personal field carrying a data category."""

import ast
from pathlib import Path

from graphql import GraphQLObjectType
from strawberry.printer import print_schema

from api.graphql.nodes import SubjectNode
from api.graphql.personal import CATEGORY_KEY
from api.graphql.schema import build_schema
from api.settings import Settings
from plugins.categories import catalogue

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = build_schema(Settings())

# Fields of the types that hold a person's data (every SubjectNode) that are not personal, and
# why; every other field of those types passes the consent engine (P-SEC-3).
NOT_PERSONAL = {
    "id": "an opaque row number",
    "role": "operational: what the account may do",
    "duties": "operational: what an admin is charged with",
    "privacyPreferences": "the person's own Do Not Track choice, binding every viewer",
    "status": "operational on Account and PrivacyRequest: where it stands",
    "createdAt": "operational on Account: when the row was made",
    "accountId": "operational on PrivacyRequest: whose request, by number",
    "kind": "operational on PrivacyRequest: what is asked",
    "ground": "operational on PrivacyRequest: the policy's deletion ground named",
    "submittedAt": "operational on PrivacyRequest",
    "dueOn": "operational on PrivacyRequest",
    "overdue": "operational on PrivacyRequest",
    "resolvedAt": "operational on PrivacyRequest",
    "resolution": "operational on PrivacyRequest: the controller's answer",
}
OPERATIONAL_ON = {
    "Account": {"id", "role", "duties", "privacyPreferences", "status", "createdAt"},
    "PrivacyRequest": {
        "id",
        "accountId",
        "kind",
        "status",
        "ground",
        "submittedAt",
        "dueOn",
        "overdue",
        "resolvedAt",
        "resolution",
    },
}


def test_schema_graphql_is_exported_from_code():
    committed = (ROOT / "schema.graphql").read_text(encoding="utf-8")
    assert committed == print_schema(SCHEMA) + "\n", "run `consentql export-schema` and commit"


def test_p_sec_3_every_field_of_a_personal_type_names_a_data_category():
    known = set(catalogue())
    missing = []
    personal_types = 0
    for type_definition in SCHEMA.schema_converter.type_map.values():
        definition = type_definition.definition
        origin = getattr(definition, "origin", None)
        if not (isinstance(origin, type) and issubclass(origin, SubjectNode)):
            continue
        personal_types += 1
        name = definition.name
        for field in definition.fields:
            graphql_name = SCHEMA.config.name_converter.get_graphql_name(field)
            category = field.metadata.get(CATEGORY_KEY) if field.metadata else None
            exempt = graphql_name in OPERATIONAL_ON.get(name, {"id"})
            if category is None and not exempt:
                missing.append(f"{name}.{graphql_name}")
            if category is not None:
                assert category in known, f"{name}.{graphql_name}: unknown category {category}"
    assert personal_types >= 6
    assert not missing, f"personal fields without a data category: {missing}"
    assert set().union(*OPERATIONAL_ON.values()) <= NOT_PERSONAL.keys()


def test_no_field_anywhere_returns_a_password_or_its_hash():
    """Inputs may take a password and a mutation may change one; no output field holds one."""
    for type_name, graphql_type in SCHEMA._schema.type_map.items():
        if not isinstance(graphql_type, GraphQLObjectType) or type_name == "Mutation":
            continue
        for field_name in graphql_type.fields:
            assert "password" not in field_name.lower(), f"{type_name}.{field_name}"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_layers_point_one_way():
    forbidden = {"models": {"api", "plugins"}, "plugins": {"api"}}
    for layer, banned in forbidden.items():
        for path in (ROOT / layer).rglob("*.py"):
            wrong = imported_modules(path) & banned
            assert not wrong, f"{path.relative_to(ROOT)} imports {wrong}"
