"""Route reporting-heavy reads (segments, audiences, admin metrics) to a read replica.

Enabled when DATABASE_REPLICA_URL is set. Code opts in with `.using("replica")` via
`reporting_db()`; everything else stays on the primary.
"""

from django.conf import settings


def reporting_db() -> str:
    return "replica" if "replica" in settings.DATABASES else "default"


class ReportingReplicaRouter:
    def db_for_read(self, model, **hints):
        return None  # primary unless the caller chose reporting_db()

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
