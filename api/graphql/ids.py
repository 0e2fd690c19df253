"""IDs on the wire are strings; a malformed one is simply not found (existence is not revealed)."""

import strawberry

from api.errors import not_found

MAX_ID = 2**31 - 1


def parse_id(value: strawberry.ID | str, what: str) -> int:
    text = str(value)
    if text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID:
        return int(text)
    raise not_found(what)
