"""Who is asking: from the session cookie or an `Authorization: Bearer` token.

A bearer token that opens nothing (unknown, expired, revoked, not ours) is refused with 401 and
its own code (TokenRefused): the caller chose to present it, and taking it for an anonymous
caller would hide a broken token behind "sign in first". A session cookie that opens nothing
makes the caller anonymous instead, and the cookie is cleared: a browser resends a dead cookie
on every request, its own sign-in included, so refusing it would lock the person out until it
expired, and there is nothing a script could do about it anyway.
"""

from dataclasses import dataclass

from starlette.requests import HTTPConnection

from api.auth.clients import client_of_token, client_viewer
from api.auth.sessions import person_viewer, session_of_token
from api.auth.tokens import CLIENT_PREFIX, SESSION_PREFIX, TokenRefused
from api.errors import ErrorCode
from api.privacy.dnt import privacy_signal, remember_signal
from models.accounts import Session
from plugins.viewer import Viewer, ViewerKind


@dataclass(frozen=True)
class Identity:
    viewer: Viewer
    session: Session | None = None
    # A session cookie was sent that opens nothing: the answer clears it.
    stale_cookie: bool = False


def bearer_token(connection: HTTPConnection) -> str | None:
    scheme, _, credentials = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return None


async def identity_of_token(token: str, dnt: bool) -> Identity:
    if token.startswith(SESSION_PREFIX):
        session = await session_of_token(token)
        return Identity(person_viewer(session.account, dnt), session)
    if token.startswith(CLIENT_PREFIX):
        return Identity(client_viewer(await client_of_token(token), dnt))
    raise TokenRefused(ErrorCode.INVALID_TOKEN, "not a token of this API")


async def identify(connection: HTTPConnection, cookie_name: str) -> Identity:
    signal = privacy_signal(connection.headers)
    identity = await identity_of(connection, cookie_name, dnt=signal is not None)
    if identity.session is not None and signal is not None:
        # P-DNT-1: the person's signal is their choice from now on, for every viewer.
        await remember_signal(identity.session.account, signal)
    return identity


async def identity_of(connection: HTTPConnection, cookie_name: str, dnt: bool) -> Identity:
    anonymous = Viewer(kind=ViewerKind.ANONYMOUS, do_not_track=dnt)
    token = bearer_token(connection)
    if token is not None:
        return await identity_of_token(token, dnt)
    cookie = connection.cookies.get(cookie_name)
    if not cookie:
        return Identity(anonymous)
    try:
        if not cookie.startswith(SESSION_PREFIX):
            raise TokenRefused(ErrorCode.INVALID_TOKEN, "not a session")
        session = await session_of_token(cookie)
    except TokenRefused:
        return Identity(anonymous, stale_cookie=True)
    return Identity(person_viewer(session.account, dnt), session)
