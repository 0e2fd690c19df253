"""The privacy center's files and how they are served, without a browser: a strict policy, nothing
inline, nothing from elsewhere, every module and every translation present (the browser test
tests/http/test_privacy_center_browser.py drives the page itself)."""

import re

import httpx

from api.http.privacy_center import (
    CONTENT_SECURITY_POLICY,
    PAGE_PATH,
    STATIC_DIR,
    STATIC_URL,
)

INDEX = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
MODULES = {path.name: path.read_text(encoding="utf-8") for path in STATIC_DIR.glob("*.js")}
I18N = MODULES["i18n.js"]


def directives(policy: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


async def test_the_page_is_served_with_a_strict_policy(client: httpx.AsyncClient) -> None:
    page = await client.get(PAGE_PATH)
    assert page.status_code == 200
    assert page.text == INDEX
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert page.headers["cache-control"] == "no-store"
    policy = directives(CONTENT_SECURITY_POLICY)
    assert policy["default-src"] == "'none'"
    for directive in ("script-src", "style-src", "connect-src", "img-src"):
        assert policy[directive] == "'self'", directive
    assert policy["form-action"] == "'none'"


def test_the_page_has_no_inline_script_style_or_handler() -> None:
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", INDEX, flags=re.DOTALL)
    assert scripts and all(
        'src="' in attributes and not body.strip() for attributes, body in scripts
    )
    assert "<style" not in INDEX
    assert not re.search(r"\sstyle=", INDEX)
    assert not re.search(r"\son[a-z]+=", INDEX)


def test_nothing_is_loaded_from_elsewhere() -> None:
    for name, text in {"index.html": INDEX, **MODULES}.items():
        # The SVG namespace names a standard, it loads nothing.
        urls = set(re.findall(r"https?://[^\s\"'`)]+", text)) - {"http://www.w3.org/2000/svg"}
        assert urls == set(), name
    loaded = re.findall(r'(?:src|href)="([^"#]+)"', INDEX)
    assert loaded and all(url.startswith(f"{STATIC_URL}/") for url in loaded), loaded


def test_scripts_never_turn_text_into_html() -> None:
    """What the API returns (names, notices, policy texts) is only ever set as text."""
    for name, text in MODULES.items():
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in text, f"{name} uses {sink}"


async def test_every_file_the_page_needs_is_served(client: httpx.AsyncClient) -> None:
    wanted = {url.removeprefix(f"{STATIC_URL}/") for url in re.findall(r'"(/static/[^"]+)"', INDEX)}
    for text in MODULES.values():
        wanted |= set(re.findall(r'from "\./([\w-]+\.js)"', text))
    assert wanted >= {"app.js", "style.css", "api.js", "i18n.js"}
    for name in sorted(wanted):
        response = await client.get(f"{STATIC_URL}/{name}")
        assert response.status_code == 200, name
        assert response.content == (STATIC_DIR / name).read_bytes()
    assert "javascript" in (await client.get(f"{STATIC_URL}/app.js")).headers["content-type"]
    assert (await client.get(f"{STATIC_URL}/..%2Fprivacy_center.py")).status_code == 404


def dictionary(language: str) -> set[str]:
    """The keys of one language's strings in i18n.js."""
    start = I18N.index(f"{language}: {{" if language == "en" else f'"{language}": {{')
    block = I18N[start : I18N.index("\n  },", start)]
    return set(re.findall(r'^\s+"([\w.]+)":', block, flags=re.MULTILINE))


def test_every_text_exists_in_chinese_and_english() -> None:
    chinese, english = dictionary("zh-CN"), dictionary("en")
    assert chinese == english
    used = set(re.findall(r'data-i18n="([\w.]+)"', INDEX))
    for text in MODULES.values():
        used |= set(re.findall(r'\bt\(\s*"([\w.]+)"', text))
    assert used and used <= chinese, used - chinese
