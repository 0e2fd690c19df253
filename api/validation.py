"""Validation at the edge: a clear error naming the field, before anything is written."""

import unicodedata

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from api.errors import invalid

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128


def mainland_mobile(value: str, field: str = "phone") -> str:
    """A mainland China mobile number, normalized to its 11-digit national form."""
    try:
        number = phonenumbers.parse(value, "CN")
    except phonenumbers.NumberParseException:
        raise invalid(field, "not a phone number") from None
    if (
        number.country_code != 86
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE
    ):
        raise invalid(field, "not a mainland China mobile number")
    return str(number.national_number)


def email_address(value: str, field: str = "email") -> str:
    """A syntactically valid address (RFC 5322, internationalized), normalized, lower-cased."""
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError as error:
        raise invalid(field, f"not a valid email address: {error}") from None
    return result.normalized.lower()


def text(value: str, field: str, *, max_length: int, required: bool = True) -> str:
    cleaned = unicodedata.normalize("NFC", value).strip()
    if required and not cleaned:
        raise invalid(field, f"{field} is required")
    if len(cleaned) > max_length:
        raise invalid(field, f"{field} is longer than {max_length} characters")
    if any(unicodedata.category(char).startswith("C") for char in cleaned):
        raise invalid(field, f"{field} contains control characters")
    return cleaned


# Line breaks and tabs are a document's layout; every other control character is refused.
DOCUMENT_LAYOUT = frozenset("\n\t")


def document_text(value: str, field: str, *, max_length: int) -> str:
    """A multi-line document kept exactly as given (its digest is of these characters), but
    for line endings, which become "\n"."""
    cleaned = value.replace("\r\n", "\n").replace("\r", "\n")
    if not cleaned.strip():
        raise invalid(field, f"{field} is required")
    if len(cleaned) > max_length:
        raise invalid(field, f"{field} is longer than {max_length} characters")
    if any(
        unicodedata.category(char).startswith("C") and char not in DOCUMENT_LAYOUT
        for char in cleaned
    ):
        raise invalid(field, f"{field} contains control characters")
    return cleaned


def optional_text(value: str | None, field: str, *, max_length: int) -> str | None:
    """Like `text`, for a field that may be left out: absent or blank is None."""
    if value is None:
        return None
    return text(value, field, max_length=max_length, required=False) or None


def password(value: str, phone: str | None, field: str = "password") -> str:
    if len(value) < MIN_PASSWORD_LENGTH:
        raise invalid(field, f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(value) > MAX_PASSWORD_LENGTH:
        raise invalid(field, f"the password is longer than {MAX_PASSWORD_LENGTH} characters")
    if phone and phone in value:
        raise invalid(field, "the password must not contain the phone number")
    return value


def login_identifier(value: str) -> tuple[str, str]:
    """('phone' | 'email', normalized value) for what a person types to sign in."""
    if "@" in value:
        return "email", email_address(value, "login")
    return "phone", mainland_mobile(value, "login")
