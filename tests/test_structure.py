"""The shape of the code, as docs/design.md draws it: per domain, a GraphQL part that parses,
calls and renders, and services that own the use case; no import circles; one way to prepare
decisions; code that cites promises, not issues."""

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
API = ROOT / "api"
# Packages that are not domains: the shared GraphQL machinery, HTTP plumbing, the command line.
NOT_DOMAINS = {"graphql", "http", "cli"}
GRAPHQL_MODULES = {"types.py", "schema.py", "loaders.py"}
WRITES = re.compile(r"\bin_transaction\(|\.select_for_update\(|\.save\(|\.create\(|\.delete\(")


def modules(folder: Path) -> Iterator[Path]:
    yield from sorted(path for path in folder.rglob("*.py") if "static" not in path.parts)


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def domain_modules() -> Iterator[tuple[Path, bool]]:
    """Every module of a domain package, and whether it is its GraphQL part."""
    for package in sorted(path for path in API.iterdir() if path.is_dir()):
        if package.name in NOT_DOMAINS or package.name.startswith("__"):
            continue
        for path in modules(package):
            yield path, path.name in GRAPHQL_MODULES


def test_services_import_no_graphql_and_graphql_opens_no_transaction():
    offenders = []
    for path, graphql in domain_modules():
        text = path.read_text(encoding="utf-8")
        if graphql:
            offenders += [f"{path.relative_to(ROOT)} writes: {hit}" for hit in WRITES.findall(text)]
            continue
        for name in imports(path):
            if name.split(".")[0] == "strawberry" or name.startswith(
                ("api.graphql", "api.http", "api.cli")
            ):
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not offenders, offenders


def test_no_import_circles():
    graph: dict[str, set[str]] = {}
    for folder in ("api", "plugins", "models"):
        for path in modules(ROOT / folder):
            graph[module_name(path)] = {
                name for name in imports(path) if name.split(".")[0] in ("api", "plugins", "models")
            }
    known = set(graph)
    # An import of a name from a module counts as an import of that module.
    edges = {
        module: {name if name in known else name.rpartition(".")[0] for name in names} & known
        for module, names in graph.items()
    }
    seen: set[str] = set()
    stack: list[str] = []

    def visit(module: str) -> None:
        if module in stack:
            raise AssertionError(" -> ".join([*stack[stack.index(module) :], module]))
        if module in seen:
            return
        stack.append(module)
        for target in sorted(edges[module]):
            if target != module and not module.startswith(f"{target}."):
                visit(target)
        stack.pop()
        seen.add(module)

    for module in sorted(edges):
        visit(module)


def test_decisions_are_prepared_in_one_place():
    """Subject nodes are made by api.graphql.nodes, which prepares their decisions: a resolver
    that forgot would make every personal field fail, so no resolver is asked to remember."""
    callers = [
        path.relative_to(ROOT)
        for path in modules(API)
        if ".prepare(" in path.read_text(encoding="utf-8")
    ]
    assert callers == [Path("api/graphql/nodes.py")]


def test_code_cites_promises_not_issues():
    pattern = re.compile(r"\bissue\s*#?\d+|\(issue\b", re.IGNORECASE)
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in ("api", "plugins", "models", "tests", "bench")
        for path in modules(ROOT / folder)
        if path != Path(__file__)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert not offenders, offenders
