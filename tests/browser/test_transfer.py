"""A case moves area, in a browser: a Sheffield offender manager registers a case,
transfers it to Rotherham from its page (no area chosen is refused, with the message
linked to the field), then reads the transfer in the area's transfers; Rotherham's
offender manager reads the transfer and opens the case, which is Rotherham's now."""

import re

from playwright.sync_api import expect

from conftest import new_crn

SHEFFIELD = "Offender manager 1 in Sheffield"
ROTHERHAM = "Offender manager 1 in Rotherham"


def test_offender_manager_transfers_a_case_to_another_area(hub):
    page = hub.page
    crn = new_crn()

    hub.sign_in(SHEFFIELD)
    hub.click("button", name="Register a case")
    page.get_by_label("Case reference number (CRN)").fill(crn)
    page.get_by_label("Male", exact=True).check()
    page.get_by_label("Day").fill("12")
    page.get_by_label("Month").fill("6")
    page.get_by_label("Year").fill("1989")
    hub.submit("Register the case")
    expect(page.get_by_role("heading", level=1)).to_have_text(crn)

    # The form: nothing chosen is refused, and what was typed is kept.
    hub.click("button", name="Transfer this case")
    expect(page.get_by_role("heading", level=1)).to_have_text("Transfer this case")
    page.get_by_label("Why is the case being transferred?").fill("Moved in with family")
    hub.submit("Transfer the case")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Select the area the person is moving to")
    expect(summary.get_by_role("link")).to_have_attribute("href", "#to_area")
    expect(page).to_have_title(re.compile("^Error: "))
    expect(page.get_by_label("Why is the case being transferred?")).to_have_value("Moved in with family")
    page.get_by_label("Area the person is moving to").select_option("SY-ROT")
    hub.submit("Transfer the case")

    # Sheffield reads the transfer; the case itself is Rotherham's now.
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"Case {crn} transferred to SY-ROT")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Case {crn}: SY-SHF to SY-ROT")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Moved in with family")
    expect(page.locator("main")).to_contain_text("The case had no orders.")
    hub.screenshot("transfer")
    hub.click("link", name="Transfers", exact=True)
    row = page.locator("main table tbody tr", has_text=crn)
    expect(row).to_contain_text("Out to")
    expect(row).to_contain_text("SY-ROT")
    response = hub.goto(f"/om/cases/{crn}")
    assert response.status == 404
    hub.goto("/om")
    hub.sign_out()

    # Rotherham sees it come in, and opens the case.
    hub.sign_in(ROTHERHAM)
    hub.click("link", name="Transfers", exact=True)
    row = page.locator("main table tbody tr", has_text=crn)
    expect(row).to_contain_text("In from")
    expect(row).to_contain_text("SY-SHF")
    hub.click("link", name=crn)
    hub.click("link", name=crn, exact=True)
    expect(page.get_by_role("heading", level=1)).to_have_text(crn)
    # The case's first summary is the person and the case (the second is equality monitoring).
    expect(page.locator(".govuk-summary-list").first).to_contain_text("SY-ROT")
    assert len(hub.checked) >= 10
