"""Sessions live in the database, so every worker agrees on who is signed in (P-COOKIE-1)."""

from datetime import timedelta

from api.auth.tokens import SESSION_PREFIX, TokenRefused, digest, new_token
from api.errors import ErrorCode
from models.accounts import Account, AccountStatus, Role, Session
from models.clock import utcnow
from plugins.viewer import Viewer, ViewerKind


async def start_session(account: Account, hours: int) -> str:
    token = new_token(SESSION_PREFIX)
    await Session.create(
        account=account, token_hash=digest(token), expires_at=utcnow() + timedelta(hours=hours)
    )
    return token


async def session_of_token(token: str) -> Session:
    """The live session `token` opens, or TokenRefused saying why not."""
    session = (
        await Session.filter(token_hash=digest(token)).select_related("account__data_key").first()
    )
    if session is None:
        raise TokenRefused(ErrorCode.INVALID_TOKEN, "the session token is not known")
    if session.ended_at is not None or session.account.status != AccountStatus.ACTIVE:
        raise TokenRefused(ErrorCode.TOKEN_REVOKED, "the session has ended: sign in again")
    if session.expires_at <= utcnow():
        raise TokenRefused(ErrorCode.TOKEN_EXPIRED, "the session has expired: sign in again")
    return session


VIEWER_KINDS = {
    Role.USER: ViewerKind.PERSON,
    Role.ADMIN: ViewerKind.ADMIN,
    Role.PARTNER: ViewerKind.PARTNER,
}


def person_viewer(account: Account, do_not_track: bool) -> Viewer:
    kind = VIEWER_KINDS[Role(account.role)]
    # Only an admin holds duties (models.accounts.Duty).
    duties = frozenset(account.duties) if kind is ViewerKind.ADMIN else frozenset()
    return Viewer(kind=kind, account_id=account.id, do_not_track=do_not_track, duties=duties)


async def end_sessions(account_id: int, *, except_id: int | None = None) -> None:
    query = Session.filter(account_id=account_id, ended_at=None)
    if except_id is not None:
        query = query.exclude(id=except_id)
    await query.update(ended_at=utcnow())


async def end_session(session: Session) -> None:
    await Session.filter(id=session.id).update(ended_at=utcnow())
