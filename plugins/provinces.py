"""China's 34 province-level units, and the one a place name starts with: the part of a region a
mask may keep (P-SEC-1).

A closed list rather than a pattern on 省/市: 广州市 ends in 市 and is a city, 吉林市 is a city in
吉林省, 海南藏族自治州 is a prefecture of 青海, not 海南. A unit is recognised by its full name
(广东省, 北京市, 广西壮族自治区, 香港特别行政区), which may run straight into what follows, or by
its short or English name, which must end where a word ends (广东 深圳, Guangdong, Shenzhen).
"""

import re
from typing import NamedTuple


class Province(NamedTuple):
    short: str
    full: str
    english: tuple[str, ...]


PROVINCES = (
    # The four 直辖市: province-level, though each is also one city.
    Province("北京", "北京市", ("Beijing",)),
    Province("天津", "天津市", ("Tianjin",)),
    Province("上海", "上海市", ("Shanghai",)),
    Province("重庆", "重庆市", ("Chongqing",)),
    Province("河北", "河北省", ("Hebei",)),
    Province("山西", "山西省", ("Shanxi",)),
    Province("辽宁", "辽宁省", ("Liaoning",)),
    Province("吉林", "吉林省", ("Jilin",)),
    Province("黑龙江", "黑龙江省", ("Heilongjiang",)),
    Province("江苏", "江苏省", ("Jiangsu",)),
    Province("浙江", "浙江省", ("Zhejiang",)),
    Province("安徽", "安徽省", ("Anhui",)),
    Province("福建", "福建省", ("Fujian",)),
    Province("江西", "江西省", ("Jiangxi",)),
    Province("山东", "山东省", ("Shandong",)),
    Province("河南", "河南省", ("Henan",)),
    Province("湖北", "湖北省", ("Hubei",)),
    Province("湖南", "湖南省", ("Hunan",)),
    Province("广东", "广东省", ("Guangdong",)),
    Province("海南", "海南省", ("Hainan",)),
    Province("四川", "四川省", ("Sichuan",)),
    Province("贵州", "贵州省", ("Guizhou",)),
    Province("云南", "云南省", ("Yunnan",)),
    Province("陕西", "陕西省", ("Shaanxi",)),
    Province("甘肃", "甘肃省", ("Gansu",)),
    Province("青海", "青海省", ("Qinghai",)),
    Province("台湾", "台湾省", ("Taiwan",)),
    Province("内蒙古", "内蒙古自治区", ("Inner Mongolia", "Nei Mongol")),
    Province("广西", "广西壮族自治区", ("Guangxi",)),
    Province("西藏", "西藏自治区", ("Tibet", "Xizang")),
    Province("宁夏", "宁夏回族自治区", ("Ningxia",)),
    Province("新疆", "新疆维吾尔自治区", ("Xinjiang",)),
    Province("香港", "香港特别行政区", ("Hong Kong", "Hongkong")),
    Province("澳门", "澳门特别行政区", ("Macau", "Macao")),
)

# What every name a mask may show looks like, casefolded (English is shown as spelled here).
NAMES = frozenset(
    name.casefold()
    for province in PROVINCES
    for name in (province.short, province.full, *province.english)
)
_ENGLISH = {name.casefold(): name for province in PROVINCES for name in province.english}


def _alternatives(names: list[str]) -> str:
    # Longest first, so a name is never cut short by one it starts with.
    return "|".join(
        re.escape(name).replace(r"\ ", r"\s+") for name in sorted(names, key=len, reverse=True)
    )


_NOT_A_LETTER = r"(?![^\W\d_])"
_LEADING = re.compile(
    rf"""(?:
        (?P<full>{_alternatives([p.full for p in PROVINCES])})
      | (?P<short>{_alternatives([p.short for p in PROVINCES])}){_NOT_A_LETTER}
      | (?P<english>{_alternatives([name for p in PROVINCES for name in p.english])})
        (?:\s+(?:province|sheng|municipality|shi|sar|special\s+administrative\s+region
               |(?:\w+\s+)?autonomous\s+region))?
        {_NOT_A_LETTER}
        # "Jilin City", "Hainan Prefecture": a city or prefecture that shares a province's name
        # (no word boundary: "Jilin City吉林省" has none, and keeping less is safe).
        (?!\s*(?:city|prefecture|county|district))
    )""",
    re.IGNORECASE | re.VERBOSE,
)


def leading(value: str) -> tuple[str, str] | None:
    """The province-level unit `value` starts with, as a mask shows it, and the rest of `value`;
    None when it starts with none."""
    match = _LEADING.match(value)
    if match is None:
        return None
    english = match["english"]
    shown = _ENGLISH[" ".join(english.split()).casefold()] if english else match[0]
    return shown, value[match.end() :]
