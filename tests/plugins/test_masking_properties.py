"""P-SEC-1: what a masked value keeps is no more than its category's `masked_keeps` says, over
generated values: Chinese names with single and compound surnames, Latin names in either order,
every way a region is written, phone numbers, addresses, identifiers, short and long values,
empty, whitespace and mixed scripts.

Every strategy, for any text: it never raises, its result is one of the forms the statement
allows (so an input it returns unchanged was already no more than that), and masking the result
again keeps no more.
"""

import ipaddress
import re
from collections.abc import Callable

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from plugins import masking, provinces, surnames
from plugins.mailboxes import PUBLIC
from plugins.masking import REDACTED

HAN = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
LATIN_WORD = st.from_regex(
    r"[A-Z][a-z]{1,10}|[a-z]{2,8}|[A-Z]{2,6}|[ÉÖ][a-zé]{1,6}", fullmatch=True
)
SPACES = st.sampled_from(["", " ", "  ", "\t", "\u3000", "\n"])
SEPARATORS = st.sampled_from([" ", "  ", "/", "·", ",", "，", "、", "-", ", "])
ANY_TEXT = st.one_of(
    st.text(),
    st.text(max_size=300),
    st.text(alphabet=st.sampled_from("张欧阳广东省市区 @.*-0123456789abcXYZ·"), max_size=40),
)
SURNAMES = sorted(surnames.SINGLE | surnames.COMPOUND)
ALL_PROVINCES = provinces.PROVINCES
# Places below a province, written every way they come: cities, districts, both, addresses, the
# 直辖市 themselves, places that share a province's name, English.
PLACES = [
    "深圳市",
    "深圳",
    "广州市天河区",
    "天河区",
    "朝阳区",
    "浦东新区",
    "北京市",
    "北京",
    "上海",
    "吉林市",
    "海南藏族自治州",
    "南宁市青秀区",
    "九龙城区",
    "深圳市南山区科技园科苑路15号科兴科学园B栋4单元",
    "Shenzhen",
    "Tianhe District",
    "Jilin City",
    "Pudong New Area",
    "Chaoyang",
]


def allowed(strategy: str, masked: str) -> bool:
    """Whether `masked` is a form the category's statement allows, for any input."""
    kept = masked.removesuffix(REDACTED)
    if strategy == "phone":
        return masked == REDACTED or bool(re.fullmatch(r"\d{3}\*{4,}\d{4}", masked))
    if strategy == "email":
        local, _, domain = masked.rpartition("@")
        return masked == REDACTED or (
            len(local) in (3, 4) and local.endswith(REDACTED) and domain in {REDACTED, *PUBLIC}
        )
    if strategy == "name":
        return (
            masked == REDACTED or masked.removesuffix("**") in surnames.SINGLE | surnames.COMPOUND
        )
    if strategy == "ip":
        return (
            masked == REDACTED
            or network(masked).prefixlen == {4: 24, 6: 48}[network(masked).version]
        )
    if strategy == "device_id":
        return masked == REDACTED or (len(masked) == 8 and masked.startswith("****"))
    if strategy == "region":
        return masked == REDACTED or (masked != kept and kept.casefold() in provinces.NAMES)
    if strategy == "province":
        return masked == REDACTED or kept.casefold() in provinces.NAMES
    if strategy == "company":
        return masked == REDACTED or (len(masked) == 4 and masked.endswith(REDACTED))
    return masked == REDACTED


def network(masked: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(masked)


def mask(strategy: str) -> Callable[[str], str]:
    def masked(value: str) -> str:
        result = masking.apply(strategy, value)
        assert isinstance(result, str)
        return result

    return masked


@pytest.mark.parametrize("strategy", sorted(masking.STRATEGIES))
@given(value=ANY_TEXT)
def test_p_sec_1_any_text_masks_to_an_allowed_form_and_stays_masked(
    strategy: str, value: str
) -> None:
    masked = mask(strategy)(value)
    assert allowed(strategy, masked), (value, masked)
    assert mask(strategy)(masked) in (masked, REDACTED), (value, masked)


# Names ---------------------------------------------------------------------------------------


@st.composite
def chinese_names(draw: st.DrawFn) -> tuple[str, str, str]:
    """(surname, given name, the name as written): single or compound surnames, 1 to 3 given
    characters, sometimes a space between."""
    surname = draw(st.sampled_from(SURNAMES))
    given_name = draw(st.text(alphabet=HAN, min_size=1, max_size=3))
    # The convention the mask reads by (plugins/surnames.py): a name that starts with a
    # two-character surname has it. 欧 + 阳明 is written exactly like 欧阳 + 明.
    assume(len(surname) == 2 or (surname + given_name)[:2] not in surnames.COMPOUND)
    return surname, given_name, surname + draw(SPACES) + given_name


@given(chinese_names())
def test_p_sec_1_a_masked_chinese_name_keeps_the_surname_only(
    name: tuple[str, str, str],
) -> None:
    surname, given_name, written = name
    masked = mask("name")(written)
    assert masked == surname + "**"
    assert not set(masked[len(surname) :]) & set(given_name)
    # The given name's length is not told either.
    assert masked == mask("name")(surname + "一" * 3)


@given(st.text(alphabet=HAN, min_size=1, max_size=6))
def test_p_sec_1_a_chinese_name_without_a_known_surname_keeps_nothing(written: str) -> None:
    assume(written[0] not in surnames.SINGLE and written[:2] not in surnames.COMPOUND)
    assert mask("name")(written) == REDACTED


@st.composite
def latin_names(draw: st.DrawFn) -> str:
    """Given-name first or surname first, with middle names, hyphens, apostrophes, initials, a
    comma, one word alone: the text never says which word is the surname."""
    words = draw(st.lists(LATIN_WORD, min_size=1, max_size=4))
    if draw(st.booleans()):
        at = draw(st.integers(min_value=0, max_value=len(words) - 1))
        words[at] = words[at] + draw(st.sampled_from(["-", "'"])) + draw(LATIN_WORD)
    if len(words) > 1 and draw(st.booleans()):
        words[0] = words[0][0] + "."
    joiner = draw(st.sampled_from([" ", "  ", ", "]))
    return draw(SPACES) + joiner.join(words) + draw(SPACES)


@given(latin_names())
def test_p_sec_1_a_masked_latin_name_keeps_nothing(written: str) -> None:
    """Wei Zhang (given name first) and Zhang Wei (surname first) look alike: even an initial
    may be the given name's."""
    assert mask("name")(written) == REDACTED


@given(
    chinese_names(),
    LATIN_WORD,
    st.sampled_from(["{s}{l}", "{l}{s}", "{s} {l}", "{s}·{g}", "{l}·{s}{g}", "{s}{g}{l}"]),
)
def test_p_sec_1_a_name_in_mixed_scripts_keeps_nothing(
    name: tuple[str, str, str], latin: str, layout: str
) -> None:
    surname, given_name, _ = name
    written = layout.format(s=surname, g=given_name, l=latin)
    assert mask("name")(written) == REDACTED


# Regions -------------------------------------------------------------------------------------


def forms(province: provinces.Province) -> list[str]:
    """Every way the province-level unit is written at the head of a region."""
    english = [
        spelled + suffix
        for name in province.english
        for spelled in (name, name.upper(), name.lower())
        for suffix in ("", " Province", " Municipality", " SAR")
    ]
    return [province.short, province.full, *english]


def is_form_of(province: provinces.Province, kept: str) -> bool:
    return kept.casefold() in {
        name.casefold() for name in (province.short, province.full, *province.english)
    }


@st.composite
def regions(draw: st.DrawFn) -> tuple[provinces.Province, str, str]:
    """(province-level unit, the place below it, the value as written)."""
    province = draw(st.sampled_from(ALL_PROVINCES))
    head = draw(st.sampled_from(forms(province)))
    place = draw(
        st.one_of(
            st.sampled_from(PLACES),
            st.text(alphabet=HAN, min_size=1, max_size=40),
            LATIN_WORD,
        )
    )
    separator = draw(st.one_of(SEPARATORS, st.just("")))
    return province, place, draw(SPACES) + head + separator + place + draw(SPACES)


@given(regions())
def test_p_sec_1_a_masked_region_keeps_at_most_its_province(
    region: tuple[provinces.Province, str, str],
) -> None:
    """Nothing after the province-level unit is kept: the value masks to *** or to that unit
    and ***, and the unit is the one written, not another."""
    province, _, written = region
    masked = mask("region")(written)
    assert masked != written
    kept = masked.removesuffix(REDACTED)
    assert masked == REDACTED or (masked != kept and is_form_of(province, kept)), (written, masked)
    masked_as_province = mask("province")(written)
    kept = masked_as_province.removesuffix(REDACTED)
    assert masked_as_province == REDACTED or is_form_of(province, kept)


@given(st.sampled_from(ALL_PROVINCES), SEPARATORS, st.sampled_from(PLACES))
def test_p_sec_1_a_full_province_name_then_a_place_keeps_the_province(
    province: provinces.Province, separator: str, place: str
) -> None:
    """Keeping less is allowed, but the masks are of no use if they hide the province too."""
    assert mask("region")(province.full + place) == province.full + REDACTED
    assert mask("region")(province.short + separator + place) == province.short + REDACTED
    assert mask("province")(province.full + place) == province.full + REDACTED


@given(
    st.one_of(
        st.sampled_from(PLACES), st.sampled_from(ALL_PROVINCES).map(forms).flatmap(st.sampled_from)
    )
)
def test_p_sec_1_one_place_name_alone_keeps_nothing_as_a_city(place: str) -> None:
    """A city field holding a city, a district, or a 直辖市 (北京): the city is what is hidden."""
    assert mask("region")(place) == REDACTED


@st.composite
def province_fields(draw: st.DrawFn) -> tuple[provinces.Province, str]:
    province = draw(st.sampled_from(ALL_PROVINCES))
    return province, draw(SPACES) + draw(st.sampled_from(forms(province))) + draw(SPACES)


@given(province_fields())
def test_p_sec_1_a_province_field_keeps_the_unit_it_names(
    field: tuple[provinces.Province, str],
) -> None:
    province, written = field
    assert is_form_of(province, mask("province")(written))


@given(st.sampled_from(PLACES), st.one_of(SEPARATORS, st.just("")), st.sampled_from(ALL_PROVINCES))
def test_p_sec_1_a_place_written_before_its_province_keeps_nothing(
    place: str, separator: str, province: provinces.Province
) -> None:
    """深圳市, 广东省 / Shenzhen, Guangdong: nothing marks where the city ends: nothing is kept."""
    assume(mask("province")(place) == REDACTED)  # 北京, 上海 are provinces themselves
    assert mask("region")(place + separator + province.full) == REDACTED


# Phones, e-mail, identifiers, companies, addresses -------------------------------------------


@st.composite
def phones(draw: st.DrawFn) -> tuple[str, str]:
    """(its digits, as masked; the number as written): mainland mobiles with and without +86 or
    0086, landlines with an area code, service numbers, short codes, long foreign ones."""
    digits = draw(
        st.from_regex(
            r"1[3-9]\d{9}|0\d{2,3}\d{7,8}|400\d{7}|\d{3,6}|[1-79]\d{11,14}", fullmatch=True
        )
    )
    mobile = len(digits) == 11 and digits.startswith("1")
    prefix = draw(st.sampled_from(["", "+86 ", "0086", "86"])) if mobile else ""
    written = prefix + digits
    if draw(st.booleans()):
        written = re.sub(r"(\d{4})(?=\d)", r"\1" + draw(st.sampled_from([" ", "-", ")"])), written)
    return digits, draw(SPACES) + written


@given(phones())
def test_p_sec_1_a_masked_phone_keeps_3_and_4_digits_with_4_or_more_hidden(
    phone: tuple[str, str],
) -> None:
    digits, written = phone
    masked = mask("phone")(written)
    assert masked != written
    if len(digits) < 11:
        assert masked == REDACTED
    else:
        assert masked == digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


@given(
    st.from_regex(r"[a-z0-9][a-z0-9._+-]{0,30}", fullmatch=True),
    st.one_of(
        st.sampled_from(sorted(PUBLIC)),
        st.from_regex(r"[a-z]{1,12}\.(com|cn|com\.cn|org)", fullmatch=True),
    ),
)
def test_p_sec_1_a_masked_email_keeps_one_character_and_a_public_domain_only(
    local: str, domain: str
) -> None:
    written = f"{local}@{domain.upper() if len(local) % 2 else domain}"
    masked = mask("email")(written)
    shown_local, _, shown_domain = masked.rpartition("@")
    assert masked != written
    assert shown_local == (local[0] if len(local) >= 4 else "") + REDACTED
    assert shown_domain == (domain if domain in PUBLIC else REDACTED)


@given(st.text(max_size=64))
def test_p_sec_1_a_masked_device_id_keeps_the_last_4_of_8_or_more(value: str) -> None:
    masked = mask("device_id")(value)
    kept = value.strip()
    assert masked == ("****" + kept[-4:] if len(kept) >= 8 else REDACTED)


@given(st.text(max_size=64))
def test_p_sec_1_a_masked_company_keeps_the_first_character_of_4_or_more(value: str) -> None:
    masked = mask("company")(value)
    kept = value.strip()
    assert masked == (kept[0] + REDACTED if len(kept) >= 4 else REDACTED)


@given(st.ip_addresses())
def test_p_sec_1_a_masked_ip_keeps_the_network_not_the_host(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> None:
    masked = network(mask("ip")(str(address)))
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    assert address in masked
    assert masked.prefixlen == (24 if address.version == 4 else 48)


@pytest.mark.parametrize("strategy", sorted(masking.STRATEGIES))
@given(value=st.sampled_from(["", " ", "\t\n", "\u3000", "*", REDACTED, "**", "@", "·"]))
def test_p_sec_1_empty_and_blank_values_keep_nothing(strategy: str, value: str) -> None:
    assert mask(strategy)(value) == REDACTED
