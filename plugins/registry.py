"""Which plugins run, in which order: built-in names, or names from other packages through the
entry-point group `consentql.plugins` (each entry point loads a plugin class)."""

from collections.abc import Callable, Sequence
from importlib.metadata import entry_points

from plugins.base import ConsentPlugin
from plugins.builtin.anonymous import AnonymousPlugin
from plugins.builtin.cancelled import CancelledPlugin
from plugins.builtin.consent import RecipientConsentPlugin
from plugins.builtin.credentials import CredentialsPlugin
from plugins.builtin.do_not_track import DoNotTrackPlugin
from plugins.builtin.duties import DutiesPlugin
from plugins.builtin.legal_basis import LegalBasisPlugin
from plugins.builtin.owner import OwnerPlugin
from plugins.builtin.partner import PartnerPlugin
from plugins.builtin.residency import ResidencyPlugin

ENTRY_POINT_GROUP = "consentql.plugins"

# Called once per request: a fresh plugin holds only that request's state.
PluginFactory = Callable[[], ConsentPlugin]

BUILTIN: dict[str, PluginFactory] = {
    plugin.name: plugin
    for plugin in (
        CredentialsPlugin,
        AnonymousPlugin,
        PartnerPlugin,
        ResidencyPlugin,
        CancelledPlugin,
        DoNotTrackPlugin,
        OwnerPlugin,
        RecipientConsentPlugin,
        LegalBasisPlugin,
        DutiesPlugin,
    )
}

# Restrictions first: the first restriction found is the reason a blocked field reports.
DEFAULT_PLUGINS: tuple[str, ...] = (
    "credentials",
    "anonymous",
    "partner",
    "residency",
    "cancelled",
    "do_not_track",
    "owner",
    "consent",
    "legal_basis",
    "duties",
)


def installed(name: str) -> PluginFactory | None:
    """The plugin another package installed under `name`, if any."""
    for entry_point in entry_points(group=ENTRY_POINT_GROUP, name=name):
        factory: PluginFactory = entry_point.load()
        return factory
    return None


def build_plugins(names: Sequence[str] | None = None) -> tuple[PluginFactory, ...]:
    """Resolve configured names (None: DEFAULT_PLUGINS) at start-up, in order; an unknown or
    repeated name refuses to start."""
    names = DEFAULT_PLUGINS if names is None else tuple(names)
    if len(set(names)) != len(names):
        raise ValueError(f"consent plugins listed twice in {list(names)}")
    factories = []
    for name in names:
        factory = BUILTIN.get(name) or installed(name)
        if factory is None:
            raise ValueError(
                f"unknown consent plugin {name!r}: neither built in ({', '.join(BUILTIN)}) "
                f"nor installed under the entry-point group {ENTRY_POINT_GROUP!r}"
            )
        factories.append(factory)
    return tuple(factories)
