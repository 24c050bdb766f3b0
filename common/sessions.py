"""Django's database sessions (same table, same encoding, same expiry rules), read with one
raw query: every request of a shopper with a session reads it, and the ORM's query building
cost more than the indexed lookup itself (SESSION_ENGINE = "common.sessions").

Apps may register a *companion*: a scalar subquery over the session row (alias `s`) that is
read in the same statement, so a per-visitor value every page needs (the header's cart
count) costs no second round trip. `session_companion(session, name)` gives what it read
when the session was loaded (None when it was not loaded from the database)."""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connections, router
from django.utils import timezone

# name -> (scalar subquery over `s`, params); registered from AppConfig.ready().
_COMPANIONS: dict[str, tuple[str, tuple]] = {}


def session_companion_register(name: str, sql: str, params: tuple = ()) -> None:
    """`sql` is a parenthesised scalar subquery that may refer to the session row as `s`
    (e.g. `s.session_key`); it runs in the same statement as the session read."""
    _COMPANIONS[name] = (sql, tuple(params))


def session_companion(session, name: str):
    """What companion `name` read with this session, or None (no session row, not loaded
    yet, or the companion is not registered)."""
    companions = getattr(session, "companions", None)
    return companions.get(name) if companions else None


class SessionStore(DatabaseSessionStore):
    companions: dict | None = None

    def _get_session_from_db(self):
        self.companions = None
        if not self.session_key:  # no cookie, or one the base class rejected as malformed
            self._session_key = None
            return None
        model = self.model
        connection = connections[router.db_for_read(model)]
        table = connection.ops.quote_name(model._meta.db_table)
        names = list(_COMPANIONS)
        extra = "".join(f", {_COMPANIONS[name][0]}" for name in names)
        params = [param for name in names for param in _COMPANIONS[name][1]]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT s.session_data{extra} FROM {table} s WHERE s.session_key = %s AND s.expire_date > %s",  # noqa: S608 - table name from the model, companions registered in code
                [*params, self.session_key, timezone.now()],
            )
            row = cursor.fetchone()
        if row is None:  # unknown or expired: a new session key on the next save
            self._session_key = None
            return None
        self.companions = dict(zip(names, row[1:], strict=True))
        return model(session_key=self.session_key, session_data=row[0])
