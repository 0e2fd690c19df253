"""Validation of what consents, API clients and legal grants name: categories, purposes, regions."""

import re
from collections.abc import Sequence

from api.errors import invalid
from plugins.builtin.credentials import CREDENTIAL
from plugins.categories import catalogue

_PURPOSE = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")
_REGION = re.compile(r"^[A-Z]{2}$")


def grantable_categories(values: Sequence[str], field: str = "categories") -> list[str]:
    """Known catalogue ids, at least one, each once; the password is never grantable (P-SEC-2)."""
    known = catalogue()
    chosen = list(dict.fromkeys(value.strip() for value in values))
    if not chosen:
        raise invalid(field, "name at least one data category")
    for category in chosen:
        if category not in known:
            raise invalid(field, f"{category!r} is not a data category (see dataCategories)")
        if category == CREDENTIAL:
            raise invalid(field, f"{CREDENTIAL} is never disclosed, so it cannot be granted")
    return chosen


def purpose(value: str, field: str = "purpose") -> str:
    cleaned = value.strip()
    if not _PURPOSE.match(cleaned):
        raise invalid(
            field, "a purpose is 1-64 characters: lower-case letters, digits, '_', '.', '-'"
        )
    return cleaned


def purposes(values: Sequence[str], field: str = "purposes") -> list[str]:
    chosen = list(dict.fromkeys(purpose(value, field) for value in values))
    if not chosen:
        raise invalid(field, "name at least one purpose")
    return chosen


def region(value: str, field: str = "region") -> str:
    """An ISO 3166 alpha-2 code; CN means mainland China (HK, MO, TW are outside, P-REGION-1)."""
    code = value.strip().upper()
    if not _REGION.match(code):
        raise invalid(field, "a region is an ISO 3166 alpha-2 code such as CN")
    return code
