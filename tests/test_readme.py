"""The README's promises: exactly two commands, the same test command CI runs, and GraphiQL
examples that are valid against the schema."""

import re
from pathlib import Path

from graphql import parse, validate

from api.graphql.schema import build_schema
from api.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


def test_readme_has_exactly_two_commands_and_ci_runs_the_test_one():
    install_and_run, install_and_test = (block.strip() for block in blocks("sh"))
    assert "consentql serve --demo" in install_and_run
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert f'TEST_COMMAND="{install_and_test}"' in ci


def test_graphiql_walkthrough_queries_are_valid():
    schema = build_schema(Settings())._schema
    examples = [re.sub(r"^ {3}", "", block, flags=re.MULTILINE) for block in blocks("graphql")]
    assert len(examples) >= 6
    for example in examples:
        assert validate(schema, parse(example)) == [], example
