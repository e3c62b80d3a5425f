"""Import templates (导入模板): a blank file to fill, for each kind of import.

Headers in the reader's language (the Chinese or English spelling of each
column, both of which the importer reads), one example row, and in the XLSX
a second sheet that lists each column and the values it accepts. The
spellings come from ``spellings`` (the file format), the explanations from
the translation catalogue (the interface).
"""

from __future__ import annotations

import csv
import io

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from workers.importing import spellings
from workers.models import Cause, MasteryLevel, PoliticalStatus
from workers.spreadsheet_safety import safe_cell

# One example row per kind: {column: (Chinese file's value, English file's value)}.
EXAMPLES: dict[str, dict[str, tuple[str, str]]] = {
    "workers": {
        "employee_no": ("1001", "1001"),
        "name": ("王福贵", "Wang Fugui"),
        "workshop": ("jg1", "jg1"),
        "trade": ("车工", "lathe operator"),
        "political_status": ("中共党员", "party_member"),
        "activist": ("否", "no"),
    },
    "records": {
        "employee_no": ("1001", "1001"),
        "month": ("1956-03", "1956-03"),
        "quota": ("120", "120"),
        "output": ("135.5", "135.5"),
        "unit": ("件", "pieces"),
    },
    "classifications": {
        "employee_no": ("1001", "1001"),
        "month": ("1956-03", "1956-03"),
        "cause": ("技术落后", "technique"),
        "note": ("新调来的车工，还不熟悉新刀具", "new to the lathe's tools"),
    },
    "mastery": {
        "employee_no": ("1001", "1001"),
        "experience": ("高速切削法", "高速切削法"),
        "level": ("已掌握", "applies"),
        "checked_on": ("1956-03-20", "1956-03-20"),
    },
}


def _choices_text(choices) -> str:
    return "; ".join(
        f"{code} / {words[1]} / {words[0]}"
        for code, words in spellings.CHOICES[choices].items()
    )


def _explanations() -> dict[str, str]:
    """What each column holds, in the active language."""
    return {
        "employee_no": _("The worker's employee number, as on the roster."),
        "name": _("The worker's full name."),
        "workshop": _("The workshop's code or name."),
        "trade": _("The worker's trade, e.g. lathe operator (车工)."),
        "political_status": _("One of: %(values)s. Empty: masses.")
        % {"values": _choices_text(PoliticalStatus)},
        "activist": _("yes or no (是/否, 1/0); empty: no."),
        "month": _(
            "The month, as YYYY-MM (1956-03), 1956年3月, 1956/3, 1956.3 or a date cell."
        ),
        "quota": _("The month's quota: a number greater than 0 (at most 2 decimals)."),
        "output": _("What the worker produced: a number, 0 or more."),
        "unit": _(
            "The unit of quota and output, e.g. 件 or 定额工时; empty: unchanged."
        ),
        "cause": _("The primary cause of the shortfall, one of: %(values)s.")
        % {"values": _choices_text(Cause)},
        "note": _("Anything the committee should know (at most 1,000 characters)."),
        "experience": _(
            "The advanced experience's name, as in the catalogue of advanced "
            "experiences."
        ),
        "level": _("The worker's level, one of: %(values)s.")
        % {"values": _choices_text(MasteryLevel)},
        "checked_on": _(
            "The day of the check, as YYYY-MM-DD (1956-03-20), 1956年3月20日, "
            "1956/3/20 or a date cell; not after today."
        ),
    }


def _chinese() -> bool:
    return (get_language() or "").startswith("zh")


def header_row(importer_cls) -> list[str]:
    chinese = _chinese()
    return [
        column.header_in("zh" if chinese else "en") for column in importer_cls.columns
    ]


def example_row(importer_cls) -> list[str]:
    chinese = _chinese()
    example = EXAMPLES[importer_cls.kind]
    return [
        example[column.name][0 if chinese else 1] for column in importer_cls.columns
    ]


def template_csv(importer_cls) -> bytes:
    """UTF-8 with a BOM, so that Chinese Excel opens it without garbling."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    # The cells are this module's own constants; safe_cell all the same, as
    # for every spreadsheet the project writes.
    writer.writerow([safe_cell(cell) for cell in header_row(importer_cls)])
    writer.writerow([safe_cell(cell) for cell in example_row(importer_cls)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx(importer_cls) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(importer_cls.title())[:31]
    sheet.append([safe_cell(cell) for cell in header_row(importer_cls)])
    sheet.append([safe_cell(cell) for cell in example_row(importer_cls)])
    bold = Font(bold=True)
    for cell in sheet[1]:
        cell.font = bold
    for index, column in enumerate(importer_cls.columns, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = 16
        # Employee numbers, months and days are text: "0012" keeps its zeros and
        # 1956-03 does not become a date number.
        if column.name in ("employee_no", "month", "checked_on"):
            for row in (1, 2):
                sheet.cell(row=row, column=index).number_format = "@"
    explanations = _explanations()
    guide = workbook.create_sheet(_("Columns")[:31])
    guide.append(
        [_("Column (Chinese)"), _("Column (English)"), _("Required"), _("Accepts")]
    )
    for cell in guide[1]:
        cell.font = bold
    for column in importer_cls.columns:
        guide.append(
            [
                safe_cell(text)
                for text in (
                    column.chinese_header(),
                    column.english_header(),
                    _("required") if column.required else _("optional"),
                    explanations[column.name],
                )
            ]
        )
    for letter, width in (("A", 14), ("B", 18), ("C", 10), ("D", 90)):
        guide.column_dimensions[letter].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
