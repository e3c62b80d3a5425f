"""The pages pass the Nu Html Checker.

One page per template: every GET line of the access matrix that a persona
gets as an HTML page, built from the same ``world``; the first URL met for
each template is kept, so a new template is validated without a line here.
A failed login adds the error summary. All the pages go to one run of
vnu.jar (one JVM start); the test fails on every error, naming the page.

The jar comes from the npm registry (``make var/vnu/vnu.jar``, which
``make test`` runs); without it the test is skipped, except on CI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from tests.security.conftest import demoted, left_helper, world  # noqa: F401
from tests.security.test_access_matrix import EXPECTED, URLS, USERNAMES

VNU = Path(__file__).resolve().parents[2] / "var" / "vnu" / "vnu.jar"
# The secretary reaches every template of the matrix but the login page's.
PERSONAS = ("anonymous", "secretary")


def _client(persona: str) -> Client:
    client = Client()
    if persona != "anonymous":
        client.force_login(get_user_model().objects.get(username=USERNAMES[persona]))
    return client


def one_page_per_template(w) -> dict[str, tuple[str, str]]:
    """{template name: (label, html)}, the first URL of each template."""
    urls = URLS(w)
    pages: dict[str, tuple[str, str]] = {}
    for persona in PERSONAS:
        client = _client(persona)
        for (route, method), results in sorted(EXPECTED.items()):
            if method != "GET" or results[persona] != "200" or route == "healthz":
                continue
            response = client.get(urls[route])
            if not response.get("Content-Type", "").startswith("text/html"):
                continue
            if response.streaming or not response.templates:
                continue
            if not response.content.lstrip()[:15].lower().startswith(b"<!doctype"):
                continue  # an htmx fragment, validated inside its page
            name = response.templates[0].name
            if name not in pages:
                pages[name] = (f"{persona} {urls[route]}", response.content.decode())
    failed = Client().post(
        reverse("login"), {"username": "alice", "password": "not the password"}
    )
    pages["login, failed"] = (
        "anonymous POST /accounts/login/",
        failed.content.decode(),
    )
    return pages


def vnu_errors(files: list[Path]) -> list[dict]:
    run = subprocess.run(
        [
            "java",
            "-jar",
            str(VNU),
            "--format",
            "json",
            "--exit-zero-always",
            "--stdout",
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    messages = json.loads(run.stdout)["messages"]
    return [m for m in messages if m["type"] in ("error", "non-document-error")]


@pytest.mark.skipif(
    not (VNU.exists() and shutil.which("java")) and not os.environ.get("CI"),
    reason="the Nu Html Checker is not installed: make var/vnu/vnu.jar (needs java)",
)
def test_every_template_passes_the_nu_html_checker(world, tmp_path):  # noqa: F811
    pages = one_page_per_template(world)
    assert len(pages) > 30, sorted(pages)  # the walk found the pages
    files, labels = [], {}
    for number, (template, (label, html)) in enumerate(sorted(pages.items())):
        path = tmp_path / f"page-{number:02d}.html"
        path.write_text(html, encoding="utf-8")
        files.append(path)
        labels[path.name] = f"{template} ({label})"
    errors = vnu_errors(files)
    report = [
        f"  {labels.get(Path(e.get('url', '')).name, e.get('url'))}"
        f" line {e.get('lastLine')}: {e['message']}"
        f"\n      {e.get('extract', '').strip()}"
        for e in errors
    ]
    assert not errors, (
        f"Nu Html Checker: {len(errors)} errors in {len(pages)} pages:\n"
        + "\n".join(report)
    )
