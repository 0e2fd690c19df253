"""The controller and how to reach it, as each policy version names them (P-CONTACT-1)."""

from dataclasses import dataclass

from models.consent import PolicyVersion

# The policy promises an answer within 15 days (P-CONTACT-1, P-RIGHTS-4).
ANSWER_WITHIN_DAYS = 15


@dataclass
class Contact:
    """The controller and how to reach it, as a policy version names them (P-CONTACT-1)."""

    controller: str
    phone: str
    email: str
    registered_address: str
    contact_address: str
    answer_within_days: int


def contact_of(policy: PolicyVersion) -> Contact:
    return Contact(
        controller=policy.controller,
        phone=policy.contact_phone,
        email=policy.contact_email,
        registered_address=policy.registered_address,
        contact_address=policy.contact_address,
        answer_within_days=ANSWER_WITHIN_DAYS,
    )
