"""The policy the portal was founded on (2022-06-07), stored with its real text and its digest.

Every consent names the policy version it was given under (P-UPDATE-1), so a database must hold
one version before anyone can consent; `consentql migrate` (and so `serve`) stores this one when
none exists, and gives its text to a founding version stored before texts were kept (its digest
says it is this text). Later versions are published by admins (api.policy.service.publish).
"""

from datetime import UTC, datetime
from pathlib import Path

from models.consent import PolicyVersion, text_digest

VERSION = "2022-06-07"
TEXT = Path(__file__).parent / "texts" / f"{VERSION}.zh.md"
SUMMARY = (
    "用户隐私协议：收集和使用、Cookie 与 Do Not Track、共享转让与公开披露、"
    "存储与保护、用户权利、协议更新与联系方式。"
)
# P-CONTACT-1: as the policy's section 八 names them.
CONTROLLER = "中国移动通信有限公司政企客户分公司"
REGISTERED_ADDRESS = "北京市东城区后永康胡同 17 号 106A 室"
CONTACT_PHONE = "400-1100-868"
CONTACT_EMAIL = "zqservice@chinamobile.com"
CONTACT_ADDRESS = "北京市海淀区知春路北航致真大厦 政企能力支撑部 (收)"


def founding_text() -> str:
    return TEXT.read_text(encoding="utf-8")


async def ensure_founding_policy() -> PolicyVersion:
    published = datetime(2022, 6, 7, tzinfo=UTC)
    text = founding_text()
    policy, _ = await PolicyVersion.get_or_create(
        version=VERSION,
        defaults={
            "published_at": published,
            "effective_at": published,
            "digest": text_digest(text),
            "text": text,
            "summary": SUMMARY,
            "requires_fresh_consent": False,
            "controller": CONTROLLER,
            "contact_phone": CONTACT_PHONE,
            "contact_email": CONTACT_EMAIL,
            "registered_address": REGISTERED_ADDRESS,
            "contact_address": CONTACT_ADDRESS,
        },
    )
    if policy.text is None and policy.digest == text_digest(text):
        policy.text = text
        await policy.save(update_fields=["text"])
    return policy
