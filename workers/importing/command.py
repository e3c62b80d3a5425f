"""The management commands of the imports, sharing one behaviour (README).

Each command reads FILE, prints every problem to stderr as
``row N, column X: message`` and exits non-zero with nothing saved; with
``--dry-run`` it only checks; otherwise it imports in one transaction and
prints the counts. A subclass sets ``kind`` and, for options of its
importer, ``add_import_arguments`` / ``import_options``.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from workers.importing.base import get_importer
from workers.importing.errors import describe_skipped
from workers.importing.limits import ImportFileError
from workers.importing.tables import MissingColumnsError


def terminal_language() -> str:
    """Chinese when the terminal's locale is Chinese, English otherwise."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANGUAGE", "LANG"):
        value = os.environ.get(name, "")
        if value:
            return "zh-hans" if value.lower().startswith("zh") else "en"
    return "en"


class ImportCommand(BaseCommand):
    kind = ""

    def add_arguments(self, parser):
        parser.add_argument(
            "file", help="CSV (UTF-8 or GBK/GB18030), XLSX, XLS or ODS file"
        )
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="COLUMN=HEADER",
            help="the file's HEADER holds COLUMN (e.g. output=实际产量); repeatable",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check the file and print what would change; save nothing",
        )
        self.add_import_arguments(parser)

    def add_import_arguments(self, parser) -> None:
        """Add the importer's own options."""

    def import_options(self, options: dict) -> dict:
        """The importer's options from the parsed command-line options."""
        return {}

    def parse_map(self, importer, items: list[str]) -> dict[str, str]:
        names = [column.name for column in importer.columns]
        mapping: dict[str, str] = {}
        for item in items:
            column, sep, header = item.partition("=")
            column, header = column.strip(), header.strip()
            if not sep or not header or column not in names:
                raise CommandError(
                    _(
                        "--map %(item)s: write COLUMN=HEADER, where COLUMN is one "
                        "of %(columns)s"
                    )
                    % {"item": item, "columns": ", ".join(names)}
                )
            mapping[column] = header
        return mapping

    def handle(self, *args, **options):
        with translation.override(terminal_language()):
            self.run(options)

    def run(self, options: dict) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(file)s: %(problem)s")
                % {"file": path, "problem": exc.strerror or exc}
            ) from exc
        importer = get_importer(self.kind)
        importer.on_command_line = True
        mapping = self.parse_map(importer, options["map"])
        try:
            table = importer.read(data, path.name, mapping=mapping)
        except MissingColumnsError as exc:
            hint = (
                " ".join(
                    f"--map {column}={header}"
                    for column, header in exc.suggested.items()
                )
                or "--map COLUMN=HEADER"
            )
            raise CommandError(
                exc.message
                + "\n"
                + _("Say which header holds each column: %(hint)s") % {"hint": hint}
            ) from exc
        except ImportFileError as exc:
            raise CommandError(exc.message) from exc
        for header in table.ignored_columns:
            self.stderr.write(_("ignored column: %(header)s") % {"header": header})
        for skipped in table.skipped:
            self.stderr.write(describe_skipped(skipped))
        plan = importer.plan(table, options=self.import_options(options))
        for warning in plan.warnings:
            self.stderr.write(warning)
        extra = importer.summary_extra(plan)
        if plan.ok:
            for note in importer.notes(extra, done=False):
                self.stderr.write(note)
        if not plan.ok:
            for error in plan.errors:
                self.stderr.write(error.describe(table))
            raise CommandError(
                _("%(count)d errors in %(rows)d rows; nothing was saved.")
                % {"count": len(plan.errors), "rows": len(plan.error_rows())}
            )
        counts = plan.counts()
        if options["dry_run"]:
            self.stdout.write(
                _(
                    "Dry run, nothing saved: %(created)d to create, %(updated)d to "
                    "update, %(unchanged)d unchanged."
                )
                % counts
            )
            return
        counts = importer.apply(plan, user=None)
        for note in importer.notes(extra, done=True):
            self.stdout.write(note)
        self.stdout.write(
            _(
                "Imported: %(created)d created, %(updated)d updated, "
                "%(unchanged)d unchanged."
            )
            % counts
        )
