"""Helpers for the consent API tests: a published policy, recipients and clients made through
the API by an admin, consents given through the API by a person."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from api.accounts.service import create_admin
from api.auth.passwords import Passwords
from api.settings import Settings
from models.consent import PolicyVersion, text_digest
from tests.conftest import LOGIN, gql, sign_in

POLICY_TEXT = "用户隐私协议 (2022-06-07)"
CONTACT_PHONE = "400-1100-868"

SECOND_ADMIN = {
    "phone": "13800000002",
    "email": "second.admin@example.com",
    "name": "复核员",
    "company": "示例通信有限公司",
    "password": "second admin pass",
}

CREATE_AFFILIATE = """
mutation($input: CreateAffiliateInput!) {
  createAffiliate(input: $input) { id name kind region purposes }
}"""
ISSUE_CLIENT = """
mutation($input: IssueApiClientInput!) {
  issueApiClient(input: $input) { token client { id name purpose categories affiliate { id } } }
}"""
GRANT_CONSENT = """
mutation($input: GrantConsentInput!) {
  grantConsent(input: $input) {
    id purpose categories policyVersion grantedAt withdrawnAt endedReason
    recipient { id name }
    evidence { channel ip userAgent }
  }
}"""
WITHDRAW_CONSENT = """
mutation($id: ID!) { withdrawConsent(consentId: $id) { id withdrawnAt endedReason } }
"""
ACCOUNTS = "{ accounts { edges { node { id phone email name company } } } }"
ACCOUNT = "query($id: ID!) { account(id: $id) { id phone email name company } }"


async def publish_policy(
    version: str = "2022-06-07",
    effective_at: datetime | None = None,
    *,
    requires_fresh_consent: bool = False,
) -> PolicyVersion:
    moment = effective_at or datetime(2022, 6, 7, tzinfo=UTC)
    return await PolicyVersion.create(
        version=version,
        published_at=moment - timedelta(days=7),
        effective_at=moment,
        digest=text_digest(f"{POLICY_TEXT} {version}"),
        summary=f"Version {version}.",
        requires_fresh_consent=requires_fresh_consent,
        controller="示例通信有限公司",
        contact_phone=CONTACT_PHONE,
        contact_email="privacy@example.com",
        registered_address="北京市西城区示例路1号",
        contact_address="北京市西城区示例路1号 隐私办公室",
    )


def ok(result: dict[str, Any]) -> Any:
    assert not result.get("errors"), result
    return result["data"]


async def second_admin_token(client: httpx.AsyncClient, settings: Settings) -> str:
    details = SECOND_ADMIN
    await create_admin(
        Passwords(settings),
        details["phone"],
        details["email"],
        details["name"],
        details["company"],
        details["password"],
    )
    result = await gql(
        client, LOGIN, {"input": {"login": details["phone"], "password": details["password"]}}
    )
    return ok(result)["login"]["token"]


async def create_affiliate(
    client: httpx.AsyncClient,
    admin: str,
    *,
    name: str = "翼支付",
    region: str = "CN",
    purposes: tuple[str, ...] = ("support",),
    kind: str = "AFFILIATE",
) -> str:
    variables = {"input": {"name": name, "kind": kind, "region": region, "purposes": purposes}}
    return ok(await gql(client, CREATE_AFFILIATE, variables, token=admin))["createAffiliate"]["id"]


async def issue_client(
    client: httpx.AsyncClient,
    admin: str,
    affiliate_id: str,
    *,
    purpose: str = "support",
    categories: tuple[str, ...] = ("contact.phone", "contact.email", "identity.name"),
) -> str:
    variables = {
        "input": {
            "affiliateId": affiliate_id,
            "name": "客服工单系统",
            "purpose": purpose,
            "categories": categories,
        }
    }
    return ok(await gql(client, ISSUE_CLIENT, variables, token=admin))["issueApiClient"]["token"]


async def grant(
    client: httpx.AsyncClient,
    person: str,
    recipient_id: str | None,
    *,
    purpose: str = "support",
    categories: tuple[str, ...] = ("contact.phone", "identity.name"),
) -> dict[str, Any]:
    variables = {
        "input": {"recipientId": recipient_id, "purpose": purpose, "categories": categories}
    }
    return ok(await gql(client, GRANT_CONSENT, variables, token=person))["grantConsent"]


async def listed_ids(client: httpx.AsyncClient, token: str) -> set[str]:
    edges = ok(await gql(client, ACCOUNTS, token=token))["accounts"]["edges"]
    return {edge["node"]["id"] for edge in edges}


async def person_with_id(client: httpx.AsyncClient, n: int) -> tuple[str, str]:
    """(session token, account id) of a newly registered, signed-in person."""
    token = await sign_in(client, n)
    return token, ok(await gql(client, "{ me { id } }", token=token))["me"]["id"]
