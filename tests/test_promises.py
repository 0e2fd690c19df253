"""Every promise of the policy is in docs/promises.md, proved by a test named for it, and every
promise ID the code or the tests cite resolves there."""

from tests.promises import DOC, ID, code_files, promises, proof_files, render


def test_docs_promises_lists_its_tests_and_code_as_they_are():
    text = DOC.read_text(encoding="utf-8")
    assert text == render(text), "run `python -m tests.promises` and commit docs/promises.md"


def test_every_promise_has_a_test_named_for_it():
    text = DOC.read_text(encoding="utf-8")
    unproved = [
        line.split(" | ")[0]
        for line in text.splitlines()
        if line.startswith("| P-") and line.split(" | ")[3].strip() in ("", "|")
    ]
    assert not unproved, unproved


def test_every_cited_promise_is_one_of_the_policys():
    known = set(promises(DOC.read_text(encoding="utf-8")))
    cited = {
        promise
        for path in [*code_files(), *proof_files()]
        for promise in ID.findall(path.read_text(encoding="utf-8"))
    }
    assert cited <= known, sorted(cited - known)
