"""`consentql audit verify`: proves the hash chain of the audit log whole, or names where it
breaks (P-SEC-5)."""

import sys

from models.audit import AuditEvent, verify_chain


async def verify() -> int:
    broken = await verify_chain()
    if broken is not None:
        print(f"chain broken at event {broken}", file=sys.stderr)
        return 1
    print(f"chain intact ({await AuditEvent.all().count()} events)")
    return 0
