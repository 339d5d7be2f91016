"""What the server counts for Prometheus (prometheus_client), served by /metrics (app/observe.py): requests by route
template and status, how long they took, redemptions, refusals by error code, waits in SQLite's writer queue and the
database pool's connections in use.

Labels are bounded sets only (route templates, never raw paths: an id or a pay code in a path would make a series
each). With several worker processes, PROMETHEUS_MULTIPROC_DIR names an empty directory, fresh at each start (the
systemd unit's RuntimeDirectory, the compose file's tmpfs): every worker writes its figures there and /metrics adds
them up, whichever worker answers it."""

import os
from collections.abc import Callable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

# /pay/wait answers after up to 50 s: the buckets reach past it.
SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

REQUESTS = Counter("zf_http_requests", "HTTP requests answered, by route template and status",
                   ["method", "route", "status"])
LATENCY = Histogram("zf_http_request_duration_seconds", "Time from request to the end of the answer, by route template",
                    ["method", "route"], buckets=SECONDS)
REDEMPTIONS = Counter("zf_redemptions", "Redemptions committed, by how they were paid (code, card, request)",
                      ["paid_by"])
REFUSALS = Counter("zf_refusals", "Error answers, by the error code in their body", ["code"])
WRITER_WAIT = Histogram("zf_db_writer_wait_seconds", "Time a write transaction waited for SQLite's writer queue",
                        buckets=SECONDS)
POOL_IN_USE = Gauge("zf_db_pool_checked_out", "Database connections held by requests now",
                    multiprocess_mode="livesum")
POOL_SIZE = Gauge("zf_db_pool_size", "Database connections the pool keeps open (more are opened under load)",
                  multiprocess_mode="livesum")

_AFTER_COMMIT = "zf_after_commit"


def exposition() -> tuple[bytes, str]:
    """The text Prometheus reads, and its content type: this process's figures, or every worker's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def on_commit(session: Session, count: Callable[[], None]) -> None:
    """Count something once the transaction it happened in commits (a rolled-back one counts nothing)."""
    session.info.setdefault(_AFTER_COMMIT, []).append(count)


@event.listens_for(Session, "after_commit")
def _counted(session: Session) -> None:
    for count in session.info.pop(_AFTER_COMMIT, ()):
        count()


@event.listens_for(Session, "after_rollback")
def _forgotten(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)


def watch_pool(engine: Engine) -> None:
    """Keep the pool gauges up to date: one add at checkout, one at checkin (nothing read at scrape time, so the
    figures add up across worker processes)."""
    size = getattr(engine.pool, "size", None)  # a queue pool's; SQLite in memory has none
    if callable(size):
        POOL_SIZE.set(size())
    event.listen(engine, "checkout", lambda *_: POOL_IN_USE.inc())
    event.listen(engine, "checkin", lambda *_: POOL_IN_USE.dec())
