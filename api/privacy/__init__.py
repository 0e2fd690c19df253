"""Use cases of the privacy life cycle: requests, export, cancellation, erasure, retention,
incidents, notifications, transfers, Do Not Track."""
