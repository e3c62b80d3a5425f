"""The factory's name comes from the FACTORY_NAME setting: every page's title
and footer and the bulletin carry it; an instance without one is titled with
the product's name and its secretary is asked, on the home page, to have it
set; the demo runs under the demo factory's name."""

import os
import re
import subprocess
import sys
from pathlib import Path

from django.urls import reverse

from factory.demo.specs import FACTORY_NAME as DEMO_NAME
from tests.factory.test_report_data import build_small_factory

ROOT = Path(__file__).resolve().parents[2]


def title(response) -> str:
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S)[1]


def test_every_page_is_titled_with_the_factory_name(secretary_client, settings):
    settings.FACTORY_NAME = "红星机械厂"

    for url in (reverse("home"), reverse("workers:worker_list")):
        response = secretary_client.get(url)
        assert title(response).endswith(" · 红星机械厂")
        assert "红星机械厂 · " in response.content.decode()  # the footer
        assert "太原矿山机器厂" not in response.content.decode()


def test_the_bulletin_is_headed_with_the_factory_name(
    secretary_client, settings, workshop, other_workshop
):
    build_small_factory(workshop, other_workshop)
    settings.FACTORY_NAME = "红星机械厂"

    page = secretary_client.get(reverse("reports:bulletin", args=["1956-03"]))

    assert "红星机械厂 · 党委" in page.content.decode()


def test_without_a_name_pages_carry_the_product_title(secretary_client, settings):
    settings.FACTORY_NAME = ""

    response = secretary_client.get(reverse("workers:worker_list"))

    assert title(response) == "花名册 · 赶先进"
    assert "太原矿山机器厂" not in response.content.decode()


def test_the_secretary_is_asked_on_the_home_page_to_have_the_name_set(
    secretary_client, manager_client, settings
):
    settings.FACTORY_NAME = ""

    home = secretary_client.get(reverse("home")).content.decode()

    assert 'id="factory-name-missing"' in home
    assert "FACTORY_NAME" in home
    # A director cannot do anything about it; a named factory is not asked.
    assert (
        'id="factory-name-missing"'
        not in manager_client.get(reverse("home")).content.decode()
    )
    settings.FACTORY_NAME = "红星机械厂"
    assert (
        'id="factory-name-missing"'
        not in secretary_client.get(reverse("home")).content.decode()
    )


def test_a_new_instance_has_no_factory_name_by_default():
    env = {k: v for k, v in os.environ.items() if k != "FACTORY_NAME"}
    env["DEBUG"] = "1"
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import factory.settings as s; print(repr(s.FACTORY_NAME))",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "''"


def test_make_demo_runs_under_the_demo_factorys_name():
    makefile = (ROOT / "Makefile").read_text()
    demo_env = re.search(r"^DEMO_ENV = (.*)$", makefile, re.M)[1]

    assert re.search(r'FACTORY_NAME="?([^"\s]+)"?', demo_env)[1] == DEMO_NAME
    assert DEMO_NAME == "太原矿山机器厂（演示）"


def test_a_renamed_factory_is_not_served_its_old_name_from_the_page_cache(
    secretary_client, settings, workshop, other_workshop
):
    build_small_factory(workshop, other_workshop)
    url = reverse("reports:bulletin", args=["1956-03"])
    settings.FACTORY_NAME = "红星机械厂"
    assert "红星机械厂 · 党委" in secretary_client.get(url).content.decode()

    # Set at last (a restart; a shared cache such as Redis outlives it).
    settings.FACTORY_NAME = "太原矿山机器厂"
    page = secretary_client.get(url).content.decode()

    assert "太原矿山机器厂 · 党委" in page
    assert "红星机械厂" not in page
