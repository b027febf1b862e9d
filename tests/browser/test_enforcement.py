"""Enforcement and ending an order, in a browser: a provider reports two missed sessions
on an order it delivers; the offender manager of the area records a decision on each
(nothing chosen is refused, linked to the field), the second warning flags the order for
breach, proceedings pause it, the outcome (varied, saying what was varied) resumes it, and
the order is ended with a reason. axe runs on every page reached."""

import re

from playwright.sync_api import expect

# A provider of the demo market with offers waiting.
PROVIDER = "Steel Valley Recovery Trust"
AREAS = {"SY-SHF": "Sheffield", "SY-ROT": "Rotherham", "SY-DON": "Doncaster", "SY-BAR": "Barnsley"}


def banner(page, text):
    expect(page.locator(".govuk-notification-banner")).to_contain_text(text)


def error_summary(page, text, field):
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text(text)
    expect(summary.get_by_role("link").first).to_have_attribute("href", "#" + field)
    expect(page).to_have_title(re.compile("^Error: "))


def test_offender_manager_enforces_and_ends_an_order(hub):
    page = hub.page

    # The provider accepts an offer, starts delivery and reports two missed sessions.
    hub.sign_in(PROVIDER)
    with page.expect_navigation():
        page.locator("main table tbody tr").last.get_by_role("link").first.click()
    hub.axe()
    hub.submit("Accept the offer")
    order_id = page.locator(".govuk-panel strong").inner_text().strip()
    hub.click("link", name=f"Go to order {order_id}")
    area_row = page.locator(".govuk-summary-list__row", has=page.locator("dt", has_text="Area"))
    area = next(name for code, name in AREAS.items() if code in area_row.inner_text())
    for kind in ["Started", "Missed", "Missed"]:
        page.get_by_label(re.compile("^" + kind)).check()
        hub.submit("Report")
        banner(page, "reported")
    hub.sign_out()

    # The offender manager of the area sees both waiting for a decision.
    hub.sign_in(f"Offender manager 1 in {area}")
    hub.goto(f"/om/orders/{order_id}")
    enforcement = page.locator("main table", has=page.locator("caption", has_text="Missed sessions"))
    expect(enforcement.locator("tbody tr")).to_have_count(2)
    expect(enforcement.get_by_role("link", name=re.compile("^Record a decision"))).to_have_count(2)
    hub.screenshot("om-enforcement")

    # A decision: nothing chosen is refused, then the first missed session is a warning.
    with page.expect_navigation():
        enforcement.get_by_role("link", name=re.compile("^Record a decision")).first.click()
    hub.axe()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a decision")
    expect(page.locator("main")).to_contain_text("The provider reported: Missed on")
    hub.submit("Record the decision")
    error_summary(page, "Select acceptable absence or warning", "decision")
    page.get_by_label("Warning", exact=True).check()
    page.get_by_label("Why (optional)").fill("No reason given")
    hub.submit("Record the decision")
    banner(page, "Decision recorded")
    expect(enforcement).to_contain_text("Warning")
    expect(page.locator("#breach")).to_have_count(0)

    # The second warning flags the order for breach.
    with page.expect_navigation():
        enforcement.get_by_role("link", name=re.compile("^Record a decision")).first.click()
    hub.axe()
    page.get_by_label("Warning", exact=True).check()
    hub.submit("Record the decision")
    expect(page.locator("#breach")).to_contain_text("Flagged for breach")

    # Proceedings pause the order.
    hub.submit("Start breach proceedings")
    banner(page, "Breach proceedings started")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Paused")
    expect(page.locator("#breach")).to_contain_text("In breach proceedings")

    # The outcome: varied, saying what was varied; the order resumes.
    hub.click("button", name="Record the outcome of the proceedings")
    page.get_by_label("Varied", exact=True).check()
    hub.submit("Record the outcome")
    error_summary(page, "say what was varied", "variation")
    expect(page.get_by_label("Varied", exact=True)).to_be_checked()
    page.get_by_label(re.compile("^What was varied")).fill("20 more hours")
    hub.submit("Record the outcome")
    banner(page, "Outcome recorded")
    expect(page.locator(".govuk-summary-list")).to_contain_text("In delivery")
    expect(page.locator("main table").first).to_contain_text("Breach proceedings decided: varied: 20 more hours")

    # Ending the order with a reason: terminated, and it cannot be ended again.
    hub.click("button", name="End this order")
    hub.submit("End the order")
    error_summary(page, "Select why the order ends", "reason")
    page.get_by_label("Custody", exact=True).check()
    page.get_by_label("Details (optional)").fill("Remanded at Sheffield Crown Court")
    hub.submit("End the order")
    banner(page, "Order ended")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Terminated")
    expect(page.locator("main table").first).to_contain_text("Ended: custody: Remanded at Sheffield Crown Court")
    expect(page.get_by_role("button", name="End this order")).to_have_count(0)
    hub.screenshot("om-order-ended")
