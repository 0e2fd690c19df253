"""The audit ledger (P-SEC-5, P-TRANSPARENCY-1): the events a request or a job records, the
group-commit writer of a process's reads, and the `consentql audit` commands."""
