"""P-SEC-4, P-COLLECT-1, P-RIGHTS-2: malformed input to every mutation is refused with a code and
changes nothing.

For each mutation in the schema, two kinds of bad input:
- type-level, generated from the schema: a wrong JSON type for every leaf, null for every
  required value, a missing required field, an unknown field, an unknown enum value;
- semantic, written per mutation: empty, huge, control characters, SQL and script fragments,
  invalid phone numbers, emails and amounts, unknown and foreign IDs.
Each must come back as errors that all carry `extensions.code`, no data for the mutation, and a
database equal, row for row, to what it was before.
"""

import copy
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    Undefined,
    get_named_type,
)
from tortoise import connections

from api.graphql.schema import build_schema
from api.settings import Settings
from models.clock import utcnow
from tests.conftest import (
    POSTGRES_URL,
    admin_token,
    gql,
    is_server_fault,
    person,
    registration_input,
)
from tests.sharing import (
    create_affiliate,
    grant,
    ok,
    person_with_id,
    publish_policy,
    second_admin_token,
)

SCHEMA = build_schema(Settings())._schema
MUTATIONS = SCHEMA.mutation_type.fields if SCHEMA.mutation_type else {}

Variables = dict[str, Any]
Case = tuple[str, Variables]

SQL = ["' OR '1'='1", "1; DROP TABLE account; --"]
SCRIPT = ["<script>alert(1)</script>", "javascript:alert(1)"]
CONTROL = ["a\x00b", "a\u202eb", "line\nbreak\x1b[31m"]
HUGE = "x" * 100_000
EMPTY = ["", "   "]
BAD_PHONES = [
    *EMPTY,
    HUGE,
    *CONTROL[:1],
    *SQL,
    *SCRIPT[:1],
    "12345",
    "+1 202 555 0143",
    "1380013000a",
    "010-12345678",
]
NOT_MOBILES = ["+86 10 6552 9988", "400-1100-868", "+852 9123 4567", "1" * 12]
BAD_CODES = ["", "12345", "1234567", "abcdef", "１２３４５６", "12 456", HUGE, *SQL[:1]]
BAD_EMAILS = [*EMPTY, HUGE + "@example.com", "a\x00b@example.com", *SQL, *SCRIPT, "plain", "a@"]
BAD_TEXT = [*EMPTY, HUGE, *CONTROL]
BAD_IDS = [
    *EMPTY,
    "0",
    "-1",
    "1.5",
    "1e3",
    "0x10",
    "+1",
    " 1",
    "9" * 40,
    "١٢",
    HUGE,
    *SQL,
    *SCRIPT[:1],
    "\x00",
    "999999",
]
BAD_AMOUNTS = ["-1", "-0.01", "abc", "NaN", "Infinity", "1e400", "0.001", "1" * 40, *SQL[:1], ""]
BAD_TIMES = ["not a time", "2026-13-45T00:00:00", "", *SQL[:1], HUGE]
BAD_CATEGORIES = [["no.such.category"], [""], [HUGE], ["contact.phone\x00"], SQL[:1]]


def operation(name: str) -> str:
    """`mutation($a: T!, ...) { name(a: $a, ...) { __typename } }`, from the schema."""
    field = MUTATIONS[name]
    declared = ", ".join(f"${arg}: {spec.type}" for arg, spec in field.args.items())
    passed = ", ".join(f"{arg}: ${arg}" for arg in field.args)
    selection = (
        "" if isinstance(get_named_type(field.type), GraphQLScalarType) else " { __typename }"
    )
    head = f"mutation({declared})" if declared else "mutation"
    call = f"{name}({passed})" if passed else name
    return f"{head} {{ {call}{selection} }}"


WRONG_TYPES: dict[str, list[Any]] = {
    "String": [5, 1.5, True, {"a": 1}],
    "ID": [1.5, True, {"a": 1}],
    "Int": ["5", 1.5, True],
    "Boolean": ["true", 1],
    "Decimal": [True, {"a": 1}, "abc"],
    "DateTime": [5, True, "not a time"],
}


def replaced(variables: Variables, path: tuple[Any, ...], value: Any) -> Variables:
    changed = copy.deepcopy(variables)
    target = changed
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return changed


def removed(variables: Variables, path: tuple[Any, ...]) -> Variables:
    changed = copy.deepcopy(variables)
    target = changed
    for step in path[:-1]:
        target = target[step]
    del target[path[-1]]
    return changed


def type_level(base: Variables, path: tuple[Any, ...], kind: GraphQLInputType) -> Iterator[Case]:
    """Values GraphQL itself must refuse, for the value at `path` of type `kind`."""
    label = ".".join(map(str, path))
    if isinstance(kind, GraphQLNonNull):
        yield f"{label}=null", replaced(base, path, None)
        kind = kind.of_type
    if isinstance(kind, GraphQLList):
        yield f"{label}=[null]", replaced(base, path, [None])
        yield f"{label}={{}}", replaced(base, path, {"a": 1})
        return
    if isinstance(kind, GraphQLEnumType):
        for value in ("NOT_A_VALUE", next(iter(kind.values)).lower(), 5):
            yield f"{label}={value!r}", replaced(base, path, value)
    elif isinstance(kind, GraphQLScalarType):
        for value in WRONG_TYPES[kind.name]:
            yield f"{label}={value!r}", replaced(base, path, value)
    elif isinstance(kind, GraphQLInputObjectType):
        given = _at(base, path)
        if not isinstance(given, dict):
            return
        yield f"{label}+unknown", replaced(base, (*path, "unknownField"), 1)
        for name, field in kind.fields.items():
            required = isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined
            if required and name in given:
                yield f"{label}-{name}", removed(base, (*path, name))
            if name in given:
                yield from type_level(base, (*path, name), field.type)


def _at(variables: Variables, path: tuple[Any, ...]) -> Any:
    value: Any = variables
    for step in path:
        value = value.get(step) if isinstance(value, dict) else None
    return value


def generated(name: str, base: Variables) -> list[Case]:
    cases: list[Case] = []
    for arg, spec in MUTATIONS[name].args.items():
        if arg in base:
            cases.extend(type_level(base, (arg,), spec.type))
    return cases


def each(path: tuple[Any, ...], values: list[Any], base: Variables) -> list[Case]:
    label = ".".join(map(str, path))
    return [(f"{label}={value!r:.40}", replaced(base, path, value)) for value in values]


class World(dict[str, Any]):
    """IDs and tokens the cases refer to: person A signs in; B's things are foreign to A."""


@pytest.fixture
async def world(client: httpx.AsyncClient, settings: Settings) -> World:
    await publish_policy()
    admin = await admin_token(client, settings)
    second = await second_admin_token(client, settings)
    a, a_id = await person_with_id(client, 10)
    b, b_id = await person_with_id(client, 11)
    affiliate = await create_affiliate(client, admin)
    successor = await create_affiliate(client, admin, name="新通信集团", purposes=("transfer",))
    offshore = await create_affiliate(
        client, admin, name="海外集团", region="HK", purposes=("transfer",)
    )
    issued = ok(
        await gql(
            client,
            "mutation($i: IssueApiClientInput!) { issueApiClient(input: $i) { client { id } } }",
            {
                "i": {
                    "affiliateId": affiliate,
                    "name": "工单",
                    "purpose": "support",
                    "categories": ["contact.phone"],
                }
            },
            token=admin,
        )
    )["issueApiClient"]["client"]["id"]
    reservation = {
        "product": "5G 套餐",
        "phone": "13900139001",
        "name": "李四",
        "email": "li.si@example.com",
        "province": "北京",
        "city": "北京",
    }
    reserve = "mutation($i: CreateReservationInput!) { createReservation(input: $i) { id } }"
    a_reservation = ok(await gql(client, reserve, {"i": reservation}, token=a))
    b_reservation = ok(await gql(client, reserve, {"i": reservation}, token=b))
    a_consent = await grant(client, a, affiliate)
    b_consent = await grant(client, b, affiliate)
    legal = ok(
        await gql(
            client,
            "mutation($i: LegalAccessInput!) { grantLegalAccess(input: $i) { id } }",
            {"i": legal_input(a_id)},
            token=admin,
        )
    )["grantLegalAccess"]["id"]
    request = ok(
        await gql(
            client,
            "mutation($i: SubmitPrivacyRequestInput!) { submitPrivacyRequest(input: $i) { id } }",
            {"i": {"kind": "ACCESS", "details": "请提供我的数据"}},
            token=a,
        )
    )["submitPrivacyRequest"]["id"]
    ok(
        await gql(
            client,
            "mutation($i: ReportIncidentInput!) { reportIncident(input: $i) { id } }",
            {"i": incident([a_id, b_id])},
            token=admin,
        )
    )
    recorded = ok(
        await gql(
            client,
            "mutation($i: RecordTransferInput!) { recordTransfer(input: $i) { id } }",
            {"i": transfer_input(successor)},
            token=admin,
        )
    )["recordTransfer"]["id"]
    invitation = ok(
        await gql(
            client,
            "mutation($i: InvitePartnerInput!) { invitePartner(input: $i) { token } }",
            {"i": {"affiliateId": affiliate}},
            token=admin,
        )
    )["invitePartner"]["token"]
    a_notification, b_notification = [
        ok(await gql(client, "{ myNotifications { edges { node { id } } } }", token=token))[
            "myNotifications"
        ]["edges"][0]["node"]["id"]
        for token in (a, b)
    ]
    code = (await registration_input(client, 12))["code"]
    # Every call below says who makes it; none rides on the last sign-in's cookie.
    client.cookies.clear()
    return World(
        anonymous=None,
        person=a,
        person_id=a_id,
        other_id=b_id,
        admin=admin,
        second_admin=second,
        affiliate=affiliate,
        successor=successor,
        offshore=offshore,
        api_client=issued,
        reservation=a_reservation["createReservation"]["id"],
        foreign_reservation=b_reservation["createReservation"]["id"],
        consent=a_consent["id"],
        foreign_consent=b_consent["id"],
        legal_grant=legal,
        privacy_request=request,
        notification=a_notification,
        foreign_notification=b_notification,
        registration_code=code,
        partner_invitation=invitation,
        transfer=recorded,
    )


def legal_input(subject_id: str) -> dict[str, Any]:
    return {
        "ground": "CRIMINAL_INVESTIGATION",
        "reference": "京公(刑)字〔2026〕第 117 号",
        "subjectId": subject_id,
        "categories": ["contact.phone"],
        "expiresAt": (utcnow() + timedelta(days=7)).isoformat(),
    }


def id_cases(arg: str, base: Variables, *foreign: str) -> list[Case]:
    return each((arg,), [*BAD_IDS, *foreign], base)


Spec = tuple[str, Callable[[World], Variables], Callable[[World, Variables], list[Case]]]

# mutation -> (who calls it, a valid input, the semantic bad inputs built on it)
SPECS: dict[str, Spec] = {
    "requestRegistrationCode": (
        "anonymous",
        lambda w: {"phone": "13800130013"},
        lambda w, v: each(("phone",), [*BAD_PHONES, *NOT_MOBILES], v),
    ),
    "register": (
        "anonymous",
        lambda w: {"input": {**person(12), "code": w["registration_code"]}},
        lambda w, v: [
            *each(("input", "phone"), BAD_PHONES, v),
            *each(("input", "code"), BAD_CODES, v),
            *each(("input", "email"), BAD_EMAILS, v),
            *each(("input", "name"), BAD_TEXT, v),
            *each(("input", "company"), BAD_TEXT, v),
            *each(("input", "password"), ["", "short", "x" * 129, "ab13800130012xyz"], v),
            # Someone else's phone, whatever the spacing: no code of this one's fits it. (A
            # taken email costs the code: tests/accounts/test_registration.py.)
            *each(("input", "phone"), ["13800130010", "+86 138 0013 0010"], v),
        ],
    ),
    "login": (
        "anonymous",
        lambda w: {"input": {"login": "13800130010", "password": "correct horse battery"}},
        lambda w, v: [
            *each(("input", "login"), BAD_PHONES, v),
            *each(("input", "login"), ["a@", "<script>@x", "' OR 1=1 --@example.com"], v),
            *each(("input", "client"), [{"devicePhone": p} for p in ("12345", HUGE)], v),
            *each(("input", "client"), [{"os": HUGE}, {"networkType": "4G\x00"}], v),
            *each(("input", "client"), [{"clientVersion": "x" * 33}], v),
        ],
    ),
    "logout": ("person", lambda w: {}, lambda w, v: []),  # see WITHOUT_ARGUMENTS
    "changePassword": (
        "person",
        lambda w: {"oldPassword": "correct horse battery", "newPassword": "a new password 1"},
        lambda w, v: [
            *each(("oldPassword",), ["", "wrong password", HUGE, *SQL, "correct horse"], v),
            *each(("newPassword",), ["", "short", "x" * 129, HUGE, "x13800130010x"], v),
        ],
    ),
    "updateProfile": (
        "person",
        lambda w: {"input": {"name": "王五"}},
        lambda w, v: [
            ("nothing", {"input": {}}),
            # Someone else's number without a code: a new phone needs the code sent to it.
            *each(("input", "phone"), [*BAD_PHONES, "13800130011"], v),
            *each(("input",), [{"phone": "13800130014", "phoneCode": c} for c in BAD_CODES], v),
            # (A taken email is refused and its holder told: tests/accounts/test_profile.py.)
            *each(("input", "email"), BAD_EMAILS, v),
            *each(("input", "name"), BAD_TEXT, v),
            *each(("input", "province"), ["x" * 33, *CONTROL], v),
        ],
    ),
    "requestPhoneChangeCode": (
        "person",
        lambda w: {"phone": "13800130014"},
        # 13800130010 is the person's own number already.
        lambda w, v: each(("phone",), [*BAD_PHONES, *NOT_MOBILES, "13800130010"], v),
    ),
    "placeOrder": (
        "person",
        lambda w: {
            "input": {
                "kind": "SUBSCRIPTION",
                "product": "5G",
                "productType": "MOBILE",
                "amount": "99.00",
            }
        },
        lambda w, v: [
            *each(("input", "amount"), BAD_AMOUNTS, v),
            *each(("input", "product"), BAD_TEXT, v),
            *each(("input", "kind"), ["subscription", *SQL[:1]], v),
        ],
    ),
    "createReservation": (
        "person",
        lambda w: {
            "input": {
                "product": "宽带",
                "phone": "13900139002",
                "name": "赵六",
                "email": "zhao@example.com",
                "province": "上海",
                "city": "上海",
            }
        },
        lambda w, v: [
            *each(("input", "phone"), BAD_PHONES, v),
            *each(("input", "email"), BAD_EMAILS, v),
            *each(("input", "name"), BAD_TEXT, v),
            *each(("input", "city"), BAD_TEXT, v),
            *each(("input", "preferredTime"), BAD_TIMES, v),
        ],
    ),
    "cancelReservation": (
        "person",
        lambda w: {"id": w["reservation"]},
        lambda w, v: id_cases("id", v, w["foreign_reservation"]),
    ),
    "grantConsent": (
        "person",
        lambda w: {
            "input": {
                "recipientId": w["affiliate"],
                "purpose": "support",
                "categories": ["contact.phone"],
            }
        },
        lambda w, v: [
            *each(("input", "recipientId"), BAD_IDS, v),
            *each(("input", "purpose"), [*BAD_TEXT, "marketing", *SQL], v),
            *each(("input", "categories"), [*BAD_CATEGORIES, [], ["credential.password"]], v),
        ],
    ),
    "withdrawConsent": (
        "person",
        lambda w: {"consentId": w["consent"]},
        lambda w, v: id_cases("consentId", v, w["foreign_consent"]),
    ),
    "narrowConsent": (
        "person",
        lambda w: {"consentId": w["consent"], "categories": ["contact.phone"]},
        lambda w, v: [
            *id_cases("consentId", v, w["foreign_consent"]),
            *each(
                ("categories",),
                [
                    *BAD_CATEGORIES,
                    [],
                    ["credential.password"],
                    ["contact.phone", "identity.name"],
                    ["contact.email"],
                    ["contact.phone", "contact.email"],
                ],
                v,
            ),
        ],
    ),
    "acceptPolicy": (
        "person",
        lambda w: {"version": "2022-06-07"},
        lambda w, v: each(
            ("version",),
            [
                *BAD_TEXT,
                *SQL,
                *SCRIPT,
                "2099-01-01",
                "1",
                "2022-06-07\x00",
                "2022-06-08",
                "v2022-06-07",
            ],
            v,
        ),
    ),
    "createAffiliate": (
        "admin",
        lambda w: {
            "input": {
                "name": "合作方",
                "kind": "THIRD_PARTY",
                "region": "CN",
                "purposes": ["support"],
            }
        },
        lambda w, v: [
            *each(("input", "name"), BAD_TEXT, v),
            *each(("input", "region"), ["", "C", "CHN", "C1", *SQL[:1], "\x00\x00"], v),
            *each(("input", "purposes"), [[], [""], [HUGE], ["a\x00"], *([s] for s in SQL)], v),
        ],
    ),
    "changeAffiliatePurposes": (
        "admin",
        lambda w: {"affiliateId": w["affiliate"], "purposes": ["support", "billing"]},
        lambda w, v: [
            *id_cases("affiliateId", v),
            *each(("purposes",), [[""], [HUGE], ["a\x00"], ["<script>"] * 1000], v),
        ],
    ),
    "issueApiClient": (
        "admin",
        lambda w: {
            "input": {
                "affiliateId": w["affiliate"],
                "name": "新客户端",
                "purpose": "support",
                "categories": ["contact.email"],
            }
        },
        lambda w, v: [
            *each(("input", "affiliateId"), BAD_IDS, v),
            *each(("input", "purpose"), ["marketing", "", *SQL], v),
            *each(("input", "categories"), [*BAD_CATEGORIES, ["credential.password"]], v),
            *each(("input", "expiresAt"), ["2000-01-01T00:00:00+00:00", *BAD_TIMES], v),
            *each(("input", "name"), BAD_TEXT, v),
        ],
    ),
    "revokeApiClient": (
        "admin",
        lambda w: {"clientId": w["api_client"]},
        lambda w, v: id_cases("clientId", v),
    ),
    "rotateApiClient": (
        "admin",
        lambda w: {"clientId": w["api_client"], "overlapHours": 24},
        lambda w, v: [
            *id_cases("clientId", v),
            *each(("overlapHours",), [-1, 721, 2**31, 1.5, "24", None], v),
        ],
    ),
    "grantLegalAccess": (
        "admin",
        lambda w: {"input": legal_input(w["person_id"])},
        lambda w, v: [
            *each(("input", "subjectId"), BAD_IDS, v),
            *each(("input", "reference"), BAD_TEXT, v),
            *each(("input", "categories"), BAD_CATEGORIES, v),
            *each(("input", "expiresAt"), ["2000-01-01T00:00:00+00:00", *BAD_TIMES], v),
        ],
    ),
    "approveLegalAccess": (
        # Called by the requester, who may not approve their own request (four eyes).
        "admin",
        lambda w: {"grantId": w["legal_grant"]},
        lambda w, v: id_cases("grantId", v, w["legal_grant"]),
    ),
    "revokeLegalAccess": (
        "admin",
        lambda w: {"grantId": w["legal_grant"]},
        lambda w, v: id_cases("grantId", v),
    ),
    "submitPrivacyRequest": (
        "person",
        lambda w: {"input": {"kind": "DELETION", "ground": "NO_CONSENT", "details": "请删除"}},
        lambda w, v: [
            *each(("input", "details"), [HUGE, *CONTROL], v),
            ("deletion without a ground", {"input": {"kind": "DELETION"}}),
            *each(("input", "ground"), ["no_consent", *SQL[:1], ""], v),
            *each(("input", "kind"), ["deletion", *SCRIPT[:1]], v),
        ],
    ),
    "resolvePrivacyRequest": (
        "admin",
        lambda w: {
            "input": {"id": w["privacy_request"], "status": "COMPLETED", "resolution": "已提供"}
        },
        lambda w, v: [
            *each(("input", "id"), BAD_IDS, v),
            *each(("input", "resolution"), [HUGE, *CONTROL], v),
            *each(("input", "status"), ["completed", "RECEIVED", *SQL[:1]], v),
        ],
    ),
    "requestAccountCancellation": (
        "person",
        lambda w: {"password": "correct horse battery"},
        lambda w, v: each(
            ("password",),
            [
                "",
                " ",
                "wrong password",
                HUGE,
                *SQL,
                *SCRIPT,
                *CONTROL,
                "correct horse",
                "CORRECT HORSE BATTERY",
                "correct horse battery\x00",
                "correct horse battery ",
            ],
            v,
        ),
    ),
    "recordDeviceLog": (
        "person",
        lambda w: {"input": {"os": "Android 15", "deviceId": "A1B2", "networkStatus": "WIFI"}},
        lambda w, v: [
            *each(("input", "os"), [HUGE, *CONTROL], v),
            *each(("input", "deviceId"), [HUGE, *CONTROL], v),
            *each(("input", "networkStatus"), [HUGE, *CONTROL], v),
            ("input={}", {"input": {}}),
            ("input=blank", {"input": {"os": "  ", "deviceId": "", "networkStatus": None}}),
        ],
    ),
}
SPECS |= {
    "publishPolicy": (
        "admin",
        lambda w: {
            "input": {
                "version": "2026-12-01",
                "summary": "新增合作方",
                "text": "全文",
                "requiresFreshConsent": False,
            }
        },
        lambda w, v: [
            *each(("input", "version"), [*BAD_TEXT, "2022-06-07", "../x", "a.json", "a b"], v),
            *each(("input", "summary"), BAD_TEXT, v),
            *each(("input", "text"), [*EMPTY, "\n\n", "a" * 100_001, "a\x00b", "a\u202eb"], v),
            *each(("input", "digest"), ["", "0" * 64, "a" * 63, *SQL[:1]], v),
            *each(("input", "effectiveAt"), BAD_TIMES, v),
            (
                "a digest but no text",
                {"input": {"version": "2026-12-01", "summary": "新", "digest": "0" * 64}},
            ),
        ],
    ),
    "reportIncident": (
        "admin",
        lambda w: {"input": incident([w["person_id"]])},
        lambda w, v: [
            *each(("input", "title"), BAD_TEXT, v),
            *each(("input", "remedies"), EMPTY, v),
            *each(("input", "categories"), [*BAD_CATEGORIES, []], v),
            *each(("input", "affected"), [["0"], SQL[:1], ["999999"], [HUGE]], v),
            *each(("input", "regulatorReportedAt"), BAD_TIMES, v),
        ],
    ),
    "recordTransfer": (
        "admin",
        lambda w: {"input": transfer_input(w["successor"])},
        lambda w, v: [
            *each(("input", "successorId"), [*BAD_IDS, w["offshore"], w["affiliate"]], v),
            *each(("input", "reference"), BAD_TEXT, v),
            *each(("input", "categories"), [*BAD_CATEGORIES, [], ["credential.password"]], v),
            *each(("input", "commitment", "signedBy"), BAD_TEXT, v),
            *each(("input", "commitment", "reference"), BAD_TEXT, v),
            *each(("input", "commitment", "text"), [*EMPTY, "a\x00b", "a" * 100_001], v),
            *each(("input", "commitment", "digest"), ["", "0" * 64, *SQL[:1]], v),
            *each(("input", "commitment", "signedAt"), ["2999-01-01T00:00:00+00:00"], v),
        ],
    ),
    "respondToTransfer": (
        "person",
        lambda w: {"transferId": w["transfer"], "accept": True},
        lambda w, v: id_cases("transferId", v),
    ),
    "invitePartner": (
        "admin",
        lambda w: {"input": {"affiliateId": w["affiliate"], "validForHours": 24}},
        lambda w, v: [
            *each(("input", "affiliateId"), BAD_IDS, v),
            *each(("input", "validForHours"), [0, -1, 721, 2**31 - 1, -(2**31)], v),
        ],
    ),
    "acceptPartnerInvitation": (
        "anonymous",
        lambda w: {"input": {"token": w["partner_invitation"], **person(13)}},
        lambda w, v: [
            *each(("input", "token"), [*BAD_TEXT, *SQL, "cqi_", w["partner_invitation"] + "x"], v),
            *each(("input", "phone"), [*BAD_PHONES, "13800130010"], v),
            *each(("input", "email"), [*BAD_EMAILS, "zhang.san10@example.com"], v),
            *each(("input", "name"), BAD_TEXT, v),
            *each(("input", "password"), ["", "short", "x" * 129], v),
        ],
    ),
    "markAllNotificationsRead": ("person", lambda w: {}, lambda w, v: []),  # WITHOUT_ARGUMENTS
    "setDoNotTrack": ("person", lambda w: {"enabled": True}, lambda w, v: []),  # WITHOUT_ARGUMENTS
    "markNotificationsRead": (
        "person",
        lambda w: {"ids": [w["notification"]]},
        lambda w, v: each(
            ("ids",),
            [
                *([bad] for bad in BAD_IDS),
                [],
                [w["foreign_notification"]],
                [w["notification"], w["foreign_notification"]],
                [w["notification"]] * 101,
            ],
            v,
        ),
    ),
}


def transfer_input(successor: str) -> dict[str, Any]:
    return {
        "successorId": successor,
        "reason": "MERGER",
        "reference": "并购-1",
        "categories": ["contact.phone"],
        "commitment": {
            "signedBy": "李强",
            "signedAt": (utcnow() - timedelta(days=1)).isoformat(),
            "text": "继续受本隐私协议约束。",
            "reference": "承诺函-1",
        },
    }


def incident(affected: list[str]) -> dict[str, Any]:
    now = utcnow()
    return {
        "title": "预约系统数据泄露",
        "whatHappened": "一个接口在 3 小时内可被未授权访问。",
        "possibleImpact": "预约联系人手机号可能被获取。",
        "measures": "已关闭接口并轮换密钥。",
        "advice": "警惕冒充客服的来电与短信。",
        "remedies": "可致电 400-1100-868 申请补救与赔偿。",
        "categories": ["contact.phone"],
        "occurredAt": (now - timedelta(days=2)).isoformat(),
        "regulatorReportedAt": (now - timedelta(hours=6)).isoformat(),
        "affected": affected,
        "channel": "SMS",
        "individualNoticePractical": True,
    }


# Mutations without arguments (logout, markAllNotificationsRead), or with one Boolean whose bad
# values are few (setDoNotTrack): what can be wrong is who asks and what the document says.
WITHOUT_ARGUMENTS = ("logout", "markAllNotificationsRead", "setDoNotTrack")
BAD_TOKENS = [
    "",
    "cqs_",
    "cqs_" + "A" * 43,
    "cqc_" + "A" * 43,
    "' OR '1'='1",
    "cqs_' OR '1'='1",
    "<script>alert(1)</script>",
    "x" * 8000,
    "cqs_%00%0d%0a",
    "Bearer",
]
BAD_DOCUMENTS_WITHOUT_ARGUMENTS = [
    "mutation {{ {name}(everywhere: true) }}",
    "mutation {{ {name} {{ id }} }}",
    'mutation {{ {name}(token: "\' OR 1=1 --") }}',
    "mutation {{ {name}Now }}",
    "mutation($x: Int!) {{ {name} }}",
    'mutation {{ {name} @skip(if: "no") }}',
    "mutation {{ {name} }} mutation {{ {name} }}",
    "mutation {{ {name}(",
    "mutation {{ __typename {name}(x: 1) }}",
    "subscription {{ {name} }}",
]


# The throttle's counts (P-SEC-4), which live in Redis as well when it is configured: a wrong
# password or code is a guess, and counting it is what the throttle is for (tests/auth).
THROTTLE_TABLE = "sign_in_failures"


async def snapshot() -> list[str]:
    """Every row of every table but the throttle's, in a stable order."""
    connection = connections.get("default")
    if POSTGRES_URL:
        sql = "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'"
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
    rows: list[str] = []
    tables = {row["name"] for row in await connection.execute_query_dict(sql)} - {THROTTLE_TABLE}
    for table in sorted(tables):
        content = await connection.execute_query_dict(f'SELECT * FROM "{table}"')
        # SQLite's own counter of the throttle table's row ids moves with it.
        if table == "sqlite_sequence":
            content = [row for row in content if row["name"] != THROTTLE_TABLE]
        rows.extend(sorted(f"{table}: {sorted(row.items())!r}" for row in content))
    return rows


def refused_cleanly(result: dict[str, Any], name: str) -> str | None:
    """Why `result` is not a clean refusal, or None."""
    errors = result.get("errors") or []
    if not errors:
        return "no error"
    if (result.get("data") or {}).get(name) is not None:
        return "the mutation returned data"
    for error in errors:
        if not (error.get("extensions") or {}).get("code"):
            return f"no code: {error['message'][:200]}"
        if is_server_fault(error):
            return "an unexpected error"
    return None


def test_every_mutation_of_the_schema_has_bad_input_cases():
    assert set(MUTATIONS) == set(SPECS), "add the new mutation to SPECS"


@pytest.mark.parametrize("name", sorted(SPECS))
async def test_p_sec_4_malformed_input_is_refused_and_writes_nothing(client, world, name):
    viewer, valid, semantic = SPECS[name]
    base = valid(world)
    document = operation(name)
    token = world[viewer]
    requests: list[tuple[str, str, Variables, str | None]] = [
        (label, document, variables, token)
        for label, variables in [*generated(name, base), *semantic(world, base)]
    ]
    if name in WITHOUT_ARGUMENTS:
        requests += [(f"token {t!r:.40}", document, {}, t) for t in BAD_TOKENS]
        documents = [bad.format(name=name) for bad in BAD_DOCUMENTS_WITHOUT_ARGUMENTS]
        requests += [(doc, doc, {}, world["person"]) for doc in documents]
    assert len(requests) >= 20, f"{name}: only {len(requests)} bad inputs"
    before = await snapshot()
    failures: list[str] = []
    for label, doc, variables, as_who in requests:
        result = await gql(client, doc, variables, token=as_who)
        problem = refused_cleanly(result, name)
        after = await snapshot()
        if after != before:
            problem = f"{problem or 'refused'} but the database changed"
            before = after  # so the next case is judged on its own
        if problem:
            failures.append(f"{label}: {problem}")
    assert not failures, f"{name}: " + "; ".join(failures)


@pytest.mark.parametrize("name", sorted(SPECS))
async def test_the_valid_input_each_case_starts_from_is_accepted(client, world, name):
    """Without this, a base input that is itself wrong would make every case pass for nothing."""
    viewer, valid, _ = SPECS[name]
    token = world["second_admin"] if name == "approveLegalAccess" else world[viewer]
    result = await gql(client, operation(name), valid(world), token=token)
    assert not result.get("errors"), result
