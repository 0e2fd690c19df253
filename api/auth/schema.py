"""Register, sign in and out, change the password (P-COLLECT-1, P-COLLECT-2, P-COLLECT-6)."""

import strawberry

from api.accounts.registration import register, request_registration_code
from api.accounts.service import NewAccount
from api.accounts.types import AccountNode, account_nodes
from api.activity.service import ClientDetails
from api.auth.service import change_password, sign_in, sign_out
from api.errors import unauthenticated
from api.graphql.context import Info
from api.notices.notifications import load_sender


@strawberry.type(description="A code is on its way to the phone, or its holder was told.")
class RegistrationCodeRequested:
    expires_in_seconds: int


@strawberry.input
class RegisterInput:
    phone: str
    code: str = strawberry.field(description="The code sent to the phone.")
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


@strawberry.type
class AuthMutations:
    @strawberry.mutation(
        description="Send a one-time code to the phone, to register with. The answer is the "
        "same whether or not the number has an account: its holder is told instead."
    )
    async def request_registration_code(self, info: Info, phone: str) -> RegistrationCodeRequested:
        context = info.context
        seconds = await request_registration_code(
            context.actor,
            context.runtime.throttle,
            context.runtime.settings,
            phone,
        )
        return RegistrationCodeRequested(expires_in_seconds=seconds)

    @strawberry.mutation(
        description="Create an account with exactly the four details the policy names, and the "
        "code sent to the phone."
    )
    async def register(self, info: Info, input: RegisterInput) -> AccountNode:
        context = info.context
        account = await register(
            context.actor,
            context.runtime.throttle,
            context.runtime.passwords,
            load_sender(context.runtime.settings.notification_sender),
            NewAccount(input.phone, input.email, input.name, input.company, input.password),
            input.code,
        )
        # The registrant reads back what they sent, as that person, and nothing more.
        info.context.become(account, session=None)
        [node] = await account_nodes(info.context, [account])
        return node

    @strawberry.mutation
    async def login(self, info: Info, input: LoginInput) -> LoginResult:
        context = info.context
        runtime = context.runtime
        client = input.client or ClientInfoInput()
        signed_in = await sign_in(
            context.actor,
            runtime.passwords,
            runtime.throttle,
            runtime.settings.session_hours,
            input.login,
            input.password,
            ClientDetails.checked(
                client.network_type, client.os, client.client_version, client.device_phone
            ),
        )
        context.set_session_cookie(signed_in.token)
        context.become(signed_in.account, session=None)
        [node] = await account_nodes(context, [signed_in.account])
        return LoginResult(token=signed_in.token, account=node)

    @strawberry.mutation(description="End this session; the cookie is cleared.")
    async def logout(self, info: Info) -> bool:
        session = info.context.session
        if session is None:
            raise unauthenticated()
        await sign_out(session)
        info.context.clear_session_cookie()
        return True

    @strawberry.mutation(description="Needs the old password; ends every other session.")
    async def change_password(self, info: Info, old_password: str, new_password: str) -> bool:
        context = info.context
        await change_password(
            context.actor,
            context.runtime.passwords,
            context.runtime.throttle,
            await context.account(),
            context.session,
            old_password,
            new_password,
        )
        return True
