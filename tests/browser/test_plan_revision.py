"""Plan revisions and shaping a plan, in a browser: a person's plan is bought; a second
assessment makes a revision that keeps what is ordered, proposes the new need and the
ending of what is no longer needed; the offender manager defers and puts back an item,
sets the order of starting (a circle is refused), ticks the ending, approves, and finds
the plan among those due for review."""

import datetime
import re

from playwright.sync_api import expect

from conftest import new_crn

OM1 = "Offender manager 1 in Sheffield"
OM2 = "Offender manager 2 in Sheffield"


def record_assessment(hub, crn, ref, linked):
    """Records and submits an assessment ordering unpaid work, with `linked` needs
    medium and linked to offending, sentenced today; from the case page."""
    page = hub.page
    today = datetime.date.today()
    hub.click("button", name="Record an assessment")
    page.get_by_label("Assessment reference").fill(ref)
    page.get_by_label("Tier 2").check()
    page.get_by_label("Medium", exact=True).check()
    page.get_by_label("Reoffending probability").fill("45")
    for need, severity in linked.items():
        page.locator(f"#need-{need}").select_option(severity)
        page.locator(f"#linked-{need}").check()
    page.get_by_label("Unpaid work (hours)").fill("120")
    page.get_by_label("Day", exact=True).fill(str(today.day))
    page.get_by_label("Month", exact=True).fill(str(today.month))
    page.get_by_label("Year", exact=True).fill(str(today.year))
    hub.submit("Save as a draft")
    hub.submit("Submit for countersignature")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Submitted")


def countersign(hub, ref):
    hub.click("link", name="Countersign", exact=True)
    hub.click("link", name=ref)
    hub.submit("Countersign the assessment")


def test_a_revision_keeps_buys_and_ends_what_the_manager_confirms(hub):
    page = hub.page
    crn = new_crn()

    # The first plan, bought: unpaid work, accommodation and alcohol treatment.
    hub.sign_in(OM1)
    hub.click("button", name="Register a case")
    page.get_by_label("Case reference number (CRN)").fill(crn)
    page.get_by_label("Male", exact=True).check()
    page.get_by_label("Day").fill("3")
    page.get_by_label("Month").fill("4")
    page.get_by_label("Year").fill("1990")
    hub.submit("Register the case")
    case_url = page.url.replace(hub.url(""), "")
    record_assessment(hub, crn, f"OASYS-{crn}-1", {"accommodation": "medium", "alcohol": "high"})
    hub.sign_out()
    hub.sign_in(OM2)
    countersign(hub, f"OASYS-{crn}-1")
    expect(page.get_by_role("heading", level=1)).to_have_text("Costed sentence plan")
    hub.submit("Approve the plan and buy")
    expect(page.locator(".govuk-panel")).to_contain_text(f"3 interventions ordered for {crn}")

    # Assessed again: alcohol no longer, education a new need.
    hub.goto(case_url)
    record_assessment(
        hub, crn, f"OASYS-{crn}-2",
        {"accommodation": "medium", "education_training_employment": "medium"},
    )
    hub.sign_out()
    hub.sign_in(OM1)
    countersign(hub, f"OASYS-{crn}-2")

    # The revision: kept, new and ending lines.
    expect(page.get_by_role("heading", level=1)).to_have_text("Revised sentence plan")
    plan_url = page.url.replace(hub.url(""), "")
    revision = page.locator("table#approve")
    expect(revision).to_contain_text("Compared with what is already ordered")
    rows = revision.locator("tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.filter(has_text="Unpaid work")).to_contain_text("Kept")
    expect(rows.filter(has_text="Accommodation")).to_contain_text("Kept")
    expect(rows.filter(has_text="Education, training and employment")).to_contain_text("New")
    expect(rows.filter(has_text="Alcohol treatment")).to_contain_text("Ending proposed")
    expect(page.locator(".govuk-warning-text")).to_contain_text("buys 1 intervention:")
    hub.screenshot("plan-revision")

    # Defer the new item: a choice and a reason are needed.
    hub.click("link", name=re.compile("Remove or defer Education"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Remove or defer the item")
    hub.submit("Save")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select whether to remove or defer")
    page.get_by_label("Defer it").check()
    hub.submit("Save")
    expect(page.locator(".govuk-error-summary")).to_contain_text("must be 1-2000 characters")
    page.get_by_label("Why?").fill("starting college in January")
    hub.submit("Save")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Item deferred")
    expect(page.locator("main table").first).to_contain_text("starting college in January")
    expect(page.locator(".govuk-warning-text")).to_contain_text("buys 0 interventions")
    hub.click("button", name=re.compile("Put back Education"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Item put back")
    expect(page.locator(".govuk-warning-text")).to_contain_text("buys 1 intervention:")

    # Education starts after accommodation; both after each other is a circle.
    page.get_by_label("Education, training and employment (item 3) starts after").select_option(
        label="Accommodation (item 2)"
    )
    hub.submit("Save the order of starting")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("order of starting is saved")
    expect(page.locator("main table").first).to_contain_text("Starts after Accommodation")
    page.get_by_label("Accommodation (item 2) starts after").select_option(
        label="Education, training and employment (item 3)"
    )
    hub.submit("Save the order of starting")
    expect(page.locator(".govuk-error-summary")).to_contain_text("a circle")
    expect(page).to_have_title(re.compile("^Error: "))

    # Approve, ending the alcohol treatment.
    hub.goto(plan_url)
    page.get_by_label(re.compile("End this order")).check()
    hub.submit("Approve the plan and buy")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "1 interventions ordered, 2 kept from the earlier plan, 1 ended"
    )
    expect(page.locator(".govuk-panel")).to_contain_text(f"1 interventions ordered for {crn}")
    hub.click("link", name="See the person's orders")
    orders = page.locator("main table").last
    expect(orders.locator("tr", has_text="Alcohol treatment")).to_contain_text("Cancelled")
    expect(orders.locator("tr", has_text="Education")).to_have_count(1)
    expect(orders.locator("tr", has_text="Unpaid work")).to_have_count(1)

    # The plan is among the area's plans due for review, six months on.
    review = datetime.date.today() + datetime.timedelta(days=200)
    hub.goto(f"/om/reviews?on={review.isoformat()}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Plans due for review")
    expect(page.locator("main table")).to_contain_text(crn)
    hub.click("link", name=f"See the plan of {crn}")
    expect(page.locator("main")).to_contain_text("Due for review on")
