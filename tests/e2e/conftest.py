"""Real-browser tests: Playwright drives Debian's Chromium (/usr/bin/chromium).

Playwright's own browser download does not work on a closed network, so the
launch arguments point at the system browser. Screenshots of key pages go to
test-artifacts/screenshots/ (ignored by git) for a person to look at.
"""

from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # A factory's browsers ask for Chinese; English is one click away.
    return {**browser_context_args, "locale": "zh-CN"}


@pytest.fixture
def screenshot(page):
    """screenshot("name") saves the current page under test-artifacts/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def login(page, live_server):
    """Log in through the login page, as a person would."""

    def do_login(username: str, password: str = "correct horse battery staple"):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        with page.expect_navigation():
            page.click("main form button[type=submit]")

    return do_login
