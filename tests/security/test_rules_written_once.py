"""A rule is written once (STYLE.md 13), and every caller uses it.

Two rules that security depends on are checked here in the source itself,
because a second hand-written copy is exactly how the two drift apart:

- who is on the secretary's side (workers.roles.is_secretary): the one
  function that asks for the "see every workshop" permission;
- how a spreadsheet cell is made safe (workers.spreadsheet_safety.safe_cell):
  the one place that knows which characters start a formula.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser

from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
APPS = ("workers", "assistance", "factory")


def _sources() -> dict[str, str]:
    """Our Python files (migrations aside: they are history, not rules)."""
    files = {}
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            files[str(path.relative_to(ROOT))] = path.read_text(encoding="utf-8")
    return files


def _files_matching(pattern: re.Pattern) -> list[str]:
    return sorted(name for name, text in _sources().items() if pattern.search(text))


# has_perm("workers.view_all_workshops") or has_perms([... that ...]),
# over several lines too.
SECRETARY_CHECK = re.compile(
    r"has_perms?\(\s*[\[(]?\s*[\"']workers\.view_all_workshops"
)


def test_the_scanner_finds_a_hand_written_secretary_check():
    assert SECRETARY_CHECK.search('user.has_perm("workers.view_all_workshops")')
    assert SECRETARY_CHECK.search("u.has_perm(\n    'workers.view_all_workshops'\n)")
    assert not SECRETARY_CHECK.search("is_secretary(user)")


def test_who_is_on_the_secretarys_side_is_decided_in_one_function():
    assert _files_matching(SECRETARY_CHECK) == ["workers/roles.py"]


@pytest.mark.django_db
def test_the_secretarys_side_is_the_secretary_and_superusers(
    secretary, manager, helper
):
    from workers import roles

    superuser = UserFactory(username="root", is_superuser=True)
    assert roles.is_secretary(secretary)
    assert roles.is_secretary(superuser)
    assert not roles.is_secretary(manager)
    assert not roles.is_secretary(helper)
    assert not roles.is_secretary(AnonymousUser())
    assert roles.is_manager(manager) and not roles.is_manager(secretary)
    assert roles.is_helper(helper) and not roles.is_helper(manager)


def test_factory_roles_is_the_same_function():
    """factory.roles re-exports the predicates: one function, two names."""
    from factory import roles as factory_roles
    from workers import roles

    assert factory_roles.is_secretary is roles.is_secretary
    assert factory_roles.is_manager is roles.is_manager
    assert factory_roles.is_helper is roles.is_helper


# A tuple of the characters that start a formula: ("=", "+", ...).
FORMULA_STARTS = re.compile(r"""[\"']=[\"']\s*,\s*[\"']\+[\"']""")
# Modules that write CSV or XLSX files for people to open.
WRITES_SPREADSHEETS = re.compile(r"csv\.writer\(|Workbook\(")


def test_the_scanner_finds_a_list_of_formula_starts():
    assert FORMULA_STARTS.search('START = ("=", "+", "-", "@")')
    assert not FORMULA_STARTS.search('if text == "=":')


def test_which_characters_start_a_formula_is_written_once():
    assert _files_matching(FORMULA_STARTS) == ["workers/spreadsheet_safety.py"]


def test_every_module_that_writes_a_spreadsheet_makes_its_cells_safe():
    """csv.writer and openpyxl's Workbook only with safe_cell beside them."""
    writers = _files_matching(WRITES_SPREADSHEETS)
    assert len(writers) >= 3  # the scan itself works
    sources = _sources()
    unsafe = [name for name in writers if "safe_cell(" not in sources[name]]
    assert not unsafe, f"spreadsheets written without safe_cell: {unsafe}"
