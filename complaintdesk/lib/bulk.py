"""New rows of several tables written with PostgreSQL's COPY.

A batch of new cases writes customers, cases, timeline events, acknowledgements and
idempotency keys. Through `bulk_create` most of the writer's time went into Django compiling
the INSERT and psycopg quoting every value into its text (client-side binding); COPY streams
the same values, each made ready by its field's own `get_db_prep_save`, and took 40 % less CPU
and wall time per batch here (docs/benchmarks.md). Django has no COPY, hence this small helper.
Other databases get one `bulk_create` per table.
"""

from collections.abc import Sequence

from django.db import connection, transaction
from django.db.models import AutoField, Field, Model


def insert_all(*tables: Sequence[Model]) -> None:
    """INSERT each sequence of unsaved rows of one model, in the order given (parents first),
    all or none. Rows either all have their primary key already or none has; nothing is read
    back, and no signals are sent (as with bulk_create)."""
    tables = tuple(rows for rows in tables if rows)
    columns = [_columns(rows) for rows in tables]  # refuse before anything is written
    if connection.vendor != "postgresql":
        with transaction.atomic(savepoint=False):
            for rows in tables:
                type(rows[0])._default_manager.bulk_create(rows)
        return
    with (transaction.atomic(savepoint=False), connection.cursor() as cursor,
          connection.wrap_database_errors):  # a UniqueViolation is Django's IntegrityError
        for rows, fields in zip(tables, columns, strict=True):
            names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
            table = connection.ops.quote_name(type(rows[0])._meta.db_table)
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    row._prepare_related_fields_for_save(operation_name="insert_all")
                    copy.write_row([f.get_db_prep_save(f.pre_save(row, True), connection)
                                    for f in fields])
    for rows in tables:
        for row in rows:
            row._state.adding = False
            row._state.db = connection.alias


def _columns(rows: Sequence[Model]) -> list[Field]:
    opts = type(rows[0])._meta
    with_pk = [row.pk is not None for row in rows]
    if any(with_pk) and not all(with_pk):
        raise ValueError(f"{type(rows[0]).__name__}: give every row its primary key, or none")
    return [f for f in opts.concrete_fields
            if not f.generated and (all(with_pk) or not isinstance(f, AutoField))]
