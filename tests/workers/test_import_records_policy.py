"""The entry grid reads quota and output by the import's number policy, so a
figure refused in a file is refused in the grid too, and the other way round."""

from decimal import Decimal

import pytest

from workers.forms.records import RecordEntryForm
from workers.importing.values import ValueProblem, parse_decimal


def grid_row(quota, output="90"):
    form = RecordEntryForm(
        data={"worker_id": "1", "version": "", "quota": quota, "output": output}
    )
    form.is_valid()
    return form


@pytest.mark.parametrize(
    "text",
    [
        "٣",  # Arabic-Indic three: Python's Decimal reads it as 3
        "१००",  # Devanagari 100
        "1e3",  # exponent
        "NaN",
        "Infinity",
        "12,00",  # a decimal comma, not a thousands separator
        "1.234",  # more places than the column holds
    ],
)
def test_the_grid_refuses_what_the_import_refuses(text):
    with pytest.raises(ValueProblem):
        parse_decimal(text, allow_negative=True, max_digits=12, decimal_places=2)
    form = grid_row(text)
    assert not form.is_valid()
    assert "quota" in form.errors
    assert form["quota"].value() == text  # what was typed is kept


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("120", Decimal("120")),
        ("12.5", Decimal("12.50")),
        ("１２０", Decimal("120")),  # full-width, as a Chinese input method types
        ("1,200", Decimal("1200")),
        (" 80 ", Decimal("80")),
    ],
)
def test_the_grid_reads_what_the_import_reads(text, value):
    form = grid_row(text, output=text)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["quota"] == value
    assert form.cleaned_data["output"] == value


def test_the_grid_still_refuses_a_quota_of_zero_and_a_negative_output():
    assert "quota" in grid_row("0").errors
    assert "output" in grid_row("100", output="-1").errors


def test_an_empty_cell_is_no_figure():
    form = grid_row("", output="")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["quota"] is None
