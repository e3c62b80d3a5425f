from workers.importing.command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import the roster from a CSV or XLSX file (columns: employee_no/工号, "
        "name/姓名, workshop/车间, trade/工种, political_status/政治面貌, "
        "activist/积极分子). All or nothing; row-numbered errors on stderr."
    )
    kind = "workers"

    def add_import_arguments(self, parser):
        parser.add_argument(
            "--create-workshops",
            action="store_true",
            help="create workshops named in the file that do not exist yet",
        )

    def import_options(self, options):
        return {"create_workshops": options["create_workshops"]}
