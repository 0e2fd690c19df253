"""Mask strategies and the data-category catalogue (P-SEC-1, P-RETAIN-1)."""

from datetime import UTC, datetime

import pytest

from plugins import masking
from plugins.categories import catalogue, parse_category
from plugins.decision import Effect

REQUIRED = {
    "contact.phone",
    "contact.email",
    "identity.name",
    "org.company",
    "location.region",
    "network.ip",
    "device.id",
    "device.info",
    "activity.orders",
    "activity.reservations",
    "activity.logins",
    "credential.password",
}


@pytest.mark.parametrize(
    ("strategy", "value", "masked"),
    [
        ("phone", "13812341234", "138****1234"),
        ("phone", "+86 138-1234-1234", "138****1234"),
        ("phone", "008613812341234", "138****1234"),
        ("phone", "0755-8888-1234", "075*****1234"),
        # 3 + 4 of 10 digits would leave 3 hidden: too few.
        ("phone", "400-1100-868", "***"),
        ("phone", "12345", "***"),
        ("email", "zhang.san@qq.com", "z***@qq.com"),
        ("email", "Zhang.San@Gmail.COM", "Z***@gmail.com"),
        # A company's own domain names the employer.
        ("email", "zhang.san@example.com", "z***@***"),
        ("email", "zs@163.com", "***@163.com"),
        ("email", "not-an-email", "***"),
        ("email", "@example.com", "***"),
        ("name", "张三丰", "张**"),
        ("name", "张三", "张**"),
        ("name", "张 三", "张**"),
        ("name", "欧阳修", "欧阳**"),
        ("name", "司马懿", "司马**"),
        ("name", "欧阳", "欧**"),
        ("name", "张", "***"),
        # Given name first or last: the text cannot tell, so nothing is kept.
        ("name", "Wei Zhang", "***"),
        ("name", "Zhang Wei", "***"),
        ("name", "张Wei", "***"),
        # No surname first: a Tibetan name, a transliterated one.
        ("name", "扎西多吉", "***"),
        ("name", "买买提·艾力", "***"),
        ("ip", "10.1.2.3", "10.1.2.0/24"),
        ("ip", "::ffff:10.1.2.3", "10.1.2.0/24"),
        ("ip", "2001:db8:1:2::1", "2001:db8:1::/48"),
        ("ip", "not an ip", "***"),
        ("device_id", "A1B2C3D4ABCD", "****ABCD"),
        ("device_id", "ABCDEFG", "***"),
        ("region", "广东省深圳市", "广东省***"),
        ("region", "广东 深圳", "广东***"),
        ("region", "广西壮族自治区南宁市", "广西壮族自治区***"),
        ("region", "香港特别行政区九龙城区", "香港特别行政区***"),
        ("region", "Guangdong Province, Shenzhen", "Guangdong***"),
        # A 直辖市 is province-level: its district is what is hidden.
        ("region", "北京市朝阳区", "北京市***"),
        # One place name alone is the city field's city, whatever its level.
        ("region", "北京", "***"),
        ("region", "广东省", "***"),
        ("region", "广州市天河区", "***"),
        ("region", "广州市", "***"),
        ("region", "天河区", "***"),
        ("region", "深圳", "***"),
        # Cities that share a province's name are not the province.
        ("region", "吉林市", "***"),
        ("region", "海南藏族自治州", "***"),
        ("region", "Jilin City", "***"),
        ("province", "广东", "广东"),
        ("province", "北京市", "北京市"),
        ("province", "guangdong", "Guangdong"),
        ("province", "广东省深圳市", "广东省***"),
        ("province", "深圳", "***"),
        ("company", "中国电信", "中***"),
        ("company", "腾讯", "***"),
        ("company", "", "***"),
        ("redact", "anything", "***"),
    ],
)
def test_p_sec_1_masks(strategy: str, value: str, masked: str) -> None:
    assert masking.apply(strategy, value) == masked


@pytest.mark.parametrize("strategy", sorted(masking.STRATEGIES))
def test_p_sec_1_masks_withhold_what_is_not_text(strategy: str) -> None:
    """No partial form: the API blocks such a field rather than show it under a masked label."""
    assert masking.apply(strategy, datetime(2026, 11, 2, tzinfo=UTC)) is None
    assert masking.apply(strategy, True) is None
    assert masking.apply(strategy, Effect.MASK) is None  # an enum value is text, but not plain


def test_catalogue_holds_every_required_category_with_a_known_mask() -> None:
    categories = catalogue()
    assert set(categories) >= REQUIRED
    for category in categories.values():
        assert category.mask in masking.STRATEGIES
        assert category.default_effect in (Effect.MASK, Effect.BLOCK)
        assert category.description
        assert category.masked_keeps


def test_p_retain_1_every_data_category_has_a_retention_rule() -> None:
    """A period in days where the data expires, or none with the basis that keeps it (the
    account's life, a legal duty); the retention job takes its periods from here."""
    for category in catalogue().values():
        assert category.retention_basis, category.id
        assert category.retention_days is None or category.retention_days > 0, category.id


def test_password_is_blocked_by_default_and_sensitive() -> None:
    password = catalogue()["credential.password"]
    assert password.default_effect is Effect.BLOCK
    assert password.sensitive


def test_catalogue_refuses_an_unknown_mask_strategy() -> None:
    raw = {
        "id": "x.y",
        "description": "d",
        "sensitive": False,
        "default_effect": "MASK",
        "mask": "rot13",
        "masked_keeps": "k",
        "retention_days": None,
        "retention_basis": "b",
    }
    with pytest.raises(ValueError, match="rot13"):
        parse_category(raw)
    with pytest.raises(ValueError, match="MASK or BLOCK"):
        parse_category({**raw, "mask": "redact", "default_effect": "ALLOW"})
    with pytest.raises(ValueError, match="may keep"):
        parse_category({**raw, "mask": "redact", "masked_keeps": " "})


def test_unknown_category_is_a_clear_error() -> None:
    with pytest.raises(KeyError, match="unknown data category"):
        catalogue()["contact.fax"]
