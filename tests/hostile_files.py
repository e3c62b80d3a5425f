"""Hostile uploads, made on the spot: the corpus the import must refuse.

Each is a small file that asks the server for far more than its size — the
attacks an audit of the demo tried, and their neighbours. Used by the tests
(tests/workers/test_hostile_files.py) and by ``make bench`` (how long each
takes to be refused, and what the login page does meanwhile).
"""

from __future__ import annotations

import io
import zipfile

from tests.spreadsheets import _ODS_HEAD, _ODS_MANIFEST, _ODS_TAIL, xlsx_bytes

HEADER = ["工号", "月份", "定额", "实际完成"]
ROW = ["T001", "1956-03", "100", "90"]

_FAR_CELL_ROW = '<row r="{row}"><c r="{cell}"><v>1</v></c></row>'


def rewritten_xlsx(change, level: int = 6) -> bytes:
    """A records workbook whose entries ``change(name, content)`` may alter,
    and to which ``change(None, None)`` may add (name, content) pairs."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([HEADER, ROW])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as target:
        for info in source.infolist():
            content = change(info.filename, source.read(info.filename))
            if content is not None:
                target.writestr(info.filename, content)
        for name, content in change(None, None) or ():
            target.writestr(name, content)
    return out.getvalue()


def far_cell_xlsx(cell: str, row: int, empty_rows: int = 0) -> bytes:
    """The audit's file: a header and one cell far away (``XFD1048576``
    asks the parser for 17 billion cells), after ``empty_rows`` <row/>s."""
    far = _FAR_CELL_ROW.format(row=row, cell=cell).encode()

    def add_far_cell(name, content):
        if name == "xl/worksheets/sheet1.xml":
            return content.replace(
                b"</sheetData>", b"<row/>" * empty_rows + far + b"</sheetData>"
            )
        return content if name else None

    return rewritten_xlsx(add_far_cell)


def far_cell_ods() -> bytes:
    """An .ods whose one real cell follows a million repeated rows and
    sixteen thousand repeated columns."""
    header = "".join(
        f'<table:table-cell office:value-type="string"><text:p>{text}</text:p>'
        "</table:table-cell>"
        for text in HEADER
    )
    content = (
        _ODS_HEAD
        + f"<table:table-row>{header}</table:table-row>"
        + '<table:table-row table:number-rows-repeated="1048574">'
        "<table:table-cell/></table:table-row>"
        + '<table:table-row><table:table-cell table:number-columns-repeated="16383"/>'
        '<table:table-cell office:value-type="float" office:value="1">'
        "<text:p>1</text:p></table:table-cell></table:table-row>" + _ODS_TAIL
    )
    return _ods(content)


def wide_ods() -> bytes:
    """An .ods of a thousand rows, each reaching column XFD."""
    content = (
        _ODS_HEAD + '<table:table-row table:number-rows-repeated="1000">'
        '<table:table-cell table:number-columns-repeated="16383"/>'
        '<table:table-cell office:value-type="float" office:value="1">'
        "<text:p>1</text:p></table:table-cell></table:table-row>" + _ODS_TAIL
    )
    return _ods(content)


def _ods(content: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", _ODS_MANIFEST, zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def far_cell_xls() -> bytes:
    """An Excel 97–2003 workbook whose one cell is at its last row and
    column (IV65536): 16.7 million cells, 5 KB of file."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Sheet1")
    for column, text in enumerate(HEADER):
        sheet.write(0, column, text)
    sheet.write(65535, 255, 1)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def entries_of_spaces(entries: int = 8, megabytes: int = 26) -> bytes:
    """Worksheet-like entries of spaces, together past the unpacked limit
    (the audit's was 8 entries of 299 MB in 2.4 MB)."""
    spaces = b" " * (megabytes * 1024 * 1024)

    def add_spaces(name, content):
        if name is None:
            return [
                (f"xl/worksheets/sheet{n}.xml", spaces) for n in range(2, entries + 2)
            ]
        return content

    return rewritten_xlsx(add_spaces, level=1)


def many_entries(count: int = 1500) -> bytes:
    def add_entries(name, content):
        if name is None:
            return [(f"xl/media/{n}.bin", b"") for n in range(count)]
        return content

    return rewritten_xlsx(add_entries)


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">'
        % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b"]>\n"
)
EXTERNAL_ENTITY = (
    b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
)


def with_doctype(doctype: bytes) -> bytes:
    def add(name, content):
        if name == "xl/worksheets/sheet1.xml":
            return doctype + content.split(b"?>", 1)[-1]
        return content if name else None

    return rewritten_xlsx(add)


def csv_of_rows(rows: int) -> bytes:
    """A CSV of ``rows`` short data rows: 3,000,000 in 15 MB, within the
    upload's size limit and fifteen times its row limit."""
    return ("工号,月份,定额,实际完成\n" + "1,,,\n" * rows).encode()


def csv_of_columns(columns: int) -> bytes:
    header = HEADER + [f"c{n}" for n in range(columns - len(HEADER))]
    return (",".join(header) + "\n" + ",".join(ROW + ["x"] * (columns - 4))).encode()


def csv_with_a_long_cell(characters: int = 100_000) -> bytes:
    return (",".join(HEADER) + "\n" + ",".join(ROW[:3] + ["9" * characters])).encode()


def corpus() -> dict[str, tuple[str, bytes]]:
    """{name: (file name, bytes)} for every hostile file."""
    return {
        "far cell XFD1048576": ("march.xlsx", far_cell_xlsx("XFD1048576", 1048576)),
        "far cell Z1048576": ("march.xlsx", far_cell_xlsx("Z1048576", 1048576)),
        "far cell GR200000 after 20,010 empty rows": (
            "march.xlsx",
            far_cell_xlsx("GR200000", 200000, empty_rows=20_010),
        ),
        "far cell .ods": ("march.ods", far_cell_ods()),
        "wide .ods": ("march.ods", wide_ods()),
        "far cell .xls": ("march.xls", far_cell_xls()),
        "entries of spaces": ("march.xlsx", entries_of_spaces()),
        "1,500 entries": ("march.xlsx", many_entries()),
        "billion laughs": ("march.xlsx", with_doctype(BILLION_LAUGHS)),
        "external entity": ("march.xlsx", with_doctype(EXTERNAL_ENTITY)),
        "3,000,000-row CSV": ("march.csv", csv_of_rows(3_000_000)),
        "300 columns": ("march.csv", csv_of_columns(300)),
        "100,000-character cell": ("march.csv", csv_with_a_long_cell()),
    }
