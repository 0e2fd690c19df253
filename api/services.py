"""What the application is built from, composed once at start-up and shared by every request."""

from dataclasses import dataclass

from api.audit.ledger import Ledger
from api.auth.passwords import Passwords
from api.auth.throttle import SignInThrottle, failure_store
from api.settings import Settings
from plugins.engine import ConsentEngine
from plugins.registry import build_plugins


@dataclass(frozen=True)
class Services:
    settings: Settings
    passwords: Passwords
    engine: ConsentEngine
    ledger: Ledger
    throttle: SignInThrottle

    @classmethod
    def from_settings(cls, settings: Settings) -> "Services":
        return cls(
            settings=settings,
            passwords=Passwords(settings),
            engine=ConsentEngine(
                build_plugins(settings.plugins or None),
                enabled=settings.consent_enforcement,
            ),
            ledger=Ledger(),
            throttle=SignInThrottle(failure_store(settings.redis_url)),
        )
