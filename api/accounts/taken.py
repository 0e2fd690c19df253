"""What is answered when a phone or an email belongs to another account: nothing that says so
(P-SEC-4).

Registering and correcting one's details are refused in one way, whatever the reason (a wrong or
expired code, a taken email, a number taken meanwhile), and the holder of a taken email is told,
by a notice, that someone tried it. A refusal is counted by the throttle and costs the code (a
new one must be asked for, throttled per number and per address), so testing emails one by one
costs a message to a number of one's own each, and warns every holder tested. SECURITY.md
("Login harvester") says what is left.
"""

from api.errors import ApiError, ErrorCode
from api.notices.notifications import NotificationSender, tell
from models.accounts import Account, email_lookup
from models.privacy import Channel

NOT_ACCEPTED = "the code or the details were not accepted: check them, or ask for a new code"

TRIED_TO_REGISTER = (
    "Someone tried to register with your email address",
    "Someone tried to register a new account with this email address, which already has an "
    "account: yours. Nothing was changed.",
)
TRIED_TO_TAKE_OVER = (
    "Someone tried to use your email address for another account",
    "Someone signed in to another account tried to change its email address to yours. Nothing "
    "was changed.",
)


def not_accepted() -> ApiError:
    return ApiError(ErrorCode.INVALID_CREDENTIALS, NOT_ACCEPTED)


async def tell_email_holder(
    sender: NotificationSender, email: str, notice: tuple[str, str], asking: int | None = None
) -> bool:
    """Whether `email` (checked) belongs to an account other than `asking`'s; its holder is then
    told. The caller holds the transaction."""
    holder = await Account.filter(email_hash=email_lookup(email)).exclude(id=asking or 0).first()
    if holder is None:
        return False
    await tell(sender, holder.id, Channel.EMAIL, *notice)
    return True
