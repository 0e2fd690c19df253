"""`consentql audit verify` and `consentql audit checkpoint` against an insider (P-SEC-5).

Someone with write access to the database (not to the audit key, not to the checkpoint file)
deletes, changes, adds or recomputes ledger rows; each way must end in exit status 1 with the
chain and position named. The ledger: four batches on chain 1 (positions 1 to 4), three entries
each.
"""

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from api import cli
from models.audit_chain import Digest, Link
from models.clock import utcnow
from tests.audit_ledger import (
    LedgerDatabase,
    checkpoint,
    drop,
    ledger_database,
    read,
    recompute_without_key,
    verify,
)

LINKS = 4
PER_LINK = 3


@pytest.fixture
def ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LedgerDatabase]:
    database = ledger_database(tmp_path, monkeypatch)
    database.append(
        *(
            [read(f"account:{link * PER_LINK + n}", f"req-{link:08d}") for n in range(PER_LINK)]
            for link in range(LINKS)
        )
    )
    yield database
    drop(database)


def entry_ids(ledger: LedgerDatabase, position: int) -> list[int]:
    rows = ledger.rows(
        "SELECT id FROM audit_entry WHERE chain_id = 1 AND link_position = ? ORDER BY id",
        position,
    )
    return [row["id"] for row in rows]


def test_p_sec_5_audit_verify_passes_on_a_whole_ledger(ledger, capsys):
    assert cli.main(["audit", "verify"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("audit ledger intact: ")
    assert out.strip().endswith("chains, 4 links, 12 entries")
    assert "no checkpoint yet" in err
    assert checkpoint(capsys) == 0
    verdict = verify(capsys)
    assert verdict.code == 0
    assert verdict.report["intact"] is True
    # PostgreSQL opens every configured chain at the first append; SQLite has one writer, one.
    assert [chain for chain in verdict.report["chains"] if chain["links"]] == [
        {"chain": 1, "links": 4, "entries": 12, "last_position": 4}
    ]
    assert verdict.report["checkpoint"]["line"] == 1
    assert verdict.problems == []


def test_p_sec_5_a_cut_tail_is_named_by_the_head(ledger, capsys):
    ledger.sql(
        "DELETE FROM audit_entry WHERE link_position = 4",
        "DELETE FROM audit_link WHERE position = 4",
    )
    verdict = verify(capsys)
    assert verdict.code == 1
    assert verdict.problems == [
        (1, 4, "links missing from here on: the head says the chain ends at 4")
    ]


def test_p_sec_5_a_deleted_chain_head_or_chain_is_named(ledger, capsys):
    assert checkpoint(capsys) == 0
    ledger.sql("DELETE FROM audit_chain WHERE id = 1")
    verdict = verify(capsys)
    assert verdict.code == 1
    assert verdict.named(1, 4, "the chain's head row is missing")

    ledger.sql("DELETE FROM audit_entry", "DELETE FROM audit_link")
    verdict = verify(capsys)
    assert verdict.code == 1
    assert verdict.named(1, 4, "the chain is missing; the checkpoint of ")
    # Where other chains remain (PostgreSQL has 16), a gap among them shows without checkpoint.
    assert all(chain == 1 for chain, _, _ in verdict.problems)


def test_p_sec_5_an_entry_deleted_and_the_chain_recomputed_without_the_key_is_named(ledger, capsys):
    ledger.sql(("DELETE FROM audit_entry WHERE id = ?", [entry_ids(ledger, 2)[1]]))
    recompute_without_key(ledger, chain=1, from_position=2)
    verdict = verify(capsys)
    assert verdict.code == 1
    # The entries match their recomputed digests; only the key was out of reach.
    mac = "the link's MAC does not verify: the link was changed or made without the key"
    assert verdict.problems == [(1, position, mac) for position in (2, 3, 4)]


def test_p_sec_5_a_changed_entry_is_named(ledger, capsys):
    ledger.sql(
        (
            "UPDATE audit_entry SET categories_clear = ? WHERE id = ?",
            ['["contact.phone","contact.email"]', entry_ids(ledger, 3)[0]],
        )
    )
    verdict = verify(capsys)
    assert verdict.code == 1
    assert verdict.problems == [(1, 3, "the entries are not the ones the link covers")]


def test_p_sec_5_an_added_entry_is_named(ledger, capsys):
    [last] = ledger.rows("SELECT MAX(id) AS id FROM audit_entry")
    insert = (
        "INSERT INTO audit_entry (id, chain_id, link_position, created_at, request_id, "
        "viewer_kind, viewer_ref, subject_ref, action, categories_clear, categories_masked, "
        "categories_blocked, basis, details) "
        "SELECT ?, chain_id, ?, created_at, request_id, viewer_kind, viewer_ref, subject_ref, "
        "action, categories_clear, categories_masked, categories_blocked, basis, details "
        "FROM audit_entry WHERE id = ?"
    )
    ledger.sql((insert, [last["id"] + 1, 2, last["id"]]))
    verdict = verify(capsys)
    assert verdict.code == 1
    assert verdict.problems == [(1, 2, "the link covers 3 entries and 4 are there")]

    ledger.sql((insert, [last["id"] + 2, 9, last["id"]]))
    verdict = verify(capsys)
    assert verdict.named(1, 9, f"entry {last['id'] + 2} is covered by no link")


def test_p_sec_5_a_forked_chain_is_named(ledger, capsys):
    """Two links at one position, both made with the key (two writers that both chained from
    link 1): the unique (chain, position) refuses it, so the insider first rebuilds the table
    without that constraint."""
    ledger.sql(
        "CREATE TABLE audit_link_copy AS SELECT * FROM audit_link",
        "DROP TABLE audit_link",
        "ALTER TABLE audit_link_copy RENAME TO audit_link",
    )
    [first] = ledger.rows("SELECT mac FROM audit_link WHERE position = 1")
    moment = utcnow()
    digest = Digest()
    keys = ledger.settings.load_keyring().audit
    link = Link(1, 2, moment, 0, digest.hexdigest(), first["mac"], keys.key_id)
    [top] = ledger.rows("SELECT MAX(id) AS id FROM audit_link")
    ledger.sql(
        (
            "INSERT INTO audit_link (id, chain_id, position, created_at, entries, digest, "
            "prev_mac, key_id, mac) VALUES (?, 1, 2, ?, 0, ?, ?, ?, ?)",
            [
                top["id"] + 1,
                moment.isoformat(sep=" ") if "sqlite" in ledger.url else moment,
                link.digest,
                link.prev_mac,
                link.key_id,
                keys.mac(link.message()),
            ],
        )
    )
    verdict = verify(capsys)
    assert verdict.code == 1
    assert verdict.problems == [(1, 2, "two links at this position: the chain forks")]


def test_p_sec_5_a_stale_checkpoint_is_named(ledger, capsys):
    """The chain is shorter than the latest checkpoint recorded, though every link left is
    whole: an insider deleted the last link and moved the head back onto the one before, or the
    database was restored from a copy older than the checkpoint."""
    assert checkpoint(capsys) == 0
    [third] = ledger.rows("SELECT mac FROM audit_link WHERE position = 3")
    ledger.sql(
        "DELETE FROM audit_entry WHERE link_position = 4",
        "DELETE FROM audit_link WHERE position = 4",
        ("UPDATE audit_chain SET last_position = 3, last_mac = ? WHERE id = 1", [third["mac"]]),
    )
    verdict = verify(capsys)
    assert verdict.code == 1
    [(chain, position, problem)] = verdict.problems
    assert (chain, position) == (1, 4)
    assert problem.startswith("the chain ends at 3, the checkpoint of ")
    assert problem.endswith("recorded it at 4")
    # A checkpoint is not taken over a chain that lost what the last one recorded.
    assert checkpoint(capsys) == 1
    assert len(ledger.checkpoints.read_text().splitlines()) == 1


def test_p_sec_5_an_edited_checkpoint_is_named(ledger, capsys):
    assert checkpoint(capsys) == 0
    record = json.loads(ledger.checkpoints.read_text())
    record["chains"][0][1] = 2
    ledger.checkpoints.write_text(json.dumps(record) + "\n")
    verdict = verify(capsys)
    assert verdict.code == 1
    assert verdict.problems == [("checkpoint", 1, "its MAC does not verify: the line was edited")]


def test_p_sec_5_links_made_under_a_retired_audit_key_verify_while_it_is_configured(
    ledger, capsys, monkeypatch
):
    old = base64.b64encode(ledger.settings.load_keyring().audit.key).decode()
    monkeypatch.setenv("CONSENTQL_AUDIT_KEY", base64.b64encode(b"a" * 32).decode())
    verdict = verify(capsys)
    assert verdict.code == 1
    assert verdict.named(1, 1, "which is not configured")

    monkeypatch.setenv("CONSENTQL_PREVIOUS_AUDIT_KEYS", json.dumps([old]))
    assert verify(capsys).code == 0


def test_p_sec_5_audit_verify_that_cannot_run_exits_2(ledger, capsys, monkeypatch):
    monkeypatch.setenv("CONSENTQL_MODE", "production")
    assert cli.main(["audit", "verify"]) == 2
    assert "CONSENTQL_AUDIT_CHECKPOINT_DIR is not set" in capsys.readouterr().err
    monkeypatch.setenv("CONSENTQL_AUDIT_CHECKPOINT_DIR", str(ledger.checkpoints))
    monkeypatch.setenv("CONSENTQL_DATABASE_URL", "postgres://postgres@127.0.0.1:1/nothing_here")
    assert cli.main(["audit", "verify"]) == 2
    assert "the database cannot be reached" in capsys.readouterr().err
