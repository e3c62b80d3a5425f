"""With DEBUG off, pages name their static files by the hashes collectstatic
writes: every way of starting production runs collectstatic first, and the
README says so."""

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils.functional import empty

ROOT = Path(__file__).resolve().parents[2]
MANIFEST_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"


def recipe(target: str) -> list[str]:
    """The command lines of a Makefile target."""
    makefile = (ROOT / "Makefile").read_text()
    body = re.search(rf"^{target}:.*\n((?:\t.*\n|\n)+)", makefile, re.M)[1]
    return [line.strip() for line in body.splitlines() if line.strip()]


def first(lines: list[str], word: str) -> int:
    return next(i for i, line in enumerate(lines) if word in line)


@pytest.fixture
def production_static(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": MANIFEST_STORAGE},
    }
    return tmp_path


def test_production_pages_need_collectstatic_and_work_after_it(db, production_static):
    with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
        Client().get(reverse("login"))

    call_command("collectstatic", "--no-input", verbosity=0)
    # The server starts after it, and reads the manifest then.
    staticfiles_storage._wrapped = empty

    assert Client().get(reverse("login")).status_code == 200


@pytest.mark.parametrize("target", ["serve", "demo"])
def test_every_start_target_collects_static_files_before_the_server(target):
    lines = recipe(target)

    assert first(lines, "collectstatic") < first(lines, "gunicorn")


def test_the_readmes_deployment_collects_static_files_before_serving():
    readme = (ROOT / "README.md").read_text()
    deployment = readme.split("## Deployment", 1)[1].split("\n## ", 1)[0]
    commands = deployment.split("```sh", 1)[1].split("```", 1)[0].splitlines()

    assert first(commands, "manage.py collectstatic") < first(commands, "make serve")
    # And why, in the words of the error a page gives without it.
    assert "Missing staticfiles manifest entry" in " ".join(deployment.split())
