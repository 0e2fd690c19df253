"""Who is asking: from the session cookie or an `Authorization: Bearer` token."""

from dataclasses import dataclass

from starlette.requests import HTTPConnection

from api.auth.clients import client_viewer, live_client
from api.auth.sessions import live_session, person_viewer
from api.auth.tokens import CLIENT_PREFIX, SESSION_PREFIX
from api.privacy.dnt import privacy_signal, remember_signal
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


async def identify(connection: HTTPConnection, cookie_name: str) -> Identity:
    signal = privacy_signal(connection.headers)
    dnt = signal is not None
    token = presented_token(connection, cookie_name)
    if token and token.startswith(SESSION_PREFIX):
        session = await live_session(token)
        if session is not None:
            if signal is not None:
                # P-DNT-1: the person's signal is their choice from now on, for every viewer.
                await remember_signal(session.account, signal)
            return Identity(person_viewer(session.account, dnt), session)
    elif token and token.startswith(CLIENT_PREFIX):
        client = await live_client(token)
        if client is not None:
            return Identity(client_viewer(client, dnt))
    return Identity(Viewer(kind=ViewerKind.ANONYMOUS, do_not_track=dnt))
