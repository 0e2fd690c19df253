"""The error codes as one enum, each documented in docs/errors.md, which never drifts from it."""

import ast
from pathlib import Path

from api.cli import main
from api.error_catalogue import CATALOGUE, markdown
from api.errors import ErrorCode
from plugins.decision import BlockCode

ROOT = Path(__file__).resolve().parents[2]


def test_every_code_is_documented_and_docs_errors_md_is_generated_from_them():
    assert set(CATALOGUE) == set(ErrorCode)
    committed = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    assert committed == markdown(), "run `consentql docs errors` and commit"
    for code in ErrorCode:
        assert f"| `{code}` |" in committed


def test_the_consent_engines_block_codes_are_among_the_api_codes():
    assert {str(code) for code in BlockCode} <= {str(code) for code in ErrorCode}


def test_no_code_is_spelled_as_a_string_outside_the_enum():
    """`{"code": "SOMETHING"}` anywhere in api/ would be a code the enum and the doc miss."""
    spelled = []
    for path in (ROOT / "api").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Dict):
                continue
            for key, value in zip(node.keys, node.values, strict=True):
                if (
                    isinstance(key, ast.Constant)
                    and key.value == "code"
                    and isinstance(value, ast.Constant)
                ):
                    spelled.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert spelled == []


def test_docs_errors_check_tells_a_stale_file(tmp_path, capsys):
    stale = tmp_path / "errors.md"
    stale.write_text("# Error codes\n", encoding="utf-8")
    assert main(["docs", "errors", "--check", "--output", str(stale)]) == 1
    assert main(["docs", "errors", "--output", str(stale)]) == 0
    assert main(["docs", "errors", "--check", "--output", str(stale)]) == 0
    assert stale.read_text(encoding="utf-8") == markdown()
