"""The quality team's journey, end to end in a browser: a specification drafted, edited,
published, given a new version (the versions side by side), the old one retired; the
providers with their accreditations and the members of each category; an accreditation
recorded; a provider suspended, reinstated and revoked with a reason; the quality
threshold previewed (who would fall below it, which listings would leave search) before
it is saved, then put back. A refused action shows the use case's reason as an error
summary linking to the field. axe runs on every page reached; nothing needs JavaScript."""

import random
import re

from playwright.sync_api import expect

# A provider of the demo market accredited below the threshold for accommodation, with
# no offers: accrediting, suspending and revoking it disturbs no other journey.
PROVIDER = "Blue Door Tenancy Support CIC"


def error_summary(page, text, field):
    """The error summary says `text` and links to `#field`; the title starts `Error:`."""
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text(text)
    expect(summary.get_by_role("link").first).to_have_attribute("href", "#" + field)
    expect(page).to_have_title(re.compile("^Error: "))
    expect(page.locator("#" + field)).to_be_visible()


def banner(page, text):
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(text)


def group(page, legend):
    return page.get_by_role("group", name=legend)


def fill_specification(page, cap, outcome):
    page.get_by_label("Title", exact=True).fill("Restorative justice conferencing")
    page.get_by_label("Description (optional)").fill("Victim-offender conferences run by trained facilitators.")
    group(page, "Category").get_by_label("Restorative justice", exact=True).check()
    group(page, "Needs addressed").get_by_label("Attitudes", exact=True).check()
    group(page, "Needs addressed").get_by_label("Relationships", exact=True).check()
    page.get_by_label("Fewest sessions").fill("3")
    page.get_by_label("Fewest contact hours").fill("6")
    group(page, "Group or one to one").get_by_label("One to one", exact=True).check()
    page.get_by_label("Unit of purchase").fill("One conference with its preparation")
    page.get_by_label("Price cap per order").fill(cap)
    group(page, "Sex").get_by_label("Female", exact=True).check()
    group(page, "Sex").get_by_label("Male", exact=True).check()
    page.get_by_label("Youngest age").fill("18")
    page.get_by_label("Oldest age").fill("99")
    group(page, "Highest risk of serious harm it can manage").get_by_label("Medium", exact=True).check()
    for tier in ("Tier 1", "Tier 2"):
        group(page, "Tiers").get_by_label(tier, exact=True).check()
    page.get_by_label("At the start").fill("50")
    page.get_by_label("At completion").fill("30")
    page.get_by_label("On the outcome").fill(outcome)


def test_quality_team_manages_specifications_providers_and_the_threshold(hub):
    page = hub.page
    code = "RJ-" + "".join(random.choice("0123456789") for _ in range(4))

    # The quality team lands on the specifications.
    hub.sign_in("The quality team")
    expect(page.get_by_role("heading", level=1)).to_have_text("Specifications")
    expect(page.locator("main table")).to_contain_text("UPW-STD")

    # A new specification: nothing filled in is refused field by field; shares that do
    # not add up to 100 are refused with the use case's words.
    hub.click("button", name="Create a specification")
    hub.submit("Save as a draft")
    error_summary(page, "Code must be 2-32 upper-case letters", "code")
    page.get_by_label("Code").fill(code)
    fill_specification(page, "450", "10")
    hub.submit("Save as a draft")
    error_summary(page, "Payment percentages must sum to 100, not 90", "start_percent")
    page.get_by_label("On the outcome").fill("20")
    hub.submit("Save as a draft")
    banner(page, f"Draft {code} version 1 created")
    expect(page.get_by_role("heading", level=1)).to_have_text("Restorative justice conferencing")

    # Edit the draft: a higher cap, and an outcome payment measured over two years and
    # graduated 70/30 (parts that do not add up to 100 are refused on their field).
    hub.click("link", name="Edit version 1")
    page.get_by_label("Price cap per order").fill("480")
    page.get_by_label("Measurement period in months").fill("24")
    page.get_by_label("Binary part in per cent").fill("70")
    page.get_by_label("Frequency part in per cent").fill("40")
    hub.submit("Save the draft")
    error_summary(page, "The binary and frequency parts must sum to 100, not 110", "outcome_binary_percent")
    page.get_by_label("Frequency part in per cent").fill("30")
    hub.submit("Save the draft")
    banner(page, f"Draft {code} version 1 saved")
    expect(page.locator("main table")).to_contain_text("£480")
    outcome_row = page.locator("main table tr", has=page.locator("th", has_text="Outcome payment"))
    expect(outcome_row).to_contain_text("over 24 months")
    expect(outcome_row).to_contain_text("70% of it if no proven reoffence, 30% if fewer than predicted")
    hub.submit("Publish version 1")
    banner(page, f"{code} version 1 published")

    # A new version with a higher cap: the two side by side; publish it, retire the old.
    hub.click("button", name="Start a new version")
    expect(page.get_by_label("Price cap per order")).to_have_value("480")
    expect(page.get_by_label("Measurement period in months")).to_have_value("24")
    expect(page.get_by_label("Binary part in per cent")).to_have_value("70")
    page.get_by_label("Price cap per order").fill("520")
    hub.submit("Save as a draft version")
    banner(page, f"Draft {code} version 2 created")
    side = page.locator("main table")
    expect(side.locator("thead")).to_contain_text("Version 1")
    expect(side.locator("thead")).to_contain_text("Version 2")
    price_row = side.locator("tr", has=page.locator("th", has_text="Price cap"))
    expect(price_row).to_contain_text("£480")
    expect(price_row).to_contain_text("£520")
    hub.screenshot("quality-specification")
    hub.submit("Publish version 2")
    hub.click("button", name="Retire version 1")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Retire {code} version 1?")
    hub.submit("Yes, retire version 1")
    banner(page, f"{code} version 1 retired")
    expect(side.locator("thead")).to_contain_text("Retired")

    # The providers, with their accreditations and the members of each category.
    hub.click("link", name="Providers")
    expect(page.get_by_role("heading", level=1)).to_have_text("Providers")
    row = page.locator("main table tbody tr", has=page.get_by_role("link", name=PROVIDER))
    expect(row).to_contain_text("Accommodation 53")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Unpaid work")
    hub.screenshot("quality-providers")

    # An accreditation in the future is refused with the use case's words; one at 75
    # makes the provider a member for accommodation.
    hub.click("link", name=PROVIDER)
    expect(page.locator(".govuk-summary-list")).to_contain_text("Applicant")
    hub.click("button", name="Record an accreditation")
    group(page, "Category assessed").get_by_label("Accommodation", exact=True).check()
    page.get_by_label("Score").fill("75")
    assessed = group(page, "Date assessed")
    year = int(assessed.get_by_label("Year").input_value())
    assessed.get_by_label("Year").fill(str(year + 1))
    expires = group(page, "Expiry date")
    expires.get_by_label("Day").fill("1")
    expires.get_by_label("Month").fill("1")
    expires.get_by_label("Year").fill(str(year + 2))
    hub.screenshot("quality-accreditation")
    hub.submit("Record the accreditation")
    error_summary(page, "Date assessed must not be in the future", "assessed_on-day")
    group(page, "Date assessed").get_by_label("Year").fill(str(year))
    page.get_by_label("Notes (optional)").fill("Tenancy sustainment audit passed")
    hub.submit("Record the accreditation")
    banner(page, "Accreditation for accommodation recorded")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Member")
    expect(page.locator("main table")).to_contain_text("Tenancy sustainment audit passed")

    # Suspend: no reason is refused; with one, suspended; then reinstated and revoked.
    hub.click("button", name="Suspend the provider")
    hub.submit("Suspend the provider")
    error_summary(page, "Reason must be 1-2000 characters", "reason")
    page.get_by_label("Reason").fill("Complaint about a tenancy under investigation")
    hub.submit("Suspend the provider")
    banner(page, f"{PROVIDER} suspended")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Complaint about a tenancy under investigation")
    hub.click("button", name="Reinstate the provider")
    page.get_by_label("Reason").fill("Investigation closed: no finding")
    hub.submit("Reinstate the provider")
    banner(page, f"{PROVIDER} reinstated")
    hub.click("button", name="Revoke the provider")
    page.get_by_label("Reason").fill("Contract terminated by the provider")
    hub.submit("Revoke the provider")
    banner(page, f"{PROVIDER} revoked")
    expect(page.get_by_role("button", name="Record an accreditation")).to_have_count(0)

    # The threshold: a value that is not a number is refused; 70 is previewed (nothing
    # changes yet), saved, and 60 put back the same way.
    hub.click("link", name="Quality threshold")
    expect(page.locator("#current-threshold")).to_have_text("60")
    page.get_by_label("New threshold").fill("seventy")
    hub.submit("Preview the change")
    error_summary(page, "Enter the threshold as a whole number from 0 to 100", "threshold")
    page.get_by_label("New threshold").fill("70")
    hub.submit("Preview the change")
    expect(page.get_by_role("heading", level=1)).to_contain_text("60 to 70")
    changes = page.locator("#membership-changes")
    expect(changes.locator("tr", has=page.locator("th", has_text="Unpaid work"))).to_contain_text(
        "Greenway Works CIC (scores 69)"
    )
    expect(page.locator("#listings-leaving")).to_contain_text("Greenway Works CIC")
    hub.screenshot("quality-threshold-preview")
    hub.click("link", name="Choose another threshold")
    expect(page.locator("#current-threshold")).to_have_text("60")
    page.get_by_label("New threshold").fill("70")
    hub.submit("Preview the change")
    hub.submit("Save threshold")
    banner(page, "Quality threshold set to 70")
    expect(page.locator("#current-threshold")).to_have_text("70")
    page.get_by_label("New threshold").fill("60")
    hub.submit("Preview the change")
    expect(page.locator("#membership-changes")).to_contain_text("Greenway Works CIC (scores 69)")
    hub.submit("Save threshold")
    banner(page, "Quality threshold set to 60")
    hub.sign_out()


def test_quality_team_previews_a_threshold_and_refuses_a_suspension_with_the_keyboard_alone(hub):
    """Only Tab, arrow keys, Space, Enter and typing: the threshold previewed and left
    unsaved, and a suspension without a reason refused (the error summary's link takes
    the keyboard to the field), then cancelled. Nothing changes."""
    from test_keyboard import Keyboard

    page = hub.page
    keys = Keyboard(hub)
    hub.goto("/sign-in")
    keys.choose_radio("person", "The quality team")
    keys.tab_to_text("Sign in")
    keys.activate()
    expect(page.get_by_role("heading", level=1)).to_have_text("Specifications")

    keys.tab_to_text("Quality threshold")
    keys.activate()
    keys.tab_to_id("threshold")
    keys.type("75")
    keys.tab_to_text("Preview the change")
    keys.activate()
    expect(page.get_by_role("heading", level=1)).to_contain_text("to 75")
    expect(page.locator("#membership-changes")).to_be_visible()
    keys.tab_to_text("Choose another threshold")
    keys.activate()
    expect(page.locator("#current-threshold")).to_have_text("60")

    keys.tab_to_text("Providers")
    keys.activate()
    keys.tab_to_text("Steel Valley Recovery Trust")
    keys.activate()
    keys.tab_to_text("Suspend the provider")
    keys.activate()
    keys.tab_to_text("Suspend the provider")
    keys.activate("Space")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Reason must be 1-2000 characters")
    keys.tab_to(lambda f: f["tag"] == "a" and f["text"].startswith("Reason must be"), "the error summary's link")
    page.keyboard.press("Enter")
    expect(page.locator("#reason")).to_be_focused()
    keys.assert_focus_visible()
    keys.tab_to_text("Cancel")
    keys.activate()
    expect(page.locator(".govuk-summary-list")).to_contain_text("Member")
    assert len(hub.checked) >= 7
