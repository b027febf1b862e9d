"""Keyboard alone: the local sign-in, an offender manager registering a case and a
provider declining an offer with a reason, using only Tab, arrow keys, Space, Enter and
typing into the focused field (no mouse, no clicks). At every tab stop something is
focused and shows the GOV.UK focus style; the skip link is the first tab stop and takes
the keyboard to the main content. axe runs on every page reached."""

import datetime
import re

from playwright.sync_api import expect

from conftest import new_crn

OM = "Offender manager 1 in Sheffield"
# A provider of the demo market with offers waiting (unpaid work in Rotherham).
PROVIDER = "Dearne & Rother Community Payback Service"

# Why the focused element shows no focus style, or '' when it shows one: GOV.UK's
# focus style is an outline or box-shadow (links add a yellow background); a radio or
# checkbox draws its focus ring on its label's ::before.
FOCUS_STYLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return 'nothing is focused';
  const styles = [getComputedStyle(el)];
  if (el.matches('.govuk-radios__input, .govuk-checkboxes__input')) {
    const label = document.querySelector(`label[for="${el.id}"]`);
    if (label) styles.push(getComputedStyle(label, '::before'), getComputedStyle(label, '::after'));
  }
  const shows = styles.some(s =>
    (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) ||
    (s.boxShadow && s.boxShadow !== 'none'));
  return shows ? '' : `no focus style on ${el.outerHTML.slice(0, 120)}`;
}"""

FOCUSED = """() => {
  const el = document.activeElement;
  const label = el.id ? document.querySelector(`label[for="${el.id}"]`) : null;
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id,
    name: el.getAttribute('name') || '',
    text: ((label ? label.innerText : '') || el.innerText || el.value || '').trim(),
    inMain: !!el.closest('#main-content'),
    skipLink: el.classList.contains('govuk-skip-link'),
  };
}"""


class Keyboard:
    def __init__(self, hub):
        self.hub = hub
        self.page = hub.page
        self.stops = 0

    def focused(self):
        return self.page.evaluate(FOCUSED)

    def assert_focus_visible(self):
        problem = self.page.evaluate(FOCUS_STYLE)
        assert not problem, f"{self.page.url}: {problem}"

    def press(self, key):
        self.page.keyboard.press(key)
        self.assert_focus_visible()

    def tab_to(self, matches, what, limit=150):
        """Presses Tab until the focused element matches (unless it already does),
        checking each stop's focus style. Past the last control Tab leaves the page
        (the browser's own controls): once per call, that stop is not the page's."""
        if matches(self.focused()):
            return
        left_the_page = False
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            self.stops += 1
            if self.page.evaluate("() => document.activeElement === document.body") and not left_the_page:
                left_the_page = True
                continue
            self.assert_focus_visible()
            if matches(self.focused()):
                return
        raise AssertionError(f"{what} was not reached by Tab on {self.page.url}")

    def tab_to_text(self, text):
        self.tab_to(lambda f: f["text"] == text, repr(text))

    def tab_to_id(self, id_):
        self.tab_to(lambda f: f["id"] == id_, "#" + id_)

    def type(self, text):
        self.page.keyboard.type(text)

    def choose_radio(self, name, label, limit=200):
        """Tabs into the radio group `name`, then arrows to `label` (which checks it)."""
        self.tab_to(lambda f: f["tag"] == "input" and f["name"] == name, f"the {name} radios")
        for _ in range(limit):
            if self.focused()["text"] == label:
                self.press("Space")
                expect(self.page.locator("input:focus")).to_be_checked()
                return
            self.press("ArrowDown")
        raise AssertionError(f"no {label!r} among the {name} radios")

    def activate(self, key="Enter"):
        """Activates the focused link or button and waits for the next page, checking it."""
        with self.page.expect_navigation():
            self.page.keyboard.press(key)
        self.hub.axe()

    def skip_link_first(self):
        """The skip link is the first tab stop and moves the keyboard into the main content."""
        self.page.keyboard.press("Tab")
        self.assert_focus_visible()
        first = self.focused()
        assert first["skipLink"] and first["text"] == "Skip to main content", first
        box = self.page.locator(".govuk-skip-link").bounding_box()
        assert box and box["width"] > 1 and box["height"] > 1, "the focused skip link is shown"
        self.page.keyboard.press("Enter")
        self.page.wait_for_url(re.compile("#main-content$"))
        if self.focused()["id"] != "main-content":
            # Without script the fragment moves the sequential focus starting point: the
            # next Tab lands on the first control of the main content, past the header.
            self.page.keyboard.press("Tab")
            self.assert_focus_visible()
        assert self.focused()["inMain"] or self.focused()["id"] == "main-content", self.focused()


def test_sign_in_register_a_case_and_decline_an_offer_with_the_keyboard_alone(hub):
    page = hub.page
    keys = Keyboard(hub)
    crn = new_crn()

    # The local sign-in: the skip link first, then the person chosen with arrow keys.
    hub.goto("/sign-in")
    keys.skip_link_first()
    keys.choose_radio("person", OM)
    keys.tab_to_text("Sign in")
    keys.activate()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Caseload")
    expect(page.get_by_text("Signed in as")).to_contain_text("Offender manager 1")

    # Register a case: the link styled as a button opens with Enter; every field typed.
    keys.skip_link_first()
    keys.tab_to_text("Register a case")
    keys.activate()
    keys.tab_to_id("crn")
    keys.type(crn)
    keys.choose_radio("sex", "Male")
    keys.tab_to_id("date_of_birth-day")
    keys.type("14")
    keys.tab_to_id("date_of_birth-month")
    keys.type("2")
    keys.tab_to_id("date_of_birth-year")
    keys.type(str(datetime.date.today().year - 30))
    keys.tab_to_text("Register the case")
    keys.activate()
    expect(page.get_by_role("heading", level=1)).to_have_text(crn)
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"Case {crn} registered")

    keys.tab_to_text("Sign out")
    keys.activate()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You have signed out")

    # A provider declines an offer: a button pressed with Space, refused without a
    # reason (the error summary's link takes the keyboard to the field), then with one.
    hub.goto("/sign-in")
    keys.choose_radio("person", PROVIDER)
    keys.tab_to_text("Sign in")
    keys.activate("Space")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Offers")
    first_offer = page.locator("main table tbody tr").first.get_by_role("link").inner_text().strip()
    keys.tab_to_text(first_offer)
    keys.activate()
    keys.tab_to_text("Decline the offer")
    keys.activate("Space")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("The reason must be 1-2000 characters")
    keys.tab_to(lambda f: f["tag"] == "a" and f["text"].startswith("The reason must be 1-2000 characters"),
                "the error summary's link")
    page.keyboard.press("Enter")
    expect(page.locator("#reason")).to_be_focused()
    keys.assert_focus_visible()
    keys.type("No unpaid work supervisor free that week")
    keys.tab_to_text("Decline the offer")
    keys.activate()
    expect(page.locator(".govuk-panel")).to_contain_text("Offer declined")
    expect(page.locator("main")).to_contain_text("No unpaid work supervisor free that week")
    assert keys.stops >= 10
    assert len(hub.checked) >= 8
