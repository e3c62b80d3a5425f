"""Rows per second read from each kind of spreadsheet file (no database).

    DEBUG=1 .venv/bin/python bench/import_formats.py [--rows 100000]

Builds one records file per format (CSV in GBK, XLSX, XLS, ODS), cached in
var/bench-import/, and times the records importer's ``read`` — bytes to
a checked table of text cells, the part that depends on the format; planning
and saving are measured by ``make bench``. An .xls sheet holds at most 65,536
rows, so the XLS file has 65,535 data rows whatever ``--rows`` says. A format
the code cannot read is reported as such.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

XLS_MAX_ROWS = 65_535
HEADER = ["工号", "姓名", "月份", "定额", "实际完成", "单位"]


def rows(count: int):
    for index in range(count):
        yield [
            f"E{index:06d}",
            f"工人{index}",
            dt.date(1956, 3, 1),
            100 + index % 50,
            80 + index % 70,
            "件",
        ]


def build(kind: str, count: int) -> bytes:
    from tests import spreadsheets

    if kind == "csv":
        text = [HEADER] + [
            [str(v) if not isinstance(v, dt.date) else "1956-03" for v in row]
            for row in rows(count)
        ]
        return spreadsheets.csv_bytes(text, encoding="gbk")
    if kind == "xlsx":
        import openpyxl

        workbook = openpyxl.Workbook(write_only=True)
        sheet = workbook.create_sheet()
        sheet.append(HEADER)
        for row in rows(count):
            sheet.append(row)
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue()
    if kind == "xls":
        return spreadsheets.xls_bytes([HEADER, *rows(min(count, XLS_MAX_ROWS))])
    if kind == "ods":
        return spreadsheets.ods_bytes([HEADER, *rows(count)])
    raise ValueError(kind)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--formats", default="csv,xlsx,xls,ods")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factory.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    from workers.importing import ImportFileError, get_importer

    cache = ROOT / "var" / "bench-import"
    cache.mkdir(parents=True, exist_ok=True)
    importer = get_importer("records")
    print(f"{'format':<6} {'rows':>8} {'MB':>6} {'CPU s':>8} {'rows/s':>9}")
    for kind in args.formats.split(","):
        path = cache / f"records-{args.rows}.{kind}"
        if not path.exists():
            path.write_bytes(build(kind, args.rows))
        data = path.read_bytes()
        # CPU time of this process: the figure that other work on the machine
        # disturbs least (the reading is single-threaded).
        start = time.process_time()
        try:
            table = importer.read(data, path.name)
        except ImportFileError as exc:
            print(f"{kind:<6} {'':>8} {len(data) / 2**20:>6.1f}  not read: {exc}")
            continue
        seconds = time.process_time() - start
        count = len(table.rows)
        print(
            f"{kind:<6} {count:>8} {len(data) / 2**20:>6.1f} {seconds:>8.2f} "
            f"{count / seconds:>9,.0f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
