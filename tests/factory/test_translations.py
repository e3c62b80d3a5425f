"""The Simplified Chinese catalogue is complete and matches the source."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
SOURCE_DIRS = ("factory", "workers", "assistance", "templates")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")


def test_every_entry_is_translated_and_none_is_fuzzy():
    catalogue = polib.pofile(str(CATALOGUE))
    untranslated = [e.msgid for e in catalogue.untranslated_entries()]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    assert untranslated == []
    assert fuzzy == []


def test_translations_keep_the_placeholders():
    catalogue = polib.pofile(str(CATALOGUE))
    broken = []
    for entry in catalogue.translated_entries():
        translations = (
            [entry.msgstr]
            if not entry.msgid_plural
            else list(entry.msgstr_plural.values())
        )
        wanted = sorted(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        for text in translations:
            if sorted(PLACEHOLDER.findall(text)) != wanted and not (
                entry.msgid_plural and set(PLACEHOLDER.findall(text)) <= set(wanted)
            ):
                broken.append(entry.msgid)
    assert broken == []


def test_the_catalogue_holds_every_string_of_the_source(tmp_path):
    """makemessages on a copy of the source adds nothing to the catalogue."""
    for name in SOURCE_DIRS:
        shutil.copytree(
            ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("*.pyc")
        )
    shutil.copytree(ROOT / "locale", tmp_path / "locale")
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    env = {**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "factory.settings"}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-location"],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
    )
    fresh = polib.pofile(str(tmp_path / "locale/zh_Hans/LC_MESSAGES/django.po"))
    missing = [e.msgid for e in fresh if not e.obsolete and not e.translated()]
    assert missing == []
