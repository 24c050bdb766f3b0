"""Set-based writes for hot paths (order placement): build INSERT statements from model
instances exactly as Django would save them (Python defaults applied by the constructor,
`pre_save` for auto_now fields, values prepared for the connection), so several rows can go
to the database in one statement (common table expressions) without hand-copied columns.

Use only where a measured hot path needs it; everywhere else the ORM is clearer.
"""

import functools
from contextlib import contextmanager

import psycopg._queries
from django.db import connection, connections, models

# psycopg keeps its parse of a statement (placeholders → $n) in an LRU cache only for
# statements of at most 50 parameters; order placement's one INSERT of order, lines, payment
# and event has ~60, so it was parsed again for every order (~8 % of placement's CPU). Its
# text depends only on the number of lines, so caching it is what the cache is for. The
# length limit (4,096 bytes) still keeps ORM bulk inserts out. psycopg is pinned; the test
# tests/common/test_sql.py fails if this setting disappears.
PSYCOPG_CACHED_PARAMS = 200
psycopg._queries.MAX_CACHED_STATEMENT_PARAMS = max(psycopg._queries.MAX_CACHED_STATEMENT_PARAMS, PSYCOPG_CACHED_PARAMS)


def _computes_on_save(field: models.Field) -> bool:
    if isinstance(field, models.DateField):  # DateTimeField too: only auto_now(_add) computes
        return field.auto_now or field.auto_now_add
    return type(field).pre_save is not models.Field.pre_save


@functools.cache
def _insert_fields(model: type[models.Model]) -> tuple[tuple[models.Field, str, bool], ...]:
    """(field, quoted column, whether the field computes its value on save) per column: most
    fields' `pre_save` only reads the attribute, so the hot loop reads it directly."""
    quote = connection.ops.quote_name
    return tuple(
        (field, quote(field.column), _computes_on_save(field))
        for field in model._meta.concrete_fields
        if not field.generated
    )


def insert_parts(obj: models.Model, *, expressions: dict[str, str] | None = None) -> tuple[str, str, str, list]:
    """(quoted table, column list, VALUES row, params) for inserting `obj`.

    The primary key is left to the database when unset. `expressions` maps a column name to
    an SQL expression used instead of a parameter (e.g. `{"order_id": "(SELECT id FROM o)"}`
    to point at a row inserted earlier in the same statement)."""
    expressions = expressions or {}
    db = connections[connection.alias]  # the wrapper itself: no per-value proxy lookups
    columns, placeholders, params = [], [], []
    for field, quoted, computes in _insert_fields(type(obj)):
        value = field.pre_save(obj, add=True) if computes else getattr(obj, field.attname)
        if value is None and field.primary_key:
            continue
        columns.append(quoted)
        if field.column in expressions:
            placeholders.append(expressions[field.column])
            continue
        placeholders.append("%s")
        params.append(field.get_db_prep_save(value, db))
    return db.ops.quote_name(obj._meta.db_table), ", ".join(columns), f"({', '.join(placeholders)})", params


def insert_sql(objs: list[models.Model], *, expressions: dict[str, str] | None = None) -> tuple[str, list]:
    """`INSERT INTO table (columns) VALUES (…), (…)` for instances of one model."""
    table, columns, rows, params = "", "", [], []
    for obj in objs:
        table, columns, row, row_params = insert_parts(obj, expressions=expressions)
        rows.append(row)
        params.extend(row_params)
    return f"INSERT INTO {table} ({columns}) VALUES {', '.join(rows)}", params  # noqa: S608 - names from the models


def mark_saved(obj: models.Model, pk: int) -> models.Model:
    """Make `obj` look like a row Django loaded: pk set, not "adding", bound to default."""
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = connection.alias
    return obj


def instance_from_json(model: type[models.Model], data: dict | None) -> models.Model | None:
    """A model instance from a row Postgres serialised as JSON (`row_to_json`, or
    `json_build_object` of some columns): values go through each field's `to_python`;
    columns that are absent are deferred (loaded on access, like `.only()`)."""
    if data is None:
        return None
    names, values = [], []
    for field in model._meta.concrete_fields:
        if field.column in data:
            names.append(field.attname)
            values.append(field.to_python(data[field.column]))
    return model.from_db(connection.alias, names, values)


@contextmanager
def bound_cursor():
    """A cursor (Django's wrapper: logged, execute wrappers apply) whose statements send
    their parameters separately from the SQL text (server-side binding) instead of psycopg
    quoting each value into the text, and which Postgres prepares once this connection has
    run the same statement `DATABASES["default"]["OPTIONS"]["prepare_threshold"]` times
    (settings: DATABASE_PREPARE_THRESHOLD, 5): later runs skip parsing and planning.

    For the hot, fixed statements of order placement. Parameters must have a type Postgres
    can infer from where they stand (a column they are compared with or inserted into,
    or an explicit cast): an untyped `%s` alone in a SELECT list is an error here."""
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.ensure_connection()
    with connection.wrap_database_errors:
        cursor = connection._prepare_cursor(ServerBindingCursor(connection.connection))
    try:
        yield cursor
    finally:
        cursor.close()
