"""Outcomes feed back into matching, as people see it: the quality team reads each
accreditation with its performance-adjusted score and the evidence behind it; an
offender manager reads, in how an order was placed, both the accreditation and the
adjusted score of the chosen provider and the runner-up. axe runs on every page."""

from playwright.sync_api import expect

OM1 = "Offender manager 1 in Sheffield"
PROVIDER = "Blue Door Tenancy Support CIC"


def test_quality_sees_adjusted_scores_and_the_order_shows_both_scores(hub):
    page = hub.page

    hub.sign_in("The quality team")
    hub.click("link", name="Providers")
    hub.click("link", name=PROVIDER)
    table = page.locator("main table", has=page.locator("caption", has_text="Accreditations"))
    expect(table.locator("thead")).to_contain_text("Adjusted score")
    expect(table.locator("thead")).to_contain_text("Evidence")
    expect(table.locator("tbody tr").first).to_contain_text("No orders ended or outcomes recorded yet")
    expect(page.locator("#adjusted-hint")).to_contain_text("Best-value matching ranks by it")
    hub.screenshot("quality-adjusted-scores")
    hub.sign_out()

    hub.sign_in(OM1)
    hub.goto("/om/cases/S100001")
    placed = page.locator("main table tbody tr", has_text="£").first
    with page.expect_navigation():
        placed.get_by_role("link").first.click()
    hub.axe()
    how = page.locator(".govuk-summary-list__row", has=page.locator("dt", has_text="How it was placed"))
    expect(how).to_contain_text("accreditation score")
    expect(how).to_contain_text("adjusted score")
    hub.screenshot("om-order-scores")
