"""Django's database sessions (same table, same encoding, same expiry rules), read with one
raw query: every request of a shopper with a session reads it, and the ORM's query building
cost more than the indexed lookup itself (SESSION_ENGINE = "common.sessions")."""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connections, router
from django.utils import timezone


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self):
        if not self.session_key:  # no cookie, or one the base class rejected as malformed
            self._session_key = None
            return None
        model = self.model
        connection = connections[router.db_for_read(model)]
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT session_data FROM {table} WHERE session_key = %s AND expire_date > %s",  # noqa: S608 - table name from the model
                [self.session_key, timezone.now()],
            )
            row = cursor.fetchone()
        if row is None:  # unknown or expired: a new session key on the next save
            self._session_key = None
            return None
        return model(session_key=self.session_key, session_data=row[0])
