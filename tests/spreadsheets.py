"""Spreadsheet files built in memory, as the import tests upload them."""

import io

import openpyxl


def csv_bytes(rows, encoding="utf-8", delimiter=","):
    """A CSV file of ``rows`` (lists of cell texts), Excel's CRLF line ends."""
    text = "\r\n".join(delimiter.join(row) for row in rows) + "\r\n"
    return text.encode(encoding)


def xlsx_bytes(rows) -> bytes:
    """An XLSX workbook whose first sheet holds ``rows``."""
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
