"""Counting the SQL statements Tortoise sends (it logs each one at DEBUG), for the benchmarks and
for the test that proves a list query's statement count does not grow with its page size."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

DB_CLIENT_LOGGER = "tortoise.db_client"


class StatementCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    def emit(self, record: logging.LogRecord) -> None:
        self.statements.append(record.getMessage())


@contextmanager
def counting_statements() -> Iterator[StatementCounter]:
    logger = logging.getLogger(DB_CLIENT_LOGGER)
    counter = StatementCounter()
    previous = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(counter)
    try:
        yield counter
    finally:
        logger.removeHandler(counter)
        logger.setLevel(previous)
