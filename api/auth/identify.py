"""Who is asking: from the session cookie or an `Authorization: Bearer` token."""

from dataclasses import dataclass

from starlette.requests import HTTPConnection

from api.auth.clients import client_viewer, live_client
from api.auth.sessions import live_session, person_viewer
from api.auth.tokens import CLIENT_PREFIX, SESSION_PREFIX
from models.accounts import Session
from plugins.viewer import Viewer, ViewerKind


@dataclass(frozen=True)
class Identity:
    viewer: Viewer
    session: Session | None = None


def presented_token(connection: HTTPConnection, cookie_name: str) -> str | None:
    scheme, _, credentials = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return connection.cookies.get(cookie_name)


def do_not_track(connection: HTTPConnection) -> bool:
    """P-DNT-1: either signal counts."""
    return connection.headers.get("dnt") == "1" or connection.headers.get("sec-gpc") == "1"


async def identify(connection: HTTPConnection, cookie_name: str) -> Identity:
    dnt = do_not_track(connection)
    token = presented_token(connection, cookie_name)
    if token and token.startswith(SESSION_PREFIX):
        session = await live_session(token)
        if session is not None:
            return Identity(person_viewer(session.account, dnt), session)
    elif token and token.startswith(CLIENT_PREFIX):
        client = await live_client(token)
        if client is not None:
            return Identity(client_viewer(client, dnt))
    return Identity(Viewer(kind=ViewerKind.ANONYMOUS, do_not_track=dnt))
