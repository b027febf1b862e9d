"""The administrator's journey, end to end in a browser: the areas, creating one (a bad
code refused, then a duplicate refused with the use case's reason), and registering a
provider (refused field by field, then registered as an applicant). axe runs on every
page reached; nothing needs JavaScript."""

import random
import re

from playwright.sync_api import expect


def error_summary(page, text, field):
    """The error summary says `text` and links to `#field`; the title starts `Error:`."""
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text(text)
    expect(summary.get_by_role("link").first).to_have_attribute("href", "#" + field)
    expect(page).to_have_title(re.compile("^Error: "))
    expect(page.locator("#" + field)).to_be_visible()


def banner(page, text):
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(text)


def test_administrator_creates_an_area_and_registers_a_provider(hub):
    page = hub.page
    digits = "".join(random.choice("0123456789") for _ in range(4))
    code = "NY-" + digits

    # The administrator lands on the areas.
    hub.sign_in("An administrator")
    expect(page.get_by_role("heading", level=1)).to_have_text("Areas")
    expect(page.locator("main table")).to_contain_text("SY-SHF")
    hub.screenshot("admin-areas")

    # A code with spaces is refused; a good one creates the area; the same code again
    # is refused with the use case's reason.
    hub.click("button", name="Create an area")
    page.get_by_label("Code").fill("ny york")
    page.get_by_label("Name").fill("York")
    page.get_by_label("Region").fill("Yorkshire and the Humber")
    hub.submit("Create the area")
    error_summary(page, "Code must be", "code")
    page.get_by_label("Code").fill(code)
    hub.submit("Create the area")
    banner(page, f"Area York ({code}) created")
    expect(page.locator("main table")).to_contain_text(code)
    hub.click("button", name="Create an area")
    page.get_by_label("Code").fill(code)
    page.get_by_label("Name").fill("York again")
    page.get_by_label("Region").fill("Yorkshire and the Humber")
    hub.submit("Create the area")
    error_summary(page, f"Area {code} already exists", "code")

    # A provider: nothing chosen is refused; a bad email is refused in the use case's
    # words; then registered, an applicant until the quality team accredits it.
    hub.click("link", name="Providers")
    expect(page.get_by_role("heading", level=1)).to_have_text("Providers")
    hub.click("button", name="Register a provider")
    hub.submit("Register the provider")
    error_summary(page, "Select the kind of organisation", "sector")
    page.get_by_label("Name", exact=True).fill(f"Ouse Valley Mentoring {digits}")
    page.get_by_role("group", name="Kind of organisation").get_by_label("Voluntary", exact=True).check()
    page.get_by_label("Registration number").fill(f"CC-{digits}01")
    page.get_by_label("Contact name").fill("Referrals team")
    page.get_by_label("Contact email").fill("referrals at ouse valley")
    hub.submit("Register the provider")
    error_summary(page, "Contact email must be an email address", "contact_email")
    page.get_by_label("Contact email").fill("referrals@ousevalley.example")
    hub.screenshot("admin-provider-register")
    hub.submit("Register the provider")
    banner(page, f"Ouse Valley Mentoring {digits} registered as an applicant")
    row = page.locator("main table tbody tr", has=page.locator("th", has_text=f"Ouse Valley Mentoring {digits}"))
    expect(row).to_contain_text("Applicant")
    expect(row).to_contain_text("Voluntary")
    hub.sign_out()
