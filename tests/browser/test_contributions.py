"""Pooled budgets in a browser: a commissioner funds a budget by contributions (a refused
list shows the use case's words and changes nothing), sets the area's carry-over rule,
sees the next year's budget carry each contributor's unspent share in, and reads a
contributor's statement and downloads it as CSV. Far-future years of Doncaster, so no
other journey's budget moves. axe runs on every page reached."""

import csv
import io
import re

from playwright.sync_api import expect

COMMISSIONER = "A commissioner"
AREA = "SY-DON"
YEAR = 2098


def error_summary(page, text, field):
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text(text)
    expect(summary.get_by_role("link").first).to_have_attribute("href", "#" + field)
    expect(page).to_have_title(re.compile("^Error: "))


def banner(page, text):
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(text)


def test_contributions_carry_over_and_a_contributors_statement(hub):
    page = hub.page
    hub.sign_in(COMMISSIONER)

    # The contributions of a year with no budget yet: a bad amount and a contributor named
    # twice are refused, each on its field.
    hub.goto(f"/commissioner/budgets/{AREA}/{YEAR}/contributions")
    expect(page.get_by_role("heading", level=1)).to_have_text("Contributions to the budget")
    page.get_by_label("Probation (£)").fill("1000")
    page.get_by_label("Health (£)").fill("lots")
    hub.submit("Save the contributions")
    error_summary(page, "Enter the amount in pounds", "health")
    page.get_by_label("Health (£)").fill("500.01")
    page.get_by_label("Other agency 1", exact=True).fill("probation")
    page.get_by_label("Amount from other agency 1 (£)").fill("5")
    hub.submit("Save the contributions")
    error_summary(page, "named more than once", "other_1")
    page.get_by_label("Other agency 1", exact=True).fill("youth_justice_service")
    page.get_by_label("Amount from other agency 1 (£)").fill("250")
    hub.submit("Save the contributions")
    banner(page, "funded by 3 contributors: £1,750.01")
    table = page.locator("main table")
    expect(table).to_contain_text("Youth justice service")
    expect(table).to_contain_text("57.14%")
    expect(page.locator(".govuk-summary-list")).to_contain_text("The sum of the contributions")
    hub.screenshot("commissioner-contributions")

    # Carry everything over, then fund the next year: each carries their share in.
    hub.click("link", name=re.compile("^Change the carry-over rule"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Carry-over rule")
    page.get_by_label("It carries over up to a cap").check()
    hub.submit("Save the rule")
    error_summary(page, "Enter the cap as a whole percent", "cap_percent")
    page.get_by_label("All of it carries over").check()
    hub.submit("Save the rule")
    banner(page, "Everything unspent carries into the next year")

    hub.goto(f"/commissioner/budgets/{AREA}/{YEAR + 1}/contributions")
    page.get_by_label("Probation (£)").fill("100")
    hub.submit("Save the contributions")
    banner(page, "£100")
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(3)
    health = rows.filter(has_text="Health")
    expect(health.locator("td").nth(0)).to_have_text("£0")
    expect(health.locator("td").nth(1)).to_have_text("£500.01")
    expect(page.locator(".govuk-summary-list")).to_contain_text("£1,750.01")

    # A contributor's statement, and its CSV.
    hub.click("link", name=re.compile(r"^Probation\W+statement$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Statement of Probation")
    summary = page.locator(".govuk-summary-list")
    expect(summary).to_contain_text("Contributed")
    expect(summary).to_contain_text("£100")
    expect(summary).to_contain_text("£1,000")
    expect(page.locator("main")).to_contain_text("Nothing paid yet this year")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the statement of Probation as CSV").click()
    path = download.value.path()
    with open(path, encoding="utf-8") as f:
        rows = list(csv.DictReader(io.StringIO(f.read())))
    figures = {r["line"]: int(r["amount_pence"]) for r in rows if not r["detail"]}
    assert figures["contributed"] == 10_000, figures
    assert figures["carried_in"] == 100_000, figures
    assert {r["contributor"] for r in rows} == {"probation"}
