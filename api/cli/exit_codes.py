"""Exit statuses every command keeps, so cron and monitoring can act on them."""

OK = 0
# The command did its work, and found something a person must look at.
NEEDS_A_PERSON = 1
# The command could not do its work: bad input or configuration, an unreachable database, a bug.
ERROR = 2
