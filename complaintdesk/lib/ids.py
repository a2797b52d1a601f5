"""Primary keys taken before the INSERT, so a value built from the id (a case reference such as
CD-2026-000123) goes into the same statement instead of a second UPDATE per row.

PostgreSQL hands out ids from the table's identity sequence; they are never given twice, so a
process may keep a few spare ones for its next rows. SQLite has no sequence: ids come from
`sqlite_sequence` under the write lock the surrounding transaction already holds (the database
runs with BEGIN IMMEDIATE), and inserting them moves that counter on.
"""

import threading

from django.db import connection
from django.db.models import Model

# Spare PostgreSQL ids a process keeps per table: one sequence round trip per this many rows.
SPARE_IDS = 32

_spare: dict[str, list[int]] = {}
_lock = threading.Lock()


def reserve_ids(model: type[Model], count: int) -> list[int]:
    """`count` unused primary keys of `model`'s table, in increasing order."""
    if count <= 0:
        return []
    table = model._meta.db_table
    if connection.vendor == "postgresql":
        with _lock:
            pool = _spare.setdefault(table, [])
            if len(pool) < count:
                pool.extend(_from_sequence(table, count - len(pool) + SPARE_IDS))
            taken, _spare[table] = pool[:count], pool[count:]
        return taken
    if connection.vendor == "sqlite":
        if not connection.in_atomic_block:
            raise RuntimeError("reserve_ids on SQLite needs the write transaction that inserts them")
        with connection.cursor() as cursor:
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            if row is None:  # no row inserted yet, or the counter was reset
                cursor.execute(f'SELECT MAX("{model._meta.pk.column}") FROM "{table}"')
                row = cursor.fetchone()
        last = (row[0] if row else None) or 0
        return list(range(last + 1, last + 1 + count))
    raise NotImplementedError(f"reserve_ids does not support {connection.vendor}")


def _from_sequence(table: str, count: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, count],
        )
        return sorted(row[0] for row in cursor.fetchall())


def forget_spare_ids() -> None:
    """After the sequences were reset (a test database flushed with reset_sequences)."""
    with _lock:
        _spare.clear()
