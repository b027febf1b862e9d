"""Browser tests of the web front end: a running hub (HUB_URL), Debian's Chromium driven
by Playwright, and axe-core run on every page a test visits."""

import os
import pathlib
import random

import pytest
from playwright.sync_api import sync_playwright

HUB_URL = os.environ.get("HUB_URL", "http://127.0.0.1:8080").rstrip("/")
AXE_JS = os.environ.get("AXE_JS", "")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = os.environ.get("SCREENSHOTS", "")
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


class Hub:
    """A browser tab on the hub that checks each page it reaches with axe."""

    def __init__(self, page):
        self.page = page
        self.checked = []

    def url(self, path):
        return HUB_URL + path

    def goto(self, path):
        response = self.page.goto(self.url(path))
        self.axe()
        return response

    def axe(self):
        """No WCAG 2.2 A or AA violation on the page as it is now."""
        assert AXE_JS, "AXE_JS names axe.min.js"
        if not self.page.evaluate("() => typeof window.axe !== 'undefined'"):
            self.page.add_script_tag(path=AXE_JS)
        result = self.page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
        )
        violations = [
            f"{v['id']}: {v['help']} ({', '.join(n['target'][0] for n in v['nodes'][:3])})"
            for v in result["violations"]
        ]
        assert not violations, f"axe on {self.page.url}: " + "; ".join(violations)
        self.checked.append(self.page.url)

    def click(self, *args, **kwargs):
        """Clicks, waits for the next page and checks it."""
        with self.page.expect_navigation():
            self.page.get_by_role(*args, **kwargs).click()
        self.axe()

    def submit(self, name):
        self.click("button", name=name, exact=True)

    def screenshot(self, name):
        if SCREENSHOTS:
            out = pathlib.Path(SCREENSHOTS) / f"{name}.png"
            out.parent.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(out), full_page=True)

    def sign_in(self, label):
        self.goto("/sign-in")
        self.page.get_by_label(label, exact=True).check()
        self.submit("Sign in")

    def sign_out(self):
        self.submit("Sign out")


@pytest.fixture()
def hub(browser):
    # axe is injected as a script tag, which the strict CSP would refuse: these tabs
    # bypass it. tests/browser/test_security.py checks the CSP holds without bypass.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield Hub(page)
    context.close()


@pytest.fixture()
def strict_page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def new_crn():
    return "W" + "".join(random.choice("0123456789") for _ in range(6))
