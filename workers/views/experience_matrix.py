"""Who has mastered what (技术掌握情况表): /experiences/matrix/?workshop=&trade=
(DESIGN.md, "Advanced experience"), a page of a workshop's workers by the
experiences of their trades, or all of them as XLSX (``&format=xlsx``).

Access as the catalogue's (workers.access.require_experience_view): the
secretary's side chooses any workshop, a director their own (levels and
counts are not private); another workshop is a 404, as on the ranking (its
existence is not revealed); anyone else gets 403. The matrix itself is
workers.experience_matrix.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from workers.access import require_experience_view
from workers.experience_matrix import Matrix, experience_matrix
from workers.forms.base import Form
from workers.models import MasteryLevel, Workshop
from workers.spreadsheet_safety import xlsx_response

# What a cell of an experience that is not of the worker's trade shows.
NOT_OF_THE_TRADE = "—"


class MatrixFilterForm(Form):
    """The workshop (among the reader's) and the trade (among the
    workshop's) the matrix shows; the choices come from the view, read
    already."""

    workshop = forms.ChoiceField(label=capfirst(gettext_lazy("workshop")))
    trade = forms.ChoiceField(label=capfirst(gettext_lazy("trade")), required=False)

    def __init__(self, *args, workshops=(), trades=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["workshop"].choices = [(w.code, w.name) for w in workshops]
        self.fields["trade"].choices = [("", _("every trade"))] + [
            (trade, trade) for trade in trades
        ]
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"


@login_required
def experience_matrix_page(request):
    """The matrix of one workshop; the first of the reader's when none is
    chosen.

    Queries: the reader's workshops, then the matrix's five (the catalogue,
    the headcount by trade, the mastered counts, the page's workers, their
    levels) — whatever the number of workers.
    """
    user = request.user
    require_experience_view(user)
    workshops = list(Workshop.objects.visible_to(user).order_by("code"))
    code = request.GET.get("workshop", "")
    if code:
        workshop = next((w for w in workshops if w.code == code), None)
        if workshop is None:
            raise Http404  # another workshop (or none such): not revealed
    else:
        workshop = workshops[0] if workshops else None
    trade = request.GET.get("trade", "")
    export = request.GET.get("format") == "xlsx"
    matrix = None
    if workshop is not None:
        matrix = experience_matrix(
            workshop, trade=trade, page=None if export else request.GET.get("page")
        )
    if export:
        if matrix is None:
            raise Http404
        return _xlsx(matrix)
    form = MatrixFilterForm(
        {"workshop": workshop.code if workshop else "", "trade": trade},
        workshops=workshops,
        trades=matrix.trades if matrix else (),
    )
    # An unknown trade is named on the form; every trade is shown instead.
    form.is_valid()
    query = {"workshop": workshop.code} if workshop else {}
    if matrix and matrix.trade:
        query["trade"] = matrix.trade
    return render(
        request,
        "workers/experience_matrix.html",
        {
            "form": form,
            "choose_workshop": len(workshops) > 1,
            "matrix": matrix,
            "page": matrix.page if matrix else None,
            "query": urlencode(query),
            "levels": MasteryLevel.choices,
            "not_of_the_trade": NOT_OF_THE_TRADE,
        },
    )


def _xlsx(matrix: Matrix):
    """Every row of the matrix, the same cells as the page, the coverage last."""
    experiences = [column.experience.name for column in matrix.columns]
    header = [_("employee number"), _("worker's name"), _("trade"), *experiences]
    rows = [
        [
            row.worker.employee_no,
            row.worker.name,
            row.worker.trade,
            *[cell.label if cell.applies else NOT_OF_THE_TRADE for cell in row.cells],
        ]
        for row in matrix.rows
    ]
    rows.append(
        [
            "",
            _("coverage"),
            matrix.trade or _("every trade"),
            *[column.coverage.text for column in matrix.columns],
        ]
    )
    title = _("Who has mastered what")
    filename = f"catchup-matrix-{matrix.workshop.code}"
    # The workshop's code goes in the name only when it is ASCII (a header's
    # limits), as on the other downloads.
    if not filename.isascii():
        filename = "catchup-matrix"
    return xlsx_response(filename, f"{title} {matrix.workshop.code}", header, rows)
