from workers.importing.command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import shortfall classifications from a CSV or XLSX file (columns: "
        "employee_no/工号, month/月份, cause/原因, note/备注). Only workers below "
        "quota that month can be classified. All or nothing; row-numbered "
        "errors on stderr."
    )
    kind = "classifications"
