from workers.importing.command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import monthly records from a CSV or XLSX file (columns: "
        "employee_no/工号, month/月份, quota/定额, output/实际完成, unit/单位). "
        "All or nothing; row-numbered errors on stderr."
    )
    kind = "records"
