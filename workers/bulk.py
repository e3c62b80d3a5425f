"""Faster ``bulk_create`` and ``bulk_update`` for tables imports rewrite in bulk.

An import of 100,000 monthly records writes 100,000 records and 100,000
history rows. Measured on PostgreSQL, Django's own bulk methods spend most of
their time outside the database: ``bulk_create`` adapts every value to an SQL
literal and the server parses them back (about 5,000 rows/s with history), and
``bulk_update`` builds ``CASE WHEN id = … THEN …`` with one branch per row and
field, which costs time growing with the square of the batch (under 1,000
rows/s). Here:

- on PostgreSQL, ``bulk_create`` streams the rows with ``COPY`` (ids taken
  from the table's sequence first, so callers get their primary keys back) and
  ``bulk_update`` copies the new values into a temporary table and updates by
  joining to it;
- on SQLite, ``bulk_update`` joins to a ``VALUES`` list (``UPDATE … FROM``);
- anything unusual (expressions as values, conflict handling, filtered
  querysets, other backends) falls back to Django's implementation.

django-simple-history's ``bulk_create_with_history`` and
``bulk_update_with_history`` call the model's default manager, then the
history manager's ``bulk_history_create``; ``FastHistoryManager`` writes
those history rows with COPY too, with the same user, date, change reason and
type, so every change still leaves its history row.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Iterable
from decimal import Decimal
from operator import attrgetter

from django.conf import settings
from django.db import connections, models, router, transaction
from django.utils import timezone
from simple_history.manager import HistoryManager
from simple_history.utils import get_change_reason_from_object

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_SLOW = object()


def _fast_copy_text(value, memo: dict):
    """A value in COPY text format, or _SLOW when the field must convert it.

    Dates and datetimes repeat (one month, one "now" per import): ``memo``
    keeps their text, which saves most of the formatting time.
    """
    kind = type(value)
    if kind is str:
        return value.translate(_ESCAPES)
    if value is None:
        return r"\N"
    if kind is int or kind is Decimal:
        return str(value)
    if kind is dt.datetime or kind is dt.date:
        text = memo.get(value)
        if text is None:
            if kind is dt.datetime and value.tzinfo is None:
                # A naive datetime takes Django's path (conversion, warning).
                return _SLOW
            text = memo[value] = value.isoformat()
        return text
    if kind is bool:
        return "t" if value else "f"
    return _SLOW


def _copy_line(fields, values, connection, memo: dict) -> str:
    texts = []
    for field, value in zip(fields, values, strict=True):
        text = _fast_copy_text(value, memo)
        if text is _SLOW:
            prepared = field.get_db_prep_save(value, connection)
            text = _fast_copy_text(prepared, memo)
            if text is _SLOW:
                text = str(prepared).translate(_ESCAPES)
        texts.append(text)
    return "\t".join(texts) + "\n"


def _copy_available(connection) -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        return hasattr(cursor.cursor, "copy_expert")  # psycopg2


def _getter(fields):
    """A function giving an object's values for these fields, as a tuple."""
    get = attrgetter(*(field.attname for field in fields))
    return get if len(fields) > 1 else lambda obj: (get(obj),)


def _has_expression(objs, fields) -> bool:
    return any(
        hasattr(getattr(obj, field.attname), "resolve_expression")
        for obj in objs
        for field in fields
    )


def _copy_rows(cursor, table: str, columns: list[str], rows: Iterable[str]) -> None:
    buffer = io.StringIO()
    buffer.writelines(rows)
    buffer.seek(0)
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


class FastBulkQuerySet(models.QuerySet):
    def bulk_create(self, objs, batch_size=None, ignore_conflicts=False, **kwargs):
        objs = list(objs)
        connection = connections[self.db]
        if (
            ignore_conflicts
            or any(kwargs.values())
            or not self._copy_possible(connection)
            or self.model._meta.parents
        ):
            return super().bulk_create(
                objs, batch_size=batch_size, ignore_conflicts=ignore_conflicts, **kwargs
            )
        if not objs:
            return objs
        meta = self.model._meta
        fields = [
            field
            for field in meta.concrete_fields
            if not getattr(field, "generated", False)
        ]
        if _has_expression(objs, fields):
            return super().bulk_create(objs, batch_size=batch_size)
        pk = meta.pk
        quote = connection.ops.quote_name
        table = quote(meta.db_table)
        with transaction.atomic(using=self.db, savepoint=False):
            for obj in objs:
                obj._prepare_related_fields_for_save(operation_name="bulk_create")
            with connection.cursor() as cursor:
                missing = [obj for obj in objs if obj.pk is None]
                if missing and isinstance(pk, models.AutoField | models.BigAutoField):
                    # Take the ids from the table's own sequence, as INSERT would.
                    cursor.execute(
                        "SELECT nextval(pg_get_serial_sequence(%s, %s)) "
                        "FROM generate_series(1, %s)",
                        [meta.db_table, pk.column, len(missing)],
                    )
                    for obj, (value,) in zip(missing, cursor.fetchall(), strict=True):
                        setattr(obj, pk.attname, value)
                # pre_save fills auto_now / auto_now_add, as Django's INSERT does.
                stamped = [
                    field
                    for field in fields
                    if getattr(field, "auto_now", False)
                    or getattr(field, "auto_now_add", False)
                ]
                for field in stamped:
                    # One timestamp for the whole statement: what a single
                    # INSERT's now() would give, and far cheaper per row.
                    value = field.pre_save(objs[0], True)
                    for obj in objs[1:]:
                        setattr(obj, field.attname, value)
                values = _getter(fields)
                memo = {}
                lines = (
                    _copy_line(fields, values(obj), connection, memo) for obj in objs
                )
                _copy_rows(cursor, table, [quote(f.column) for f in fields], lines)
                self._read_generated(cursor, objs, connection)
        for obj in objs:
            obj._state.adding = False
            obj._state.db = self.db
        return objs

    def _read_generated(self, cursor, objs, connection) -> None:
        """Give the objects their generated columns, as INSERT … RETURNING
        does in Django's bulk_create (one query, PostgreSQL only)."""
        meta = self.model._meta
        generated = [f for f in meta.concrete_fields if getattr(f, "generated", False)]
        if not generated:
            return
        quote = connection.ops.quote_name
        by_pk = {obj.pk: obj for obj in objs}
        cursor.execute(
            f"SELECT {quote(meta.pk.column)}, "
            f"{', '.join(quote(f.column) for f in generated)} "
            f"FROM {quote(meta.db_table)} WHERE {quote(meta.pk.column)} = ANY(%s)",
            [list(by_pk)],
        )
        for pk, *values in cursor.fetchall():
            obj = by_pk[pk]
            for field, value in zip(generated, values, strict=True):
                setattr(obj, field.attname, value)

    def bulk_update(self, objs, fields, batch_size=None):
        objs = list(objs)
        connection = connections[self.db]
        meta = self.model._meta
        columns = [meta.get_field(name) for name in fields] if fields else []
        if not self._plain_update(objs, columns):
            return super().bulk_update(objs, fields, batch_size=batch_size)
        if self._copy_possible(connection):
            return self._copy_update(objs, columns, connection)
        if (
            connection.vendor == "sqlite"
            and connection.Database.sqlite_version_info >= (3, 33)
        ):
            return self._values_update(objs, columns, batch_size, connection)
        return super().bulk_update(objs, fields, batch_size=batch_size)

    # --- helpers ---

    def _copy_possible(self, connection) -> bool:
        return not self.query.where and _copy_available(connection)

    def _plain_update(self, objs, columns) -> bool:
        """Unfiltered, concrete columns, saved objects, plain values."""
        if not objs or not columns or self.query.where:
            return False
        for field in columns:
            if (
                not field.concrete
                or field.many_to_many
                or field.primary_key
                or getattr(field, "generated", False)
            ):
                return False
        if any(obj.pk is None for obj in objs):
            return False
        return not _has_expression(objs, columns)

    def _copy_update(self, objs, columns, connection) -> int:
        meta = self.model._meta
        quote = connection.ops.quote_name
        table = quote(meta.db_table)
        everything = [meta.pk, *columns]
        names = [quote(field.column) for field in everything]
        temp = quote(f"bulk_update_{uuid.uuid4().hex}")
        assignments = ", ".join(
            f"{quote(field.column)} = t.{quote(field.column)}" for field in columns
        )
        with (
            transaction.atomic(using=self.db, savepoint=False),
            connection.cursor() as cursor,
        ):
            # Same column types as the table, no constraints, gone at commit.
            cursor.execute(
                f"CREATE TEMPORARY TABLE {temp} ON COMMIT DROP AS "
                f"SELECT {', '.join(names)} FROM {table} WITH NO DATA"
            )
            values = _getter(everything)
            memo = {}
            lines = (
                _copy_line(everything, values(obj), connection, memo) for obj in objs
            )
            _copy_rows(cursor, temp, names, lines)
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM {temp} AS t "
                f"WHERE {table}.{quote(meta.pk.column)} = t.{quote(meta.pk.column)}"
            )
            updated = cursor.rowcount
            cursor.execute(f"DROP TABLE {temp}")
        return updated

    def _values_update(self, objs, columns, batch_size, connection) -> int:
        meta = self.model._meta
        quote = connection.ops.quote_name
        table = quote(meta.db_table)
        everything = [meta.pk, *columns]
        # SQLite names the columns of a VALUES list column1, column2, …
        assignments = ", ".join(
            f"{quote(field.column)} = v.column{index}"
            for index, field in enumerate(columns, start=2)
        )
        row = "(" + ", ".join(["%s"] * len(everything)) + ")"
        size = connection.ops.bulk_batch_size(everything, objs)
        if batch_size:
            size = min(size, batch_size)
        updated = 0
        with (
            transaction.atomic(using=self.db, savepoint=False),
            connection.cursor() as cursor,
        ):
            for start in range(0, len(objs), size):
                batch = objs[start : start + size]
                cursor.execute(
                    f"UPDATE {table} SET {assignments} "
                    f"FROM (VALUES {', '.join([row] * len(batch))}) AS v "
                    f"WHERE {table}.{quote(meta.pk.column)} = v.column1",
                    [
                        field.get_db_prep_save(getattr(obj, field.attname), connection)
                        for obj in batch
                        for field in everything
                    ],
                )
                updated += cursor.rowcount
        return updated


class FastHistoryManager(HistoryManager):
    """simple_history's manager, writing bulk history with COPY on PostgreSQL.

    ``bulk_history_create`` builds a model instance per history row before
    Django's bulk_create; for an import of 100,000 records that alone takes
    seconds. Here the rows go from the tracked instances straight to COPY,
    with the same values: tracked fields, date, user, change reason, type.
    Returns None on that path (no caller in simple_history uses the result).
    """

    def bulk_history_create(
        self,
        objs,
        batch_size=None,
        update=False,
        default_user=None,
        default_change_reason="",
        default_date=None,
        custom_historical_attrs=None,
    ):
        history = self.model
        connection = connections[router.db_for_write(history)]
        if (
            custom_historical_attrs
            or not getattr(settings, "SIMPLE_HISTORY_ENABLED", True)
            or not _copy_available(connection)
            or hasattr(history, "history_relation")
        ):
            return super().bulk_history_create(
                objs,
                batch_size=batch_size,
                update=update,
                default_user=default_user,
                default_change_reason=default_change_reason,
                default_date=default_date,
                custom_historical_attrs=custom_historical_attrs,
            )
        objs = list(objs)
        if not objs:
            return None
        meta = history._meta
        tracked = list(history.tracked_fields)
        columns = [meta.get_field(field.name) for field in tracked]
        extra = [
            meta.get_field(name)
            for name in (
                "history_date",
                "history_user",
                "history_change_reason",
                "history_type",
            )
        ]
        # The request's user (middleware) is the same for every row.
        fallback_user = default_user or history.get_default_history_user(objs[0])
        date = default_date or timezone.now()
        kind = "~" if update else "+"
        values = _getter(tracked)
        fields = [*tracked, *extra]
        memo: dict = {}

        def line(obj) -> str:
            user = getattr(obj, "_history_user", fallback_user)
            reason = get_change_reason_from_object(obj) or default_change_reason
            row = (
                *values(obj),
                getattr(obj, "_history_date", date),
                user.pk if user is not None else None,
                reason,
                kind,
            )
            return _copy_line(fields, row, connection, memo)

        quote = connection.ops.quote_name
        with (
            transaction.atomic(using=connection.alias, savepoint=False),
            connection.cursor() as cursor,
        ):
            _copy_rows(
                cursor,
                quote(meta.db_table),
                [quote(field.column) for field in (*columns, *extra)],
                (line(obj) for obj in objs),
            )
        return None
