"""P-WITHDRAW-1, P-CANCEL-1, P-SEC-5: fifty concurrent grant, withdraw and cancel calls on one
person end in a consistent state (PostgreSQL: real concurrent connections)."""

import asyncio
import random
from typing import Any

from models.accounts import Account, AccountStatus
from models.audit_verify import verify_ledger
from models.consent import Consent
from models.privacy import PrivacyRequest, RequestKind
from tests.conftest import admin_token, gql, is_server_fault, requires_postgres
from tests.sharing import (
    GRANT_CONSENT,
    WITHDRAW_CONSENT,
    create_affiliate,
    grant,
    person_with_id,
    publish_policy,
)

CANCEL = "mutation($p: String!) { requestAccountCancellation(password: $p) { id } }"


def outcome(result: dict[str, Any], name: str) -> str:
    """The mutation's answer in one word: "ok", or the error code."""
    if not result.get("errors"):
        assert result["data"][name], result
        return "ok"
    [error] = result["errors"]
    assert not is_server_fault(error), result
    return error["extensions"]["code"]


@requires_postgres
async def test_p_withdraw_1_p_cancel_1_fifty_concurrent_calls_end_consistent(client, settings):
    await publish_policy()
    admin = await admin_token(client, settings)
    affiliate = await create_affiliate(client, admin, purposes=("support", "billing"))
    token, account_id = await person_with_id(client, 0)
    existing = [(await grant(client, token, affiliate))["id"] for _ in range(10)]
    client.cookies.clear()

    calls: list[tuple[str, str, Any]] = []
    for n in range(50):
        if n % 5 == 0:
            calls.append(("requestAccountCancellation", CANCEL, {"p": "correct horse battery"}))
        elif n % 2:
            consent = {
                "recipientId": affiliate,
                "purpose": "billing",
                "categories": ["contact.email"],
            }
            calls.append(("grantConsent", GRANT_CONSENT, {"input": consent}))
        else:
            calls.append(("withdrawConsent", WITHDRAW_CONSENT, {"id": random.choice(existing)}))
    random.Random(5).shuffle(calls)
    results = await asyncio.gather(
        *(gql(client, document, variables, token=token) for _, document, variables in calls)
    )
    outcomes = [outcome(result, name) for (name, _, _), result in zip(calls, results, strict=True)]

    account = await Account.get(id=int(account_id))
    cancellations = await PrivacyRequest.filter(
        account_id=account.id, kind=RequestKind.CANCEL_ACCOUNT
    ).count()
    cancelled_ok = sum(
        1
        for (name, _, _), said in zip(calls, outcomes, strict=True)
        if name == "requestAccountCancellation" and said == "ok"
    )
    # One cancellation, however many were asked for at once; the account froze with it.
    assert cancelled_ok == cancellations == 1, outcomes
    assert account.status == AccountStatus.CANCELLING

    granted = [
        result["data"]["grantConsent"]["id"]
        for (name, _, _), result in zip(calls, results, strict=True)
        if name == "grantConsent" and not result.get("errors")
    ]
    withdrawn = {
        result["data"]["withdrawConsent"]["id"]
        for (name, _, _), result in zip(calls, results, strict=True)
        if name == "withdrawConsent" and not result.get("errors")
    }
    consents = {str(row.id): row for row in await Consent.filter(account_id=account.id)}
    # Every acknowledged grant is stored, and nothing else was added.
    assert set(consents) == set(existing) | set(granted)
    # Every acknowledged withdrawal is stored; a consent is withdrawn at most once, for good.
    assert all(consents[consent].withdrawn_at is not None for consent in withdrawn)
    # Nothing was granted after the cancellation froze the account (P-RETAIN-2).
    late = [
        consent
        for consent in granted
        if consents[consent].granted_at > account.cancelled_at  # type: ignore[operator]
    ]
    assert late == [], outcomes
    assert (await verify_ledger(None)).problems == []
    # After the cancellation the session is gone: anything later was refused, its token as
    # revoked (or, inside a request that began before, as unauthenticated).
    assert set(outcomes) <= {"ok", "TOKEN_REVOKED", "UNAUTHENTICATED", "CONFLICT", "NOT_FOUND"}, (
        outcomes
    )
    assert (await gql(client, "{ me { id } }", token=token)).codes == ["TOKEN_REVOKED"]
