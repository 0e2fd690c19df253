"""P-UPDATE-1 and P-CONTACT-1 against the real founding text: every version published as a site
notice (policy 七(二)) at stable URLs, as HTML and JSON and through GraphQL, with what changed
against the version before; registration accepts the version in effect, with its evidence."""

import hashlib
from html import escape
from html.parser import HTMLParser

from api.policy.founding import TEXT, ensure_founding_policy
from api.privacy.erasure import erase
from models.consent import PolicyAcceptance, PolicyVersion, text_digest
from models.privacy import PublicNotice
from tests.conftest import REGISTER, admin_token, gql, registration_input, sign_in
from tests.sharing import ok

# SHA-256 of api/policy/texts/2022-06-07.zh.md as published on 2022-06-07: pinned here, so a
# changed file cannot pass for the founding text.
FOUNDING_DIGEST = "291a34600e39aae1658af67f1cf8e9212585f49b6948b0d43212736ff3fa6f6e"
POLICY = """{ currentPolicy { version digest text url previousVersion diff
  contact { controller phone email registeredAddress contactAddress answerWithinDays } } }"""
VERSIONS = "{ policyVersions { version digest text previousVersion diff url } }"
PUBLISH = """
mutation($input: PublishPolicyInput!) {
  publishPolicy(input: $input) { notified policy { version digest url } }
}"""
NOTICES = "{ publicNotices { edges { node { title body policyVersion } } } }"
ADDED_LINE = "6. 合作伙伴个人信息删除：点击右上角昵称-信息修改->删除，删除个人信息。"


# Every element a policy page is made of: no script, image, frame or stylesheet link.
PAGE_TAGS = {"html", "head", "meta", "title", "style", "link", "body", "main", "header", "h1"}
PAGE_TAGS |= {"h2", "p", "code", "article", "pre", "section", "dl", "dt", "dd", "nav", "ul"}
PAGE_TAGS |= {"li", "a"}


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.names.add(tag)
        assert not any(name.startswith("on") or name == "src" for name, _ in attrs), attrs
        self.links += [value or "" for name, value in attrs if name == "href"]


def founding_text() -> str:
    return TEXT.read_text(encoding="utf-8")


def amended(text: str) -> str:
    """The founding text with one right added to 五(一), as a later version might read."""
    anchor = "4. 合作伙伴个人信息更正：点击右上角昵称-信息修改->修改，更正个人信息。\n"
    assert anchor in text
    return text.replace(anchor, anchor + ADDED_LINE + "\n")


async def test_p_update_1_the_founding_version_is_stored_with_its_real_text(db):
    assert hashlib.sha256(TEXT.read_bytes()).hexdigest() == FOUNDING_DIGEST
    policy = await ensure_founding_policy()
    assert (policy.version, policy.digest) == ("2022-06-07", FOUNDING_DIGEST)
    assert policy.text == founding_text()
    assert "中国移动智慧政企用户隐私协议" in policy.text
    assert "以网站通告的形式发布" in policy.text


async def test_p_update_1_a_founding_version_stored_by_digest_alone_gets_its_text(db):
    """A database from before texts were kept: the founding row has the digest, no text."""
    stored = await ensure_founding_policy()
    await PolicyVersion.filter(id=stored.id).update(text=None)
    assert (await ensure_founding_policy()).text == founding_text()
    # A row whose digest is of some other text is not given this one.
    await PolicyVersion.filter(id=stored.id).update(text=None, digest=text_digest("其他"))
    assert (await ensure_founding_policy()).text is None


async def test_p_contact_1_the_contact_served_is_the_one_the_real_text_names(client):
    await ensure_founding_policy()
    policy = ok(await gql(client, POLICY))["currentPolicy"]
    assert policy["digest"] == FOUNDING_DIGEST
    assert policy["text"] == founding_text()
    contact = policy["contact"]
    assert contact["phone"] == "400-1100-868"
    assert contact["email"] == "zqservice@chinamobile.com"
    # Every detail served is written in the text itself (section 八), word for word.
    text = founding_text()
    for key in ("controller", "phone", "email", "registeredAddress", "contactAddress"):
        assert contact[key] in text, key
    assert f"1)公司名称：{contact['controller']}；" in text
    assert f"3)客服电话: {contact['phone']};" in text
    assert f"{contact['answerWithinDays']} 天内回复" in text
    assert (policy["previousVersion"], policy["diff"], policy["url"]) == (
        None,
        None,
        "/policy/2022-06-07",
    )


async def test_p_update_1_a_new_version_is_published_as_a_site_notice_with_its_changes(
    client, settings
):
    await ensure_founding_policy()
    admin = await admin_token(client, settings)
    text = amended(founding_text())
    variables = {
        "input": {
            "version": "2026-12-01",
            "summary": "新增合作伙伴删除个人信息的方式。",
            "text": text,
            "digest": hashlib.sha256(text.encode()).hexdigest(),
        }
    }
    published = ok(await gql(client, PUBLISH, variables, token=admin))["publishPolicy"]
    assert published["policy"]["url"] == "/policy/2026-12-01"
    client.cookies.clear()  # everything below is read by anyone

    versions = ok(await gql(client, VERSIONS))["policyVersions"]
    assert [v["version"] for v in versions] == ["2022-06-07", "2026-12-01"]
    founding, latest = versions
    assert founding["text"] == founding_text() and founding["diff"] is None
    assert latest["text"] == text and latest["previousVersion"] == "2022-06-07"
    changed = [line for line in latest["diff"].splitlines() if line[:1] in "+-"]
    assert changed == ["--- 2022-06-07", "+++ 2026-12-01", f"+{ADDED_LINE}"]

    [notice] = ok(await gql(client, NOTICES))["publicNotices"]["edges"]
    assert notice["node"]["policyVersion"] == "2026-12-01"
    assert "/policy/2026-12-01" in notice["node"]["body"]
    assert "新增合作伙伴删除个人信息的方式。" in notice["node"]["body"]
    assert await PublicNotice.filter(policy_version__version="2026-12-01").count() == 1

    document = (await client.get("/policy/2026-12-01.json")).json()
    assert (document["text"], document["digest"]) == (text, latest["digest"])
    assert document["diff"] == latest["diff"]
    assert document["contact"]["phone"] == "400-1100-868"
    listed = (await client.get("/policy.json")).json()
    assert listed["current"] == "2026-12-01"
    assert [v["json"] for v in listed["versions"]] == [
        "/policy/2022-06-07.json",
        "/policy/2026-12-01.json",
    ]

    page = await client.get("/policy")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert escape(ADDED_LINE) in page.text and "当前版本" in page.text
    founding_page = (await client.get("/policy/2022-06-07")).text
    assert escape(ADDED_LINE) not in founding_page
    assert "400-1100-868" in founding_page and "已被替代" in founding_page


async def test_policy_pages_escape_everything_and_load_nothing(client, settings):
    await ensure_founding_policy()
    admin = await admin_token(client, settings)
    hostile = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    variables = {"input": {"version": "2026-12-01", "summary": hostile, "text": hostile + "\n"}}
    ok(await gql(client, PUBLISH, variables, token=admin))
    page = await client.get("/policy/2026-12-01")
    assert "<script" not in page.text and "<img" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "script-src" not in csp
    tags = Tags()
    tags.feed(page.text)
    assert tags.names <= PAGE_TAGS, tags.names - PAGE_TAGS
    # Links lead only to the policy's own pages; nothing is loaded from anywhere.
    assert tags.links and all(link.startswith("/policy") for link in tags.links)
    assert page.headers["x-content-type-options"] == "nosniff"
    for version in ("../2022-06-07", "a/b", "a.json", "a b", "<x>"):
        refused = await gql(
            client, PUBLISH, {"input": {**variables["input"], "version": version}}, token=admin
        )
        assert refused.codes == ["VALIDATION_FAILED"], version


async def test_unknown_policy_versions_are_not_found(client):
    await ensure_founding_policy()
    assert (await client.get("/policy/1999-01-01")).status_code == 404
    missing = await client.get("/policy/1999-01-01.json")
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    one = "query($v: String!) { policyVersion(version: $v) { version } }"
    assert (await gql(client, one, {"v": "1999-01-01"})).codes == ["NOT_FOUND"]
    assert ok(await gql(client, one, {"v": "2022-06-07"}))["policyVersion"]["version"]


async def test_with_no_version_in_effect_the_page_is_not_found(client):
    assert (await client.get("/policy")).status_code == 404
    assert (await client.get("/policy.json")).json() == {"current": None, "versions": []}


async def test_p_update_1_registering_accepts_the_version_in_effect_with_evidence(client):
    await ensure_founding_policy()
    agent = "Mozilla/5.0 (Linux; Android 15) consentql-test"
    details = await registration_input(client, 0)
    result = await gql(client, REGISTER, {"input": details}, headers={"user-agent": agent})
    account_id = int(result.data["register"]["id"])
    acceptance = await PolicyAcceptance.get(account_id=account_id).select_related("policy_version")
    assert acceptance.policy_version.version == "2022-06-07"
    assert acceptance.channel == "registration"
    assert acceptance.evidence_user_agent == agent
    assert acceptance.evidence_ip == "127.0.0.1"
    token = await sign_in(client, 1)
    exported = ok(await gql(client, "{ exportMyData }", token=token))["exportMyData"]
    [accepted] = exported["policy_acceptances"]
    assert (accepted["version"], accepted["channel"]) == ("2022-06-07", "registration")
    assert accepted["evidence_ip"] == "127.0.0.1"
    assert accepted["evidence_user_agent"].startswith("python-httpx/")


async def test_p_delete_1_erasure_clears_the_evidence_of_a_policy_acceptance(client):
    await ensure_founding_policy()
    details = await registration_input(client, 0)
    account_id = int((await gql(client, REGISTER, {"input": details})).data["register"]["id"])
    assert await erase(account_id, "STOPPED_USING")
    acceptance = await PolicyAcceptance.get(account_id=account_id)
    # That the version was accepted stays on record; from where and with what does not.
    assert (acceptance.channel, acceptance.evidence_ip, acceptance.evidence_user_agent) == (
        "registration",
        None,
        None,
    )
