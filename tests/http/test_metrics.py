"""GET /metrics: Prometheus text format with requests, latency, decisions, sign-in failures and
overdue privacy requests (P-RIGHTS-4)."""

from datetime import timedelta

import httpx
from prometheus_client.parser import text_string_to_metric_families

from api.settings import Settings
from models.accounts import Account
from models.clock import utcnow
from models.privacy import PrivacyRequest, RequestKind
from tests.conftest import LOGIN, admin_token, gql, register

ADMIN_LIST = "{ accounts(first: 10) { edges { node { id phone email name } } } }"


async def scrape(client: httpx.AsyncClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


async def test_metrics_count_requests_latency_and_decisions(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    await register(client, 1)
    token = await admin_token(client, settings)
    listed = await gql(client, ADMIN_LIST, token=token)
    assert listed.data["accounts"]["edges"], listed

    samples = await scrape(client)
    graphql_ok = (("method", "POST"), ("route", "/graphql"), ("status", "200"))
    # the registration's code and the registration, the admin's login and the list (creating the
    # admin makes no request)
    assert samples[("consentql_http_requests_total", graphql_ok)] == 4
    assert samples[("consentql_http_request_duration_seconds_count", (("route", "/graphql"),))] == 4
    # The admin sees the person's phone masked (P-SEC-1) and their own in clear (owner).
    masked_phone = (("category", "contact.phone"), ("effect", "MASK"))
    clear_phone = (("category", "contact.phone"), ("effect", "ALLOW"))
    assert samples[("consentql_consent_decisions_total", masked_phone)] >= 1
    assert samples[("consentql_consent_decisions_total", clear_phone)] >= 1


async def test_metrics_read_sign_in_failures_and_overdue_requests_from_the_database(
    client: httpx.AsyncClient,
) -> None:
    person = await register(client, 2)
    before = await scrape(client)
    assert before[("consentql_sign_in_failures_last_hour", ())] == 0
    assert before[("consentql_privacy_requests_overdue", ())] == 0

    wrong = await gql(
        client, LOGIN, {"input": {"login": person["phone"], "password": "not the password"}}
    )
    assert wrong.codes
    account = await Account.get(id=int(person["id"]))
    today = utcnow()
    await PrivacyRequest.create(
        account=account,
        kind=RequestKind.ACCESS,
        submitted_at=today - timedelta(days=20),
        due_on=(today - timedelta(days=5)).date(),
    )
    await PrivacyRequest.create(
        account=account,
        kind=RequestKind.CORRECTION,
        submitted_at=today,
        due_on=(today + timedelta(days=15)).date(),
    )

    after = await scrape(client)
    assert after[("consentql_sign_in_failures_last_hour", ())] == 1
    assert after[("consentql_privacy_requests_overdue", ())] == 1
