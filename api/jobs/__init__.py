"""Jobs that run by themselves: erasure of cancelled accounts on their due day, retention,
overdue-request alerts, notification delivery, the calendar check and the audit checkpoint.

Every process that hosts the scheduler (each `consentql serve` worker unless
CONSENTQL_JOBS_IN_SERVER=false, and `consentql worker`) looks for due jobs every
CONSENTQL_JOBS_TICK_SECONDS; a lease row in the database (models/jobs.py) lets exactly one of
them run a given job, and the next run time is stored there too.
"""
