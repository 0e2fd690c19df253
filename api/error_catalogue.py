"""What each `extensions.code` means to the client that gets it, and the HTTP status it comes with.

`docs/errors.md` is rendered from this (`consentql docs errors`); a test fails when the two, or
this and `ErrorCode`, drift apart.
"""

from dataclasses import dataclass

from api.errors import ErrorCode

# The status of a GraphQL result: the operation ran (or was refused by GraphQL itself) and the
# answer is JSON with `errors`, and `data` where execution began.
IN_RESULT = "200"


@dataclass(frozen=True)
class CodeDoc:
    status: str
    meaning: str


CATALOGUE: dict[ErrorCode, CodeDoc] = {
    ErrorCode.VALIDATION_FAILED: CodeDoc(
        IN_RESULT,
        "An argument is wrong (a phone number, an email, a length, a date, a cursor). "
        "`extensions.field` names it; nothing was written.",
    ),
    ErrorCode.UNAUTHENTICATED: CodeDoc(
        IN_RESULT,
        "The field needs a signed-in caller and none was presented: sign in (`login`) or send "
        "a token as `Authorization: Bearer`.",
    ),
    ErrorCode.FORBIDDEN: CodeDoc(
        IN_RESULT,
        "The caller is known but may not do this (an admin-only field, another person's row), "
        "or a personal field is blocked by a restriction no consent can lift (a cancelled "
        "account, a recipient outside mainland China, a password). `extensions.category` names "
        "the data category of a blocked field.",
    ),
    ErrorCode.NOT_FOUND: CodeDoc(
        IN_RESULT, "No such row, or none this caller may see (the two are not told apart)."
    ),
    ErrorCode.CONFLICT: CodeDoc(
        IN_RESULT,
        "The request clashes with the current state (a phone or email already taken, a request "
        "already resolved, a version that exists); nothing was written.",
    ),
    ErrorCode.INVALID_CREDENTIALS: CodeDoc(
        IN_RESULT,
        "Sign-in refused: unknown login or wrong password (one message for both, so logins "
        "cannot be harvested).",
    ),
    ErrorCode.INVALID_TOKEN: CodeDoc(
        "401",
        "The `Authorization: Bearer` token is not one this API issued (mistyped, cut short, "
        "from another deployment). Never treated as anonymous: fix the token, or send none.",
    ),
    ErrorCode.TOKEN_EXPIRED: CodeDoc(
        "401",
        "The bearer token was valid and is no longer: a session past its lifetime (sign in "
        "again), an API client past its `expiresAt`, or a client token replaced by a rotation "
        "whose overlap has ended (use the new token).",
    ),
    ErrorCode.TOKEN_REVOKED: CodeDoc(
        "401",
        "The bearer token was ended on purpose: a signed-out or superseded session, a cancelled "
        "account, or a revoked API client. Ask the admin who issued it.",
    ),
    ErrorCode.ACCOUNT_LOCKED: CodeDoc(
        IN_RESULT,
        "Too many failed sign-ins for this login: locked for a while. `extensions.retryAfter` "
        "says how many seconds to wait.",
    ),
    ErrorCode.TOO_MANY_ATTEMPTS: CodeDoc(
        IN_RESULT,
        "Sign-in attempted too soon after a failure; `extensions.retryAfter` says how many "
        "seconds to wait. No password was checked.",
    ),
    ErrorCode.CONSENT_REQUIRED: CodeDoc(
        IN_RESULT,
        "A personal field is blocked because the person has not consented to this viewer "
        "(an API client's recipient and purpose); they could. The field is null and "
        "`extensions.category` names the data category.",
    ),
    ErrorCode.BAD_REQUEST: CodeDoc(
        f"400; {IN_RESULT} for a document of several operations sent without `operationName`",
        "The request is not a GraphQL request this API can read: body not JSON or not an "
        "object, no `query`, `variables` or `extensions` of the wrong type, an unknown "
        "`operationName`, or a persisted query of an unsupported version.",
    ),
    ErrorCode.METHOD_NOT_ALLOWED: CodeDoc(
        "405",
        "Operations are sent only as a POST with `Content-Type: application/json` (GET serves "
        "GraphiQL alone).",
    ),
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: CodeDoc(
        "415", "The POST is not `application/json` (forms, multipart, text are refused: CSRF)."
    ),
    ErrorCode.BATCHING_DISABLED: CodeDoc(
        "400", "The body is a JSON array (a batch): send one operation per request."
    ),
    ErrorCode.PAYLOAD_TOO_LARGE: CodeDoc(
        "413", "The body is over `CONSENTQL_MAX_BODY_BYTES` (256 KiB by default)."
    ),
    ErrorCode.SERVICE_UNAVAILABLE: CodeDoc(
        f"503; {IN_RESULT} when it happens inside a field",
        "The database cannot be reached now. Nothing is told of why; retry later.",
    ),
    ErrorCode.INTERNAL_SERVER_ERROR: CodeDoc(
        f"500; {IN_RESULT} when it happens inside a field",
        "An error of ours, masked as 'Unexpected error.'. Quote the `X-Request-Id` response "
        "header when reporting it.",
    ),
    ErrorCode.GRAPHQL_PARSE_FAILED: CodeDoc(IN_RESULT, "The document is not valid GraphQL syntax."),
    ErrorCode.GRAPHQL_VALIDATION_FAILED: CodeDoc(
        IN_RESULT,
        "The document does not fit the schema (an unknown field, a missing argument). "
        "Suggestions ('Did you mean') are shown to admins only.",
    ),
    ErrorCode.BAD_USER_INPUT: CodeDoc(
        IN_RESULT,
        "A variable has the wrong type or shape (a number for a string, an unknown enum value, "
        "a missing input field).",
    ),
    ErrorCode.QUERY_TOO_DEEP: CodeDoc(
        IN_RESULT, "The operation nests fields deeper than `CONSENTQL_QUERY_MAX_DEPTH` (6)."
    ),
    ErrorCode.TOO_MANY_ALIASES: CodeDoc(
        IN_RESULT, "The operation uses more aliases than `CONSENTQL_QUERY_MAX_ALIASES` (15)."
    ),
    ErrorCode.TOO_MANY_DIRECTIVES: CodeDoc(
        IN_RESULT, "The operation uses more than 50 directives."
    ),
    ErrorCode.TOO_MANY_TOKENS: CodeDoc(IN_RESULT, "The document has more than 1000 tokens."),
    ErrorCode.TOO_MANY_ROOT_FIELDS: CodeDoc(
        IN_RESULT, "The operation selects more than 10 root fields."
    ),
    ErrorCode.QUERY_TOO_COSTLY: CodeDoc(
        IN_RESULT,
        "The operation could return more objects than `CONSENTQL_QUERY_MAX_COST` (5000): page "
        "sizes (`first`/`last`, 20 when omitted) multiply what they hold. Ask for smaller pages.",
    ),
    ErrorCode.INTROSPECTION_DISABLED: CodeDoc(
        IN_RESULT,
        "In production, `__schema` and `__type` are for signed-in callers only: sign in, then "
        "fetch the schema again (GraphiQL: re-fetch the schema after `login`).",
    ),
    ErrorCode.PERSISTED_QUERY_NOT_FOUND: CodeDoc(
        IN_RESULT,
        "The document of `extensions.persistedQuery.sha256Hash` is not known here (automatic "
        "persisted queries): send the request again with `query` and the same extensions.",
    ),
    ErrorCode.PERSISTED_QUERY_HASH_MISMATCH: CodeDoc(
        "400", "`sha256Hash` is not the SHA-256 (hex) of the `query` sent with it."
    ),
    ErrorCode.DOCUMENT_NOT_TRUSTED: CodeDoc(
        "403",
        "This deployment runs trusted documents only (`CONSENTQL_TRUSTED_DOCUMENTS_ONLY`) and "
        "the document is not one of them: ask the operator to add it "
        "(`consentql documents add`).",
    ),
}


def markdown() -> str:
    """docs/errors.md."""
    lines = [
        "# Error codes",
        "",
        "<!-- Generated by `consentql docs errors` from api/error_catalogue.py; do not edit. -->",
        "",
        "Every error the API returns carries `extensions.code`, one of the codes below. A request",
        "refused before GraphQL reads it (wrong method, body, token) gets the HTTP status shown",
        "and a body of the same shape with no `data`; an error of an operation that ran comes",
        f"with HTTP {IN_RESULT}, beside whatever `data` could be given. Messages are for people",
        "and may change; branch on the code.",
        "",
        "| code | HTTP status | meaning |",
        "|---|---|---|",
    ]
    for code in ErrorCode:
        doc = CATALOGUE[code]
        lines.append(f"| `{code}` | {doc.status} | {doc.meaning} |")
    return "\n".join(lines) + "\n"
