"""Reading a CSV: its encoding (UTF-8 with or without BOM, GBK/GB18030), what
is not a CSV at all (programs, images, markup), its delimiter."""

from __future__ import annotations

import csv
import io
import unicodedata

from django.conf import settings
from django.utils.translation import gettext as _

from workers.importing.limits import ImportFileError
from workers.text import ALLOWED_CONTROLS

# Formats people upload by mistake, recognised by their first bytes, with the
# words used to name them in the error message.
_SIGNATURES: list[tuple[bytes, str]] = [
    (b"MZ", "binary"),
    (b"\x7fELF", "binary"),
    (b"%PDF", "pdf"),
    (b"\x89PNG", "image"),
    (b"\xff\xd8\xff", "image"),
    (b"GIF8", "image"),
    (b"\x1f\x8b", "archive"),
    (b"Rar!", "archive"),
    (b"7z\xbc\xaf", "archive"),
]
_DELIMITERS = (",", ";", "\t")


def refuse_known_binaries(data: bytes, filename: str) -> None:
    for signature, _kind in _SIGNATURES:
        if data.startswith(signature):
            raise ImportFileError(
                _(
                    "“%(name)s” is not a spreadsheet (it looks like a program, "
                    "PDF, picture or archive). Upload a CSV, Excel (.xlsx, "
                    ".xls) or LibreOffice (.ods) file."
                )
                % {"name": filename}
            )


def decode(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without BOM), UTF-16 with a BOM (Excel's "Unicode
    text"), else GB18030, the superset of GBK that Chinese Excel writes."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    else:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            if _looks_binary(text):
                break
            return text, encoding
    raise ImportFileError(
        _(
            "The file could not be read as text: it is neither UTF-8 nor "
            "GBK/GB18030, or it is not a CSV file. In Excel, use “Save as” and "
            "choose “CSV UTF-8” or “Excel workbook (.xlsx)”."
        )
    )


def _looks_binary(text: str) -> bool:
    # A stray NUL in one cell is a row error, but a file that is largely
    # control characters is a program or a picture, whatever its name says.
    sample = text[:65536]
    controls = sum(
        1
        for char in sample
        if unicodedata.category(char) == "Cc" and char not in ALLOWED_CONTROLS
    )
    return controls > max(8, len(sample) // 100)


def refuse_markup(text: str) -> None:
    start = text.lstrip("\ufeff \t\r\n")[:512].lower()
    if start.startswith("<") and any(
        tag in start for tag in ("<html", "<!doctype", "<table", "<?xml", "<body")
    ):
        raise ImportFileError(
            _(
                "The file is a web page or XML document, not CSV or XLSX "
                "(Excel's “web page” or “XML spreadsheet” formats cannot be "
                "imported). Save it as .xlsx or CSV."
            )
        )


def csv_rows(text: str):
    # Excel cells may legitimately hold more than csv's default 128 KB; the
    # limit is raised to the upload limit so a long cell is a row error.
    csv.field_size_limit(max(csv.field_size_limit(), settings.IMPORT_MAX_BYTES))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
    try:
        # One record is one spreadsheet row even when a quoted cell holds line
        # breaks, so the record count is the row number the user sees.
        yield from enumerate(reader, start=1)
    except csv.Error as exc:
        raise ImportFileError(
            _("The CSV file is malformed near row %(row)d: %(problem)s")
            % {"row": reader.line_num, "problem": exc}
        ) from exc


def _sniff_delimiter(text: str) -> str:
    """Comma, semicolon or tab: whichever the header line uses most."""
    for line in text.lstrip("\ufeff").splitlines():
        if line.strip():
            counts = {d: line.count(d) for d in _DELIMITERS}
            best = max(_DELIMITERS, key=lambda d: counts[d])
            return best if counts[best] else ","
    return ","
