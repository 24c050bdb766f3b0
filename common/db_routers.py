"""Reporting reads go to a read replica (DATABASE_REPLICA_URL), everything else to the primary.

A report marks its reads with `reporting_reads()` (a context manager, also a decorator);
`ReportingReplicaRouter.db_for_read` sends every read made inside it to the `replica` alias
when one is configured and REPORTING_READS_FROM_REPLICA is on (the default when
DATABASE_REPLICA_URL is set). Writes always go to the primary. Marked today: segment counts,
previews and exports, the campaign audience count, campaign and flow metrics and charts, and
the admin reports (sales by source, discount overrides). A replica lags a little behind the
primary, so only read-only reports are marked — never a read whose result is written back.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings

REPLICA = "replica"
_reporting = ContextVar("reporting_reads", default=False)


def reporting_db() -> str:
    """The alias reporting reads use now: the replica if configured and switched on."""
    if REPLICA in settings.DATABASES and getattr(settings, "REPORTING_READS_FROM_REPLICA", False):
        return REPLICA
    return "default"


@contextmanager
def reporting_reads():
    """Reads inside this block (querysets evaluated here) are reporting reads."""
    token = _reporting.set(True)
    try:
        yield
    finally:
        _reporting.reset(token)


class ReportingReplicaRouter:
    def db_for_read(self, model, **hints):
        if _reporting.get():
            return reporting_db()
        return None  # the primary

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # A real replica is never migrated (it follows the primary); test settings migrate a
        # stand-in replica database so the routing test can read from it.
        return None
