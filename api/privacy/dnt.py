"""Do Not Track and Global Privacy Control (P-DNT-1).

The signal itself is read per request (api.auth.identify); optional processing for API clients is
refused by plugins.builtin.do_not_track. Here: the rule for behaviour records.
"""

from plugins.viewer import Viewer

NOT_RECORDED = "Do Not Track or Global Privacy Control is on: nothing was recorded."


def may_record_behaviour(viewer: Viewer) -> bool:
    """Device logs and other behaviour records; sign-in security records are not behaviour."""
    return not viewer.do_not_track
