"""The checked rows of a save in a temporary table, and the statements that
write them with their history (save_records)."""

from __future__ import annotations

import datetime as dt
import io
import uuid

from django.db import connection

from workers.models import (
    ProductionRecord,
)

_RECORD = ProductionRecord._meta.db_table
_HISTORY = ProductionRecord.history.model._meta.db_table
# What a history row repeats of its record (simple_history's tracked fields).
_TRACKED = (
    "id, worker_id, month, quota, output, unit, "
    "entered_by_id, entered_at, updated_by_id, updated_at"
)
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


class RecordStaging:
    """The checked rows in a temporary table, and the statements that write
    them: the same SQL on PostgreSQL and SQLite (3.33+, for UPDATE … FROM),
    but for the new records' ids.

    On PostgreSQL the rows arrive by COPY, elsewhere by executemany; the
    table has the records' column types (numeric(12, 2), varchar(20)), so a
    value the table cannot hold fails here. On PostgreSQL each staged row
    takes its record's id from the records' own sequence as it arrives (a
    row that turns out unchanged or stored leaves a gap, as a rolled-back
    insert does), so that the new records' history rows are copied from the
    staging table instead of read back from the records and joined. The
    month locks (PostgreSQL) or SQLite's single writer keep other saves of
    these records out until commit, so what is stored cannot change between
    the statements.
    """

    def __init__(self, rows: list[tuple], months: set[dt.date]):
        self.name = f"records_staging_{uuid.uuid4().hex}"
        self.vendor = connection.vendor
        # Every statement below reads the stored records of the staged months
        # only (a range of the month index): a file of new months then finds
        # nothing stored at once instead of reading the whole table.
        self.first, self.last = min(months), max(months)
        columns = "worker_id, month, quota, output, unit"
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                cursor.execute(
                    f"CREATE TEMPORARY TABLE {self.name} ON COMMIT DROP AS "
                    f"SELECT id, {columns} FROM {_RECORD} WITH NO DATA"
                )
                # The sequence named once: the default is then a constant
                # regclass, not a catalog lookup a row.
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [_RECORD])
                (sequence,) = cursor.fetchone()
                cursor.execute(
                    f"ALTER TABLE {self.name} ALTER COLUMN id "
                    "SET DEFAULT nextval(%s::regclass)",
                    [sequence],
                )
            else:
                cursor.execute(
                    f"CREATE TEMPORARY TABLE {self.name} AS "
                    f"SELECT {columns} FROM {_RECORD} WHERE 0"
                )
            if self.vendor == "postgresql" and hasattr(cursor.cursor, "copy_expert"):
                cursor.cursor.copy_expert(
                    f"COPY {self.name} ({columns}) FROM STDIN", self._copy_text(rows)
                )
            else:
                ops = connection.ops
                cursor.executemany(
                    f"INSERT INTO {self.name} ({columns}) VALUES (%s, %s, %s, %s, %s)",
                    [
                        (
                            worker_id,
                            ops.adapt_datefield_value(month),
                            ops.adapt_decimalfield_value(quota, 12, 2),
                            ops.adapt_decimalfield_value(output, 12, 2),
                            unit,
                        )
                        for worker_id, month, quota, output, unit in rows
                    ],
                )

    @staticmethod
    def _copy_text(rows: list[tuple]) -> io.StringIO:
        buffer = io.StringIO()
        write = buffer.write
        month_text: dict[dt.date, str] = {}
        for worker_id, month, quota, output, unit in rows:
            text = month_text.get(month)
            if text is None:
                text = month_text[month] = month.isoformat()
            unit = "\\N" if unit is None else unit.translate(_COPY_ESCAPES)
            write(f"{worker_id}\t{text}\t{quota}\t{output}\t{unit}\n")
        buffer.seek(0)
        return buffer

    def _params(self, by_id=None, now=None, reason=None) -> dict:
        ops = connection.ops
        return {
            "by": by_id,
            "now": ops.adapt_datetimefield_value(now),
            "reason": reason,
            "first": ops.adapt_datefield_value(self.first),
            "last": ops.adapt_datefield_value(self.last),
        }

    def _drop_where_stored(self, same_values: str = "") -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {self.name} WHERE EXISTS (SELECT 1 FROM {_RECORD} r "
                f"WHERE r.worker_id = {self.name}.worker_id "
                f"AND r.month = {self.name}.month "
                f"AND r.month BETWEEN %(first)s AND %(last)s{same_values})",
                self._params(),
            )
            return cursor.rowcount

    def drop_unchanged(self) -> int:
        """Rows equal to the stored record leave first: an unchanged row then
        costs one index lookup, and writes nothing (no history either).
        Returns how many left."""
        return self._drop_where_stored(
            f" AND r.quota = {self.name}.quota AND r.output = {self.name}.output "
            f"AND ({self.name}.unit IS NULL OR r.unit = {self.name}.unit)"
        )

    def drop_stored(self) -> None:
        """The rows of records just updated leave, once their history is
        written: what stays is the new records."""
        self._drop_where_stored()

    def update_changed(self, *, by_id, now) -> int:
        """Without a unit the stored one is kept."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {_RECORD} SET quota = s.quota, output = s.output, "
                f"unit = COALESCE(s.unit, {_RECORD}.unit), "
                "updated_by_id = %(by)s, updated_at = %(now)s "
                f"FROM {self.name} AS s "
                f"WHERE {_RECORD}.worker_id = s.worker_id "
                f"AND {_RECORD}.month = s.month "
                f"AND {_RECORD}.month BETWEEN %(first)s AND %(last)s",
                self._params(by_id, now),
            )
            return cursor.rowcount

    def insert_new(self, *, by_id, now) -> int:
        """Every row left, once the stored ones are dropped: a new record
        without a unit gets "" (the column is not null)."""
        ids = ("id, ", "s.id, ") if self.vendor == "postgresql" else ("", "")
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {_RECORD} ({ids[0]}worker_id, month, quota, output, "
                "unit, entered_by_id, entered_at, updated_by_id, updated_at) "
                f"SELECT {ids[1]}s.worker_id, s.month, s.quota, s.output, "
                "COALESCE(s.unit, ''), %(by)s, %(now)s, %(by)s, %(now)s "
                f"FROM {self.name} AS s",
                self._params(by_id, now),
            )
            return cursor.rowcount

    def write_history(self, *, by_id, now, reason: str, kind: str) -> None:
        """One history row per record of the rows left, just updated ("~")
        or created ("+"). A created record's row is the staged values with
        this save's who and when (on PostgreSQL, with the id staged for it);
        an updated one's is read from the record (it may keep its unit, and
        keeps who entered it when)."""
        columns = (
            f"INSERT INTO {_HISTORY} ({_TRACKED}, history_date, "
            "history_user_id, history_change_reason, history_type) "
        )
        history = "%(now)s, %(by)s, %(reason)s, %(kind)s"
        if kind == "+" and self.vendor == "postgresql":
            select = (
                "SELECT s.id, s.worker_id, s.month, s.quota, s.output, "
                "COALESCE(s.unit, ''), %(by)s, %(now)s, %(by)s, %(now)s, "
                f"{history} FROM {self.name} AS s"
            )
        else:
            tracked = ", ".join(f"r.{name}" for name in _TRACKED.split(", "))
            select = (
                f"SELECT {tracked}, {history} "
                f"FROM {_RECORD} r JOIN {self.name} s "
                "ON r.worker_id = s.worker_id AND r.month = s.month "
                "WHERE r.month BETWEEN %(first)s AND %(last)s"
            )
        with connection.cursor() as cursor:
            cursor.execute(
                columns + select, {**self._params(by_id, now, reason), "kind": kind}
            )

    def written(self) -> tuple[set[dt.date], set[int]]:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT DISTINCT month FROM {self.name}")
            months = {
                value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
                for (value,) in cursor.fetchall()
            }
            cursor.execute(f"SELECT DISTINCT worker_id FROM {self.name}")
            worker_ids = {value for (value,) in cursor.fetchall()}
        return months, worker_ids

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.name}")
