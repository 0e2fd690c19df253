"""Register, sign in and out, change the password (P-COLLECT-1, P-COLLECT-2, P-COLLECT-6)."""

import strawberry
from tortoise.transactions import in_transaction

from api.accounts.registration import register
from api.accounts.schema import AccountNode, account_nodes
from api.auth.sessions import end_session, end_sessions, start_session
from api.errors import ApiError, ErrorCode, invalid, unauthenticated
from api.graphql.context import Info, RequestContext
from api.validation import login_identifier, mainland_mobile, optional_text, password
from models.accounts import Account, AccountStatus, LoginRecord, email_lookup, phone_lookup

WRONG_CREDENTIALS = "the login or the password is wrong"


@strawberry.input
class RegisterInput:
    phone: str
    name: str
    email: str
    company: str
    password: str


@strawberry.input(description="What the signing-in client tells about itself (P-COLLECT-2).")
class ClientInfoInput:
    network_type: str | None = None
    os: str | None = None
    client_version: str | None = None
    device_phone: str | None = None


@strawberry.input
class LoginInput:
    login: str = strawberry.field(description="Phone number or email address.")
    password: str
    client: ClientInfoInput | None = None


@strawberry.type
class LoginResult:
    token: str = strawberry.field(description="Also accepted as `Authorization: Bearer`.")
    account: AccountNode


def client_details(client: ClientInfoInput) -> dict[str, str | None]:
    """Validated before any password is checked, so bad input writes nothing."""
    return {
        "network_type": optional_text(client.network_type, "client.networkType", max_length=16),
        "os": optional_text(client.os, "client.os", max_length=64),
        "client_version": optional_text(
            client.client_version, "client.clientVersion", max_length=32
        ),
        "device_phone": mainland_mobile(client.device_phone, "client.devicePhone")
        if client.device_phone
        else None,
    }


async def record_attempt(
    context: RequestContext,
    login_hash: str,
    account: Account | None,
    success: bool,
    client: dict[str, str | None],
) -> None:
    """Every attempt is a security record, kept even under Do Not Track (P-COLLECT-2, P-DNT-1)."""
    device_phone = client.pop("device_phone")
    await LoginRecord.create(
        account=account,
        login_hash=login_hash,
        success=success,
        ip=context.request.client.host if context.request.client else None,
        # Sealed under the person's key; an unknown login has no person to seal it for.
        device_phone_sealed=account.data_key.seal(device_phone, "login.device_phone")
        if account and device_phone
        else None,
        **client,
    )


@strawberry.type
class AuthMutations:
    @strawberry.mutation(
        description="Create an account with exactly the four details the policy names."
    )
    async def register(self, info: Info, input: RegisterInput) -> AccountNode:
        account = await register(
            info.context.services.passwords,
            phone=input.phone,
            email=input.email,
            name=input.name,
            company=input.company,
            secret=input.password,
        )
        # The registrant reads back what they sent, as that person, and nothing more.
        info.context.become(account, session=None)
        [node] = await account_nodes(info.context, [account])
        return node

    @strawberry.mutation
    async def login(self, info: Info, input: LoginInput) -> LoginResult:
        context = info.context
        kind, identifier = login_identifier(input.login)
        lookup = phone_lookup(identifier) if kind == "phone" else email_lookup(identifier)
        client = client_details(input.client or ClientInfoInput())
        throttle = context.services.throttle
        address = context.request.client.host if context.request.client else None
        # Throttled before the account is looked up: a refusal is the same for every login. It
        # is still an attempt, and every attempt is recorded (P-COLLECT-2).
        try:
            await throttle.check(lookup, address)
        except ApiError:
            await record_attempt(context, lookup, None, False, client)
            raise
        account = (
            await Account.filter(**{f"{kind}_hash": lookup}).select_related("data_key").first()
        )
        matched = await context.services.passwords.verify(
            account.password_hash if account else None, input.password
        )
        allowed = matched and account is not None and account.status == AccountStatus.ACTIVE
        await record_attempt(context, lookup, account, allowed, client)
        if not allowed or account is None:
            await throttle.failed(lookup, address)
            raise ApiError(ErrorCode.INVALID_CREDENTIALS, WRONG_CREDENTIALS)
        await throttle.succeeded(lookup)
        async with in_transaction():
            if context.services.passwords.needs_rehash(account.password_hash or ""):
                account.password_hash = await context.services.passwords.hash(input.password)
                await account.save(update_fields=["password_hash"])
            token = await start_session(account, context.services.settings.session_hours)
        context.set_session_cookie(token)
        context.become(account, session=None)
        [node] = await account_nodes(context, [account])
        return LoginResult(token=token, account=node)

    @strawberry.mutation(description="End this session; the cookie is cleared.")
    async def logout(self, info: Info) -> bool:
        session = info.context.session
        if session is None:
            raise unauthenticated()
        await end_session(session)
        info.context.clear_session_cookie()
        return True

    @strawberry.mutation(description="Needs the old password; ends every other session.")
    async def change_password(self, info: Info, old_password: str, new_password: str) -> bool:
        context = info.context
        account = await context.account()
        if not await context.services.passwords.verify(account.password_hash, old_password):
            raise invalid("oldPassword", "the old password is wrong")
        secret = password(new_password, account.phone(), "newPassword")
        new_hash = await context.services.passwords.hash(secret)
        async with in_transaction():
            account.password_hash = new_hash
            await account.save(update_fields=["password_hash", "updated_at"])
            await end_sessions(
                account.id, except_id=context.session.id if context.session else None
            )
        return True
