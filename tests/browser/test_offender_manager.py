"""The offender manager's journey, end to end in a browser: caseload, register a case,
record and submit the single assessment, countersign (as another manager: never one's
own), the costed plan, approve (buy), the orders, cancel one, its timeline and payments."""

import datetime
import re

from playwright.sync_api import expect

from conftest import new_crn

OM1 = "Offender manager 1 in Sheffield"
OM2 = "Offender manager 2 in Sheffield"


def test_offender_manager_buys_a_sentence_plan_and_cancels_an_order(hub):
    page = hub.page
    crn = new_crn()
    today = datetime.date.today()

    # Caseload of the area, after signing in locally.
    hub.sign_in(OM1)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Caseload")
    expect(page.get_by_text("Signed in as")).to_contain_text("Offender manager 1")
    expect(page.locator("table.govuk-table tbody tr").first).to_be_visible()
    hub.screenshot("caseload")

    # Register a case: a refused date shows the use case's reason, linked to the field,
    # and the form keeps what was typed.
    hub.click("button", name="Register a case")
    page.get_by_label("Case reference number (CRN)").fill(crn)
    page.get_by_label("Female").check()
    page.get_by_label("Day").fill("3")
    page.get_by_label("Month").fill("4")
    page.get_by_label("Year").fill(str(today.year + 1))
    hub.submit("Register the case")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Date of birth must not be in the future")
    expect(summary.get_by_role("link")).to_have_attribute("href", "#date_of_birth-day")
    expect(page).to_have_title(re.compile("^Error: "))
    expect(page.get_by_label("Case reference number (CRN)")).to_have_value(crn)
    page.get_by_label("Year").fill("1990")
    hub.submit("Register the case")
    expect(page.get_by_role("heading", level=1)).to_have_text(crn)
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"Case {crn} registered")

    # Record the single assessment, every field.
    hub.click("button", name="Record an assessment")
    page.get_by_label("Assessment reference").fill(f"OASYS-{crn}")
    page.get_by_label("Tier 2").check()
    page.get_by_label("Medium", exact=True).check()
    page.get_by_label("Reoffending probability").fill("45")
    page.locator("#need-alcohol").select_option("high")
    page.locator("#linked-alcohol").check()
    page.locator("#need-education_training_employment").select_option("medium")
    page.locator("#linked-education_training_employment").check()
    page.locator("#need-accommodation").select_option("low")
    page.get_by_label("Unpaid work (hours)").fill("120")
    page.get_by_label("Day", exact=True).fill(str(today.day))
    page.get_by_label("Month", exact=True).fill(str(today.month))
    page.get_by_label("Year", exact=True).fill(str(today.year))
    hub.submit("Save as a draft")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Draft")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Unpaid work: 120 hours")

    # Submit it; its author cannot countersign it and does not see it waiting.
    hub.submit("Submit for countersignature")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Submitted")
    expect(page.get_by_text("You cannot countersign your own assessment")).to_be_visible()
    assessment_url = page.url
    hub.goto("/om/countersign")
    expect(page.locator("main")).not_to_contain_text(crn)
    hub.sign_out()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You have signed out")

    # Another manager of the area countersigns it.
    hub.sign_in(OM2)
    hub.click("link", name="Countersign", exact=True)
    expect(page.locator("main table")).to_contain_text(crn)
    hub.click("link", name=f"OASYS-{crn}")
    hub.submit("Countersign the assessment")

    # The costed sentence plan: providers by name, prices in pounds, the total.
    expect(page.get_by_role("heading", level=1)).to_have_text("Costed sentence plan")
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("main table")).to_contain_text("Unpaid work")
    expect(page.locator("main table")).to_contain_text("Court requirement: Unpaid work: 120 hours")
    expect(page.locator("main table tfoot")).to_contain_text(re.compile(r"£[\d,]+"))
    assert not re.search(r"\bprv_", page.locator("main table").inner_text()), "providers by name, not id"
    hub.screenshot("sentence-plan")

    # Approve: the confirmation says what was bought.
    hub.submit("Approve the plan and buy")
    expect(page.locator(".govuk-panel")).to_contain_text("Sentence plan approved")
    expect(page.locator(".govuk-panel")).to_contain_text(f"3 interventions ordered for {crn}")
    expect(page.locator("main")).to_contain_text("listings looked at")
    hub.screenshot("plan-approved")

    # The person's orders, and one order's explanation, timeline and payments.
    hub.click("link", name="See the person's orders")
    orders = page.locator("main table").last
    expect(orders).to_contain_text("Unpaid work")
    hub.click("link", name="Unpaid work")
    expect(page.locator(".govuk-summary-list")).to_contain_text(re.compile(r"\d+ listings? looked at"))
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    expect(page.get_by_role("heading", name="Payments")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Ordered when the sentence plan was approved")
    hub.screenshot("order")

    # Cancel it: no reason is refused with the use case's words; then with a reason.
    hub.click("button", name="Cancel this order")
    hub.submit("Cancel the order")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Reason must be 1-2000 characters")
    expect(page.locator(".govuk-error-summary a")).to_have_attribute("href", "#reason")
    page.get_by_label("Why is it cancelled?").fill("The court varied the order")
    hub.submit("Cancel the order")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Cancelled")
    expect(page.locator("main table").first).to_contain_text("The court varied the order")
    expect(page.get_by_role("button", name="Cancel this order")).to_have_count(0)

    # The author's assessment page now shows it approved, with the plan.
    hub.goto(assessment_url.replace(hub.url(""), ""))
    expect(page.locator(".govuk-summary-list")).to_contain_text("Approved")
    assert len(hub.checked) >= 15
