"""Do Not Track and Global Privacy Control (P-DNT-1): the person's choice, kept and honoured.

A signal on a request of a signed-in person (or of someone signing in or registering) is stored
as their preference, with when and how it came (DNT or GPC), so it binds every later viewer, not
only the requests that carry the header (plugins.builtin.do_not_track). The person sees and
changes it (`privacyPreferences`, `setDoNotTrack`); both are on record. Behaviour records (device
logs) are not written for a person who opted out, nor for a request that carries the signal;
sign-in security records are not behaviour and stay.
"""

from collections.abc import Mapping

from tortoise.transactions import in_transaction

from api.actor import Actor
from api.audit.events import record_change
from models.accounts import Account
from models.clock import utcnow
from plugins.viewer import Viewer

NOT_RECORDED = "Do Not Track or Global Privacy Control is on: nothing was recorded."
SETTINGS = "SETTINGS"


def privacy_signal(headers: Mapping[str, str]) -> str | None:
    """Which opt-out a request carries: DNT, GPC (either counts), or none."""
    if headers.get("sec-gpc") == "1":
        return "GPC"
    if headers.get("dnt") == "1":
        return "DNT"
    return None


def may_record_behaviour(viewer: Viewer, person: Account) -> bool:
    """Device logs and other behaviour records; sign-in security records are not behaviour."""
    return not (viewer.do_not_track or person.do_not_track)


async def remember_signal(account: Account, signal: str) -> None:
    """The first signal of a person who has not opted out yet becomes their preference; a person
    who already has one keeps its first evidence."""
    if account.do_not_track:
        return
    now = utcnow()
    await Account.filter(id=account.id, do_not_track=False).update(
        do_not_track=True, do_not_track_set_at=now, do_not_track_source=signal
    )
    account.do_not_track, account.do_not_track_set_at = True, now
    account.do_not_track_source = signal


async def set_do_not_track(actor: Actor, account: Account, enabled: bool) -> Account:
    """The person's own choice in their settings, on record (P-SEC-5)."""
    async with in_transaction():
        account.do_not_track = enabled
        account.do_not_track_set_at = utcnow()
        account.do_not_track_source = SETTINGS
        await account.save(
            update_fields=["do_not_track", "do_not_track_set_at", "do_not_track_source"]
        )
        await record_change(
            actor, f"account:{account.id}", "DO_NOT_TRACK_SET", {"do_not_track": enabled}
        )
    return account
