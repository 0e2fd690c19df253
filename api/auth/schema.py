"""Register, sign in and out, change the password (P-COLLECT-1, P-COLLECT-2, P-COLLECT-6)."""

import strawberry

from api.accounts.service import register
from api.accounts.types import AccountNode, account_nodes
from api.activity.service import ClientDetails
from api.auth.service import change_password, sign_in, sign_out
from api.errors import unauthenticated
from api.graphql.context import Info
from api.policy.acceptance import Evidence


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


@strawberry.type
class AuthMutations:
    @strawberry.mutation(
        description="Create an account with exactly the four details the policy names."
    )
    async def register(self, info: Info, input: RegisterInput) -> AccountNode:
        account = await register(
            info.context.runtime.passwords,
            phone=input.phone,
            email=input.email,
            name=input.name,
            company=input.company,
            secret=input.password,
            evidence=Evidence.of(info.context.actor, "registration"),
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
            context.runtime.passwords,
            await context.account(),
            context.session,
            old_password,
            new_password,
        )
        return True
