"""Validation at the edge: a clear error naming the field, before anything is written.

Input for a personal column is checked by that column's declaration (`models.personal`): its
format, and its length, which is the database column's own (or a free text's declared maximum),
so the limit cannot drift from what the table holds.
"""

import unicodedata
from typing import overload

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from tortoise.models import Model

from api.errors import invalid
from models.personal import Format, declaration_of

# What a person may write in their own words beyond one line of text.
LINE_BREAKS = frozenset("\n\t")

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


def text(
    value: str,
    field: str,
    *,
    max_length: int,
    required: bool = True,
    allowed: frozenset[str] = frozenset(),
) -> str:
    cleaned = unicodedata.normalize("NFC", value).strip()
    if required and not cleaned:
        raise invalid(field, f"{field} is required")
    if len(cleaned) > max_length:
        raise invalid(field, f"{field} is longer than {max_length} characters")
    if any(unicodedata.category(char).startswith("C") and char not in allowed for char in cleaned):
        raise invalid(field, f"{field} contains control characters")
    return cleaned


@overload
def checked(model: type[Model], column: str, value: str, field: str) -> str: ...


@overload
def checked(
    model: type[Model], column: str, value: str, field: str, *, required: bool
) -> str | None: ...


def checked(
    model: type[Model], column: str, value: str, field: str, *, required: bool = True
) -> str | None:
    """`value` for the personal column `model.column`, as its declaration says to take it;
    not required, blank is None. `field` names the input in the error."""
    declared = declaration_of(model)[column]
    if declared.format is Format.PHONE:
        return mainland_mobile(value, field) if required or value.strip() else None
    if declared.format is Format.EMAIL:
        return email_address(value, field) if required or value.strip() else None
    if declared.format not in (Format.TEXT, Format.FREE_TEXT):
        raise ValueError(f"{model.__name__}.{column} is not taken from input")
    max_length = declared.max_length or model._meta.fields_map[column].max_length
    allowed = LINE_BREAKS if declared.format is Format.FREE_TEXT else frozenset()
    cleaned = text(value, field, max_length=max_length, required=required, allowed=allowed)
    return cleaned or None


def optional(model: type[Model], column: str, value: str | None, field: str) -> str | None:
    """Like `checked`, for input that may be left out: absent or blank is None."""
    if value is None:
        return None
    return checked(model, column, value, field, required=False)


def document_text(value: str, field: str, *, max_length: int) -> str:
    """A multi-line document kept exactly as given (its digest is of these characters), but
    for line endings, which become "\n"."""
    cleaned = value.replace("\r\n", "\n").replace("\r", "\n")
    if not cleaned.strip():
        raise invalid(field, f"{field} is required")
    if len(cleaned) > max_length:
        raise invalid(field, f"{field} is longer than {max_length} characters")
    if any(
        unicodedata.category(char).startswith("C") and char not in LINE_BREAKS for char in cleaned
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
