"""Mask strategies by name: what a viewer sees of a value it may know of but not read (P-SEC-1).

Pure functions of one string. None of them raises: input they cannot make sense of comes back
fully redacted, since a half-understood value is the likeliest to leak. A value that is not plain
text (a time, a flag, an amount, a status) has no partial form: masking gives None, and the API
then blocks the field rather than show it (api.graphql.personal).

What each may keep is written per data category (`masked_keeps` in categories.json, served to
clients); a strategy keeps no more, and keeps less when it cannot tell what a part is.
"""

import ipaddress
import re
from collections.abc import Callable

from plugins import mailboxes, provinces, surnames

REDACTED = "***"

_NON_DIGITS = re.compile(r"\D")
# +86 / 0086 / 86 before an 11-digit mainland number: masked in its national form.
_CHINA_PREFIX = re.compile(r"^(?:0086|86)(?=1\d{10}$)")
# Chinese characters (CJK unified ideographs, extension A and the supplementary planes).
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f]+")
_WHITESPACE = re.compile(r"\s+")
# Each mask below keeps a part of a value only when at least this many characters stay hidden.
_HIDDEN_AT_LEAST = 4


def phone(value: str) -> str:
    """13812341234 -> 138****1234: the first 3 and last 4 digits stay, one * per digit hidden;
    a number too short to hide 4 digits that way keeps nothing."""
    digits = _CHINA_PREFIX.sub("", _NON_DIGITS.sub("", value))
    if len(digits) < 7 + _HIDDEN_AT_LEAST:
        return REDACTED
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def email(value: str) -> str:
    """zhang.san@qq.com -> z***@qq.com, zhang.san@example.com -> z***@***: the first character of
    a mailbox name of 4 or more, and the domain only when it is a public mailbox provider."""
    local, at, domain = value.strip().rpartition("@")
    if not at or not local or not domain:
        return REDACTED
    first = local[0] if len(local) >= _HIDDEN_AT_LEAST else ""
    domain = domain.casefold()
    return f"{first}{REDACTED}@{domain if domain in mailboxes.PUBLIC else REDACTED}"


def name(value: str) -> str:
    """张三丰 -> 张**, 欧阳修 -> 欧阳**: the surname of a name in Chinese characters, and ** for the
    given name whatever its length. Anything else keeps nothing: a name in Latin letters may put
    the given name first (Wei Zhang) or last (Zhang Wei), and the text cannot tell which."""
    joined = _WHITESPACE.sub("", value)
    kept = surnames.surname(joined) if _HAN.fullmatch(joined) else None
    return kept + "**" if kept else REDACTED


def ip(value: str) -> str:
    """The network, not the host: IPv4 to /24 (10.1.2.0/24), IPv6 to /48."""
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return REDACTED
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped  # ::ffff:10.1.2.3, as a dual-stack socket reports it
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def device_id(value: str) -> str:
    """****ABCD: the last 4 characters of an identifier of at least 8."""
    value = value.strip()
    if len(value) < 4 + _HIDDEN_AT_LEAST:
        return REDACTED
    return "****" + value[-4:]


def region(value: str) -> str:
    """广东省深圳市 -> 广东省***, 北京市朝阳区 -> 北京市***: the province-level unit the value
    starts with, when a city or more follows it. A value that is one place name alone is a city
    field's city, and keeps nothing even when it is a 直辖市 (北京): the province is a field of
    its own. 广州市天河区, 天河区, Shenzhen: no province-level unit first, nothing kept."""
    found = provinces.leading(value.strip())
    if found is None or not found[1].strip():
        return REDACTED
    return found[0] + REDACTED


def province(value: str) -> str:
    """A province field keeps the province-level unit it names (广东, 北京市, Guangdong), and
    nothing of what may follow it (广东省深圳市 -> 广东省***)."""
    found = provinces.leading(value.strip())
    if found is None:
        return REDACTED
    shown, rest = found
    return shown + REDACTED if rest.strip() else shown


def company(value: str) -> str:
    """中国电信 -> 中***: the first character of a name of at least 4."""
    value = value.strip()
    return value[0] + REDACTED if len(value) >= _HIDDEN_AT_LEAST else REDACTED


def redact(value: str) -> str:
    return REDACTED


STRATEGIES: dict[str, Callable[[str], str]] = {
    "phone": phone,
    "email": email,
    "name": name,
    "ip": ip,
    "device_id": device_id,
    "region": region,
    "province": province,
    "company": company,
    "redact": redact,
}


def apply(strategy: str, value: object) -> str | None:
    """The masked form of `value`: a string for plain text, None for anything else (an enum is a
    str subclass, but a masked one would be no member of its enum)."""
    if type(value) is not str:
        return None
    return STRATEGIES[strategy](value)
