"""The privacy policy on the site, as its section 七(二) promises ("以网站通告的形式发布"):

- `GET /policy`: the version in effect, as an HTML page, with every version listed;
- `GET /policy.json`: every version (name, dates, digest, summary, where to read it);
- `GET /policy/<version>`: that version's page: its full text, what changed against the version
  before (a unified diff), the controller's contact (P-CONTACT-1);
- `GET /policy/<version>.json`: the same as JSON.

Anyone may read them: a policy holds nothing personal (P-DISCLOSE-1). Every value is escaped; the
pages load nothing (no script, no external asset) and their Content-Security-Policy allows only
their one inline stylesheet, by hash.
"""

import base64
import hashlib
from collections.abc import Awaitable, Callable
from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from api.errors import ApiError, error_response
from api.policy.contact import contact_of
from api.policy.publication import (
    JSON_SUFFIX,
    PAGE_PREFIX,
    in_effect,
    json_path,
    named,
    page_path,
    previous_versions,
    published_versions,
    text_diff,
    version_document,
)
from models.clock import utcnow
from models.consent import PolicyVersion

STYLE = (
    "body{font-family:sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;"
    "line-height:1.6}pre{white-space:pre-wrap;word-break:break-word}"
    ".diff{background:#f6f6f6;padding:1rem;font-size:.85rem}dt{font-weight:bold}"
)
STYLE_HASH = "sha256-" + base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        f"style-src '{STYLE_HASH}'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # A new version can take effect at any moment: caches revalidate.
    "Cache-Control": "no-cache",
}
NO_TEXT = "本版本发布时仅保存了摘要与摘要值（SHA-256），未保存全文。"


def _date(policy: PolicyVersion) -> str:
    return policy.effective_at.date().isoformat()


def _versions_list(versions: list[PolicyVersion], current: PolicyVersion | None) -> str:
    items = "".join(
        f'<li><a href="{escape(page_path(p.version))}">{escape(p.version)}</a>'
        f" 生效 {_date(p)}{' (当前版本)' if p is current else ''}</li>"
        for p in reversed(versions)
    )
    return f"<nav><h2>所有版本</h2><ul>{items}</ul></nav>"


def _contact(policy: PolicyVersion) -> str:
    contact = contact_of(policy)
    rows = (
        ("公司名称", contact.controller),
        ("注册地址", contact.registered_address),
        ("客服电话", contact.phone),
        ("邮箱地址", contact.email),
        ("邮寄地址", contact.contact_address),
        ("答复时限", f"{contact.answer_within_days} 天内"),
    )
    items = "".join(f"<dt>{escape(name)}</dt><dd>{escape(value)}</dd>" for name, value in rows)
    return f"<section><h2>如何联系我们</h2><dl>{items}</dl></section>"


def version_page(
    policy: PolicyVersion,
    previous: PolicyVersion | None,
    versions: list[PolicyVersion],
    current: PolicyVersion | None,
) -> str:
    state = (
        "当前版本"
        if policy is current
        else ("尚未生效" if policy.effective_at > utcnow() else "已被替代")
    )
    text = f"<pre>{escape(policy.text)}</pre>" if policy.text is not None else f"<p>{NO_TEXT}</p>"
    diff = text_diff(previous, policy)
    changes = ""
    if previous is not None:
        shown = (
            f'<pre class="diff">{escape(diff)}</pre>' if diff is not None else f"<p>{NO_TEXT}</p>"
        )
        link = f'<a href="{escape(page_path(previous.version))}">{escape(previous.version)}</a>'
        changes = f"<section><h2>与上一版本 {link} 的差异</h2>{shown}</section>"
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>用户隐私协议 {escape(policy.version)}</title><style>{STYLE}</style>"
        f'<link rel="alternate" type="application/json" href="{escape(json_path(policy.version))}">'
        "</head><body><main><header>"
        f"<h1>用户隐私协议 {escape(policy.version)}</h1>"
        f"<p>{state} · 发布 {policy.published_at.date().isoformat()} · 生效 {_date(policy)}</p>"
        f"<p>{escape(policy.summary)}</p>"
        f"<p>SHA-256: <code>{escape(policy.digest)}</code></p></header>"
        f"<article>{text}</article>{changes}{_contact(policy)}"
        f"{_versions_list(versions, current)}</main></body></html>"
    )


async def current_page(request: Request) -> Response:
    versions = await published_versions()
    current = in_effect(versions)
    if current is None:
        return _html_not_found()
    return _page(current, versions, current)


async def index_json(request: Request) -> Response:
    versions = await published_versions()
    current = in_effect(versions)
    return JSONResponse(
        {
            "current": current.version if current else None,
            "versions": [
                {
                    "version": p.version,
                    "published_at": p.published_at.isoformat(),
                    "effective_at": p.effective_at.isoformat(),
                    "digest": p.digest,
                    "summary": p.summary,
                    "url": page_path(p.version),
                    "json": json_path(p.version),
                }
                for p in versions
            ],
        },
        headers=HEADERS,
    )


async def version_json(request: Request) -> Response:
    versions = await published_versions()
    try:
        policy = named(versions, request.path_params["version"])
    except ApiError as error:
        return error_response(404, error.code, str(error), headers=HEADERS)
    previous = previous_versions(versions)[policy.id]
    return JSONResponse(version_document(policy, previous), headers=HEADERS)


async def version_html(request: Request) -> Response:
    versions = await published_versions()
    try:
        policy = named(versions, request.path_params["version"])
    except ApiError:
        return _html_not_found()
    return _page(policy, versions, in_effect(versions))


def _page(
    policy: PolicyVersion, versions: list[PolicyVersion], current: PolicyVersion | None
) -> HTMLResponse:
    previous = previous_versions(versions)[policy.id]
    return HTMLResponse(version_page(policy, previous, versions, current), headers=HEADERS)


def _html_not_found() -> HTMLResponse:
    body = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>未找到</title><style>{STYLE}</style></head><body><main>"
        f'<p>没有这个版本的隐私协议。<a href="{PAGE_PREFIX}">当前版本</a></p>'
        "</main></body></html>"
    )
    return HTMLResponse(body, status_code=404, headers=HEADERS)


Endpoint = Callable[[Request], Awaitable[Response]]


def policy_routes(on_failure: Callable[[Exception], Response]) -> list[BaseRoute]:
    """The routes; `on_failure` answers an unexpected error (the database down) with a code."""

    def guarded(endpoint: Endpoint) -> Endpoint:
        async def serve(request: Request) -> Response:
            try:
                return await endpoint(request)
            except Exception as error:
                return on_failure(error)

        return serve

    # The JSON route first: "/policy/<version>.json" also matches "/policy/<version>".
    return [
        Route(PAGE_PREFIX, guarded(current_page), methods=["GET"]),
        Route(PAGE_PREFIX + JSON_SUFFIX, guarded(index_json), methods=["GET"]),
        Route(PAGE_PREFIX + "/{version}" + JSON_SUFFIX, guarded(version_json), methods=["GET"]),
        Route(PAGE_PREFIX + "/{version}", guarded(version_html), methods=["GET"]),
    ]
