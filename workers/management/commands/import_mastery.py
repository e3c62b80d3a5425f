from workers.importing.command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import checks of mastery of advanced experiences from a CSV or XLSX "
        "file (columns: employee_no/工号, experience/先进经验, level/程度, "
        "checked_on/检查日期). All or nothing; row-numbered errors on stderr."
    )
    kind = "mastery"
