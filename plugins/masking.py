"""Mask strategies by name: what a viewer sees of a value it may know of but not read (P-SEC-1).

Pure functions of one string. None of them raises: input they cannot make sense of comes back
fully redacted, since a half-understood value is the likeliest to leak. A value that is not plain
text (a time, a flag, an amount, a status) has no partial form: masking gives None, and the API
then blocks the field rather than show it (api.graphql.personal).
"""

import ipaddress
import re
from collections.abc import Callable

REDACTED = "***"

_NON_DIGITS = re.compile(r"\D")
# +86 / 0086 / 86 before an 11-digit mainland number: masked in its national form.
_CHINA_PREFIX = re.compile(r"^(?:0086|86)(?=1\d{10}$)")
# Longest first, so 欧阳修 keeps 欧阳 rather than 欧.
_COMPOUND_SURNAMES = (
    "欧阳",
    "司马",
    "上官",
    "诸葛",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "令狐",
)
# Province-level names end in one of these; what follows is the city and below.
_PROVINCE = re.compile(r"^(.+?(?:省|自治区|特别行政区|市))(.*)$")
_REGION_SEPARATORS = re.compile(r"[\s/·,，]+")


def phone(value: str) -> str:
    """13812341234 -> 138****1234: the first 3 and last 4 digits stay, one * per digit hidden."""
    digits = _CHINA_PREFIX.sub("", _NON_DIGITS.sub("", value))
    if len(digits) < 8:
        return REDACTED
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def email(value: str) -> str:
    """zhang.san@example.com -> z***@example.com."""
    local, at, domain = value.strip().rpartition("@")
    if not at or not local or not domain:
        return REDACTED
    return f"{local[0]}{REDACTED}@{domain}"


def name(value: str) -> str:
    """The surname stays. Chinese names: one * per further character (张三丰 -> 张**);
    names written with spaces: the first word and a single * (Zhang San -> Zhang *)."""
    value = value.strip()
    if not value:
        return REDACTED
    words = value.split()
    if len(words) > 1:
        return f"{words[0]} *"
    surname = next((s for s in _COMPOUND_SURNAMES if value.startswith(s)), value[0])
    rest = len(value) - len(surname)
    return surname + "*" * rest if rest else REDACTED


def ip(value: str) -> str:
    """The network, not the host: IPv4 to /24 (10.1.2.0/24), IPv6 to /48."""
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return REDACTED
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def device_id(value: str) -> str:
    """The last 4 characters: ****ABCD."""
    value = value.strip()
    if len(value) <= 4:
        return REDACTED
    return "****" + value[-4:]


def region(value: str) -> str:
    """The province stays, the city goes: 广东省深圳市 -> 广东省***, 广东 深圳 -> 广东 ***.

    A lone place name is kept only when it is plainly a province (广东省, 广西壮族自治区); a lone
    name that could be a city (深圳, 北京市) is redacted."""
    value = value.strip()
    parts = _REGION_SEPARATORS.split(value, maxsplit=1)
    if len(parts) == 2 and parts[0]:
        return value[: len(value) - len(parts[1])] + REDACTED
    match = _PROVINCE.match(value)
    if match is None:
        return REDACTED
    province, rest = match.groups()
    if rest:
        return province + REDACTED
    return value if value.endswith(("省", "自治区", "特别行政区")) else REDACTED


def province(value: str) -> str:
    """A province field alone is the coarse part of a region, the part masking keeps."""
    return value.strip() or REDACTED


def company(value: str) -> str:
    """The first character and ***: 中国电信 -> 中***."""
    value = value.strip()
    return value[0] + REDACTED if value else REDACTED


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
