"""Spreadsheet files built in memory, as the import tests upload them.

One builder per file kind a factory's office keeps: CSV, XLSX (openpyxl),
XLS (xlwt, Excel 97–2003), ODS (LibreOffice; built by hand: an ODS file is a
zip with a mimetype entry, a manifest and content.xml, and writing those is
simpler and faster than a library).
"""

import datetime as dt
import io
import zipfile
from xml.sax.saxutils import escape

import openpyxl


def csv_bytes(rows, encoding="utf-8", delimiter=","):
    """A CSV file of ``rows`` (lists of cell texts), Excel's CRLF line ends."""
    text = "\r\n".join(delimiter.join(row) for row in rows) + "\r\n"
    return text.encode(encoding)


def xlsx_bytes(rows, *, merged=(), number_formats=None, sheets=None) -> bytes:
    """An XLSX workbook whose first sheet holds ``rows``.

    ``merged``: ranges such as "A1:E1"; ``number_formats``: {column letter:
    format} applied to every cell of the column (e.g. "yyyy年m月");
    ``sheets``: further sheets as {title: rows}.
    """
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for cells in merged:
        sheet.merge_cells(cells)
    for letter, number_format in (number_formats or {}).items():
        for cell in sheet[letter]:
            cell.number_format = number_format
    for title, extra in (sheets or {}).items():
        other = workbook.create_sheet(title)
        for row in extra:
            other.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def xls_bytes(rows, *, merged=(), date_format='yyyy"年"m"月"') -> bytes:
    """An Excel 97–2003 workbook (BIFF8, what WPS saves) holding ``rows``.

    Dates are written as date cells with ``date_format``; ``merged`` holds
    (first_row, last_row, first_col, last_col) ranges, 0-based, whose first
    cell keeps the value.
    """
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Sheet1")
    date_style = xlwt.easyxf(num_format_str=date_format)
    merged_starts = {(r0, c0): (r0, r1, c0, c1) for r0, r1, c0, c1 in merged}
    covered = {
        (r, c)
        for r0, r1, c0, c1 in merged
        for r in range(r0, r1 + 1)
        for c in range(c0, c1 + 1)
    }
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if (r, c) in merged_starts:
                sheet.write_merge(*merged_starts[(r, c)], value)
                continue
            if (r, c) in covered or value is None:
                continue
            if isinstance(value, dt.date):
                sheet.write(r, c, value, date_style)
            else:
                sheet.write(r, c, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


_ODS_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:'
    'manifest:1.0" manifest:version="1.2">'
    '<manifest:file-entry manifest:full-path="/" manifest:media-type='
    '"application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" '
    'manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)
_ODS_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    "<office:document-content "
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'office:version="1.2"><office:body><office:spreadsheet>'
    '<table:table table:name="Sheet1">'
)
_ODS_TAIL = (
    "</table:table></office:spreadsheet></office:body></office:document-content>"
)


def _ods_cell(value, span: int = 1) -> str:
    spanned = f' table:number-columns-spanned="{span}"' if span > 1 else ""
    if value is None or value == "":
        return "<table:table-cell/>"
    if isinstance(value, dt.date):
        text = value.isoformat()
        return (
            f'<table:table-cell office:value-type="date" office:date-value="{text}"'
            f"{spanned}><text:p>{text}</text:p></table:table-cell>"
        )
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (
            f'<table:table-cell office:value-type="float" office:value="{value}"'
            f"{spanned}><text:p>{value}</text:p></table:table-cell>"
        )
    return (
        f'<table:table-cell office:value-type="string"{spanned}>'
        f"<text:p>{escape(str(value))}</text:p></table:table-cell>"
    )


def ods_bytes(rows, *, spans=None) -> bytes:
    """A LibreOffice spreadsheet (.ods) whose first sheet holds ``rows``.

    ``spans``: {row index: columns} to merge the row's first cell across.
    """
    spans = spans or {}
    parts = [_ODS_HEAD]
    for index, row in enumerate(rows):
        cells = [
            _ods_cell(value, spans.get(index, 1) if c == 0 else 1)
            for c, value in enumerate(row)
        ]
        parts.append("<table:table-row>" + "".join(cells) + "</table:table-row>")
    parts.append(_ODS_TAIL)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        # The mimetype entry comes first and uncompressed, as ODF requires.
        archive.writestr(
            "mimetype",
            "application/vnd.oasis.opendocument.spreadsheet",
            compress_type=zipfile.ZIP_STORED,
        )
        archive.writestr(
            "META-INF/manifest.xml", _ODS_MANIFEST, compress_type=zipfile.ZIP_DEFLATED
        )
        archive.writestr(
            "content.xml", "".join(parts), compress_type=zipfile.ZIP_DEFLATED
        )
    return out.getvalue()
