"""Reading roster, record and classification files, and importing them.

The parts, in the order a file goes through them:

- ``tables.read_table`` turns the uploaded bytes (CSV in UTF-8/GBK, XLSX,
  XLS or ODS) into a ``Table`` of text cells keyed by column name — the
  header found below any title rows, title/blank/totals rows skipped and
  listed, a column mapping applied — or raises ``ImportFileError`` for a
  file that cannot be read at all (``MissingColumnsError`` when columns only
  need matching);
- an ``Importer`` (``base.py``; one per kind, see ``IMPORTERS``) checks every
  row and makes an ``ImportPlan`` (``errors.py``) without writing anything,
  then ``apply`` opens one transaction in which the importer's ``write``
  writes the whole plan;
- ``spellings.py`` holds the file format's words (columns, coded values);
  ``values.py`` the cell parsers the importers share;
- ``batches.py`` runs an upload's steps on its ImportBatch, in the request or
  in the task worker (``workers/tasks.py``); ``blanks.py`` builds the
  templates to fill.

Each kind's importer module registers itself on import; ``get_importer``
imports them all first, so callers never depend on import order.
"""

from workers.importing.base import IMPORTERS, Importer, get_importer, register
from workers.importing.errors import ImportPlan, RowError
from workers.importing.limits import ImportFileError
from workers.importing.reading import read_table
from workers.importing.tables import Column, Row, Table
from workers.importing.values import ValueProblem
from workers.text import check_text

__all__ = [
    "IMPORTERS",
    "Column",
    "ImportFileError",
    "ImportPlan",
    "Importer",
    "Row",
    "RowError",
    "Table",
    "ValueProblem",
    "check_text",
    "get_importer",
    "read_table",
    "register",
]
