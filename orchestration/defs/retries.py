"""Retries with back-off for the steps that can fail for a passing reason.

A step that reads or writes the warehouse, the landing zone or a server can fail because of
something that goes away by itself: the DuckDB file locked by another writer (an analyst's
read-write session, ``npcs refresh`` beside the daemon), a landing-zone share that is briefly
unavailable, a PostgreSQL server restarting. Those steps — ingestion, dbt, the report, the
publication and the PostgreSQL load — carry :data:`TRANSIENT_RETRY`: up to
``NPCS_RETRY_MAX_RETRIES`` (default 3) more attempts, the first after ``NPCS_RETRY_DELAY_SECONDS``
(default 15), doubling each time, with jitter so that runs retrying together spread out.

The gates carry none: a failing gate is a decision about the data, not an accident. And inside
the retried steps, :func:`retry_only_if_transient` lets only errors that look transient be
retried; anything else (a failing dbt test, a bug, a guard refusing because a gate blocks) fails
the step at once instead of repeating it with growing delays.
"""

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import duckdb


def transient_retry_policy() -> dg.RetryPolicy:
    return dg.RetryPolicy(
        max_retries=int(os.environ.get("NPCS_RETRY_MAX_RETRIES") or 3),
        delay=float(os.environ.get("NPCS_RETRY_DELAY_SECONDS") or 15),
        backoff=dg.Backoff.EXPONENTIAL,
        jitter=dg.Jitter.PLUS_MINUS,
    )


TRANSIENT_RETRY = transient_retry_policy()  # read once, when the definitions load

# Seen in the text of errors that only carry a message (dbt's, through dagster-dbt).
_TRANSIENT_TEXT = (
    "could not set lock",
    "conflicting lock",
    "connection refused",
    "could not connect",
    "connection reset",
    "timed out",
    "timeout expired",
    "temporarily unavailable",
)


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or (None if error.__suppress_context__ else error.__context__)


def is_transient(error: BaseException) -> bool:
    """Whether ``error`` (or an error that caused it) is one that may go away by itself: an OS
    or network error (a file or share unavailable, a connection refused or timed out), DuckDB's
    I/O errors (the file locked by another process), PostgreSQL's operational errors (server
    unreachable or restarting, lock or statement timeouts, deadlocks), or a message saying so."""
    # psycopg is not imported to ask: if no code has imported it, none of its errors was raised
    psycopg = sys.modules.get("psycopg")
    transient: tuple[type, ...] = (OSError, duckdb.IOException)
    if psycopg is not None:
        transient += (psycopg.OperationalError,)
    for e in _chain(error):
        if isinstance(e, transient):
            return True
        text = str(e).lower()
        if any(t in text for t in _TRANSIENT_TEXT):
            return True
    return False


@contextmanager
def retry_only_if_transient() -> Iterator[None]:
    """Around a retried step's body: an error that is not transient fails the step without
    retries (``dg.Failure(allow_retries=False)``); a transient one goes to the retry policy."""
    try:
        yield
    except dg.DagsterError:  # Dagster's own errors: never retried, left as they are
        raise
    except dg.Failure as e:
        if not is_transient(e):
            e.allow_retries = False
        raise
    except Exception as e:
        if is_transient(e):
            raise
        raise dg.Failure(
            description=f"{type(e).__name__}: {e} (not a transient error: not retried)",
            allow_retries=False,
        ) from e
