"""The generated columns of docs/promises.md: for each promise, the test files that name it and
the code files that cite it. `python -m tests.promises` rewrites them; tests/test_promises.py
fails when they are stale."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "promises.md"
ROW = re.compile(r"^\| (P-[A-Z]+-\d+) \|(.*)$")
ID = re.compile(r"\bP-[A-Z]+-\d+\b")


def naming_pattern(promise: str) -> re.Pattern[str]:
    """A test proves a promise when its name carries the ID: test_p_share_2_..."""
    return re.compile(rf"def (test_\w*{promise.lower().replace('-', '_')}(?!\d)\w*)")


def code_files() -> list[Path]:
    return sorted(
        path
        for folder in ("api", "plugins", "models")
        for path in (ROOT / folder).rglob("*.py")
        if "static" not in path.parts
    )


def proof_files() -> list[Path]:
    return sorted((ROOT / "tests").rglob("test_*.py"))


def columns(promise: str) -> tuple[str, str]:
    naming = naming_pattern(promise)
    proofs = [
        str(path.relative_to(ROOT / "tests"))
        for path in proof_files()
        if naming.search(path.read_text(encoding="utf-8"))
    ]
    cited = re.compile(rf"\b{re.escape(promise)}(?!\d)")
    keepers = [
        str(path.relative_to(ROOT))
        for path in code_files()
        if cited.search(path.read_text(encoding="utf-8"))
    ]
    return ", ".join(f"`{p}`" for p in proofs), ", ".join(f"`{k}`" for k in keepers)


def render(text: str) -> str:
    lines = []
    for line in text.splitlines():
        match = ROW.match(line)
        if match:
            cells = line.split(" | ")
            proofs, keepers = columns(match.group(1))
            line = " | ".join([*cells[:3], proofs or " ", keepers or " "]).rstrip() + " |"
        lines.append(line)
    return "\n".join(lines) + "\n"


def promises(text: str) -> list[str]:
    return [match.group(1) for line in text.splitlines() if (match := ROW.match(line))]


if __name__ == "__main__":
    DOC.write_text(render(DOC.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"Wrote {DOC.relative_to(ROOT)}")
